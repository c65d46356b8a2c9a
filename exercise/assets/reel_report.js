const data = JSON.parse(document.getElementById('data').textContent);
const panel = document.getElementById('frames');
const list = document.getElementById('frame-list');
let opener = null;
const word = (d) => (d === null || d === -1 ? 'no digit' : String(d));
function frameCard(frame, index, modelIndex) {
  const card = document.createElement('div');
  card.className = 'frame';
  const model = data.models[modelIndex];
  const read = model.readings[index];
  const right = read === null ? frame.label === -1 : read === frame.label;
  const head = document.createElement('div');
  head.innerHTML = '<b></b> held up <span></span>, read <span></span>';
  head.children[0].textContent = frame.name;
  head.children[1].textContent = word(frame.label);
  head.children[2].textContent = word(read);
  head.children[2].className = right ? 'ok' : 'bad';
  card.appendChild(head);
  const pictures = document.createElement('div');
  pictures.className = 'pictures';
  if (frame.thumb) { const img = new Image(); img.className = 'thumb'; img.src = frame.thumb; img.alt = 'frame ' + frame.name; pictures.appendChild(img); }
  if (frame.input) { const img = new Image(); img.className = 'input'; img.src = frame.input; img.alt = 'the 28x28 image the model saw'; pictures.appendChild(img); }
  card.appendChild(pictures);
  const p = model.probabilities[index];
  if (p) {
    const bars = document.createElement('div'); bars.className = 'bars';
    const top = p.indexOf(Math.max(...p));
    p.forEach((v, d) => { const bar = document.createElement('div'); bar.style.height = Math.max(1, v * 100) + '%'; bar.title = d + ': ' + (v * 100).toFixed(1) + '%'; if (d === top) bar.className = 'top'; bars.appendChild(bar); });
    const digits = document.createElement('div'); digits.className = 'digits';
    for (let d = 0; d < 10; d++) { const s = document.createElement('span'); s.textContent = d; digits.appendChild(s); }
    card.appendChild(bars); card.appendChild(digits);
  }
  if (data.models.length > 1) {
    const others = document.createElement('div'); others.className = 'others';
    others.textContent = data.models.filter((m, i) => i !== modelIndex).map((m) => m.name + ' read ' + word(m.readings[index])).join('; ');
    card.appendChild(others);
  }
  return card;
}
function show(button) {
  const modelIndex = Number(button.dataset.model), label = Number(button.dataset.label), column = Number(button.dataset.read);
  const model = data.models[modelIndex];
  list.replaceChildren();
  data.frames.forEach((frame, index) => {
    const read = model.readings[index] === null ? 10 : model.readings[index];
    if (frame.label === label && read === column) list.appendChild(frameCard(frame, index, modelIndex));
  });
  document.getElementById('frames-title').textContent = model.name + ': ' + list.children.length + (list.children.length === 1 ? ' frame' : ' frames') + ' of ' + word(label) + ' read as ' + (column === 10 ? 'no digit' : column);
  panel.hidden = false; opener = button;
  panel.scrollIntoView({ behavior: 'smooth', block: 'start' });
}
function close() { panel.hidden = true; if (opener) opener.focus(); }
document.querySelectorAll('.matrix button').forEach((b) => b.addEventListener('click', () => show(b)));
document.getElementById('close').addEventListener('click', close);
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !panel.hidden) close(); });
