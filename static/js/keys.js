// Keyboard access for controls the browser does not make focusable by itself.

/** Enter or Space on a focusable label opens its hidden file input, as a click does. */
export function pressable(label, input) {
  label.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    input.click();
  });
}
