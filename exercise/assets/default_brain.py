# Press Play (or Ctrl+Enter), then hold a digit written on paper up to the camera.
# The browser shows the live camera with a box around the digit, the digit your model
# read, its probabilities, and the 28x28 image your model saw.
#
# What you can use:
#
#   HAL.getImage()           the newest camera image (a BGR numpy array, yours to change)
#   HAL.preprocess(image)    the digits found in an image, left to right; each one has
#                              .tensor   the [1, 1, 28, 28] input for your model
#                              .box      (x, y, width, height) in the image
#                              .image28  the 28x28 image (white digit on black)
#   HAL.predict(tensor)      your model's 10 probabilities, one per digit 0-9
#   HAL.getModel()           facts about your model (name, normalization, speed...)
#   GUI.showDigit(digit, probabilities, box)   show an answer (digit None: "no digit")
#   GUI.showInput(tensor)    show what the model saw
#   GUI.showImage(image)     show your own image instead of the live camera (for example
#                            one you drew on); the browser already shows the camera, so
#                            only call it when you want to see something else
#
# Everything above `while True:` runs once; the loop body runs again and again, at the
# frequency set in the browser. print() shows up in the console below the editor.

import GUI
import HAL

# A digit is only shown once the model has read the same digit in this many frames in a
# row: a single frame can be blurred or half out of view, and the answer would flicker.
FRAMES_TO_AGREE = 3

# Below this probability the model is guessing; such frames count as "no digit".
MIN_PROBABILITY = 0.6

candidate = None  # the digit read in the last frames
streak = 0  # in how many frames in a row
shown = None  # the digit on screen now

while True:
    image = HAL.getImage()
    digits = HAL.preprocess(image)

    if not digits:
        reading, probabilities, box = None, None, None
    else:
        # Several digits in view: read the biggest one, most likely the one held up.
        digit = max(digits, key=lambda d: d.box[2] * d.box[3])
        probabilities = HAL.predict(digit.tensor)
        reading = int(probabilities.argmax())
        if probabilities[reading] < MIN_PROBABILITY:
            reading = None
        box = digit.box
        GUI.showInput(digit.tensor)

    # Stabilise: count how long the same reading lasts.
    if reading == candidate:
        streak += 1
    else:
        candidate, streak = reading, 1

    if streak >= FRAMES_TO_AGREE:
        if candidate != shown:
            print("digit:", "none" if candidate is None else candidate)
        shown = candidate

    # The box follows the digit every frame; the digit itself only changes once stable.
    GUI.showDigit(shown, probabilities if shown is not None else None, box)
