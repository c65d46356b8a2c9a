// "Save this digit": the 28x28 the model saw, with the label the student gives (the right
// digit when the model read it wrong), goes into their own example set (/api/examples).
// The "Your examples" card shows how many there are of each digit and each one, and
// deletes them; `digit-classifier train --finetune MODEL --extra FOLDER` trains on them.

const THUMB = 28;

export class ExamplesPanel {
  /**
   * `currentInput()` gives the 784 bytes of the input shown now (or null), whether it is
   * stale (the model has read no digit since), the digit the model read from it and the
   * reel's label when known: {pixels, stale, digit, label}.
   */
  constructor(api, currentInput, { saveButton, chooser, status, card }) {
    this.api = api;
    this.currentInput = currentInput;
    this.saveButton = saveButton;
    this.chooser = chooser;
    this.status = status;
    this.card = card;
    this.held = null; // the input frozen when Save was pressed, while the student picks a label
    this.busy = false; // a delete is on its way
    this.digitButtons = [];
    const digits = chooser.querySelector(".save-digits");
    for (let d = 0; d < 10; d += 1) {
      const button = document.createElement("button");
      button.className = "small save-digit";
      button.textContent = String(d);
      button.setAttribute("aria-label", `save as ${d}`);
      button.addEventListener("click", () => this.save(d));
      digits.append(button);
      this.digitButtons.push(button);
    }
    saveButton.addEventListener("click", () => this.open());
    chooser.querySelector(".save-cancel").addEventListener("click", () => this.close());
    chooser.addEventListener("keydown", (event) => {
      if (/^[0-9]$/.test(event.key)) {
        event.preventDefault();
        this.save(Number(event.key));
      } else if (event.key === "Escape") {
        event.preventDefault();
        this.close();
      }
    });
    this.counts = card.querySelector(".examples-counts");
    this.grid = card.querySelector(".examples-grid");
    this.error = card.querySelector(".examples-error");
    this.refresh();
  }

  /** Freezes the input shown now and asks which digit it is; the model's reading is offered first. */
  open() {
    const now = this.currentInput();
    if (!now.pixels) {
      this.say("Nothing to save yet: press ▶ Play and hold a digit up to the camera.");
      return;
    }
    if (now.stale) {
      this.say("The model read no digit in the latest frame: hold the digit up again, then save.");
      return;
    }
    this.held = now;
    const suggested = now.label !== null && now.label !== undefined && now.label >= 0 ? now.label : now.digit;
    this.digitButtons.forEach((button, d) => button.classList.toggle("suggested", d === suggested));
    this.chooser.hidden = false;
    this.status.hidden = true;
    const first = this.digitButtons[suggested ?? 0] || this.digitButtons[0];
    first.focus();
  }

  close() {
    this.held = null;
    this.chooser.hidden = true;
    this.saveButton.focus();
  }

  async save(label) {
    const held = this.held;
    if (!held) return;
    this.chooser.hidden = true;
    this.held = null;
    try {
      const set = await this.api.saveExample(label, held.pixels);
      const read = held.digit === null || held.digit === undefined ? "no digit" : `a ${held.digit}`;
      const fix = held.digit === label ? "" : ` (the model read ${read})`;
      this.say(`Saved as ${label}${fix}. ${set.total} example${set.total === 1 ? "" : "s"} in all.`);
      this.show(set);
    } catch (err) {
      this.say(`Not saved: ${err.message}`, true);
    }
    this.saveButton.focus();
  }

  say(text, bad = false) {
    this.status.textContent = text;
    this.status.classList.toggle("bad", bad);
    this.status.hidden = false;
  }

  async refresh() {
    try {
      this.show(await this.api.examples());
    } catch (err) {
      this.showError(err.message);
    }
  }

  async remove(index, label) {
    if (this.busy) return; // one delete at a time: the places of the others move
    this.busy = true;
    this.grid.querySelectorAll(".example-delete").forEach((button) => (button.disabled = true));
    const place = this.grid.children.length - 1 - index; // the grid shows the newest first
    try {
      this.show(await this.api.deleteExample(index, label));
      this.say(`Deleted an example of ${label}.`);
    } catch (err) {
      this.showError(err.message);
      await this.refresh();
    } finally {
      this.busy = false;
    }
    // Keyboard users stay where they were: on the next example's delete, or on the card.
    const buttons = this.grid.querySelectorAll(".example-delete");
    const next = buttons[Math.min(place, buttons.length - 1)];
    if (next) next.focus();
    else this.card.focus();
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  /** Draws the whole set: counts per digit, then each example, newest first. */
  show(set) {
    this.error.hidden = true;
    this.card.querySelector(".examples-total").textContent = set.total ? String(set.total) : "";
    this.card.querySelector(".examples-empty").hidden = set.total > 0;
    this.card.querySelector(".examples-folder").textContent = set.folder;
    this.counts.replaceChildren(
      ...set.counts.map((count, d) => {
        const cell = document.createElement("span");
        cell.className = "examples-count";
        cell.dataset.count = String(count);
        cell.setAttribute("role", "listitem");
        cell.innerHTML = `<b>${d}</b><span>${count}</span>`;
        cell.title = `${count} example${count === 1 ? "" : "s"} of ${d}`;
        return cell;
      }),
    );
    const bytes = Uint8Array.from(atob(set.pixels), (c) => c.charCodeAt(0));
    const tiles = set.labels.map((label, index) => this.tile(bytes.subarray(index * 784, index * 784 + 784), label, index));
    this.grid.replaceChildren(...tiles.reverse());
  }

  tile(pixels, label, index) {
    const tile = document.createElement("figure");
    tile.className = "example";
    const canvas = document.createElement("canvas");
    canvas.width = THUMB;
    canvas.height = THUMB;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", `example ${index + 1}, saved as ${label}`);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(THUMB, THUMB);
    for (let i = 0; i < pixels.length; i += 1) {
      image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = pixels[i];
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    const caption = document.createElement("figcaption");
    caption.textContent = String(label);
    const remove = document.createElement("button");
    remove.className = "example-delete";
    remove.textContent = "×";
    remove.title = `Delete this example of ${label}`;
    remove.setAttribute("aria-label", `delete example ${index + 1}, a ${label}`);
    remove.addEventListener("click", () => this.remove(index, label));
    tile.append(canvas, caption, remove);
    return tile;
  }
}
