"""``evaluate --reel DIR --report OUT.html``: one self-contained HTML file of a grading.

Open it offline or mail it to a teacher: the pictures are inside it. For each model,
side by side, the figures and the confusion matrix drawn as a grid; every cell opens the
frames it counts, each with the 28x28 image the model saw, its probabilities, and what
the other models read on the same frame. Works from the keyboard: cells are buttons,
Escape closes the frames.
"""

from __future__ import annotations

import base64
import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import cv2
import numpy as np

from exercise.grading import NONE_COLUMN, NUM_CLASSES, Grade, Sight
from exercise.reels import NO_DIGIT, Skipped

#: The 28x28 images are stored at this size (PNG), so they stay sharp in any browser.
INPUT_SCALE = 4
#: The report's style and script, inlined into every report.
ASSETS = Path(__file__).resolve().parent / "assets"
STYLE_FILE = ASSETS / "reel_report.css"
SCRIPT_FILE = ASSETS / "reel_report.js"


def render(reel: str, grades: Sequence[Grade], skipped: Sequence[Skipped]) -> str:
    """The report as one HTML document."""
    sights = grades[0].sights if grades else []
    data = {
        "frames": [_frame_data(sight) for sight in sights],
        "models": [
            {"name": grade.model, "readings": grade.readings, "probabilities": grade.probabilities}
            for grade in grades
        ],
    }
    # Inside <script> the HTML parser still reacts to "</script" and "<!--": JSON may
    # write every <, > and & as a \u escape, so none of them reaches the parser.
    payload = json.dumps(data, separators=(",", ":"))
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = f"Test reel {reel}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE_FILE.read_text(encoding='utf-8')}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{len(sights)} frames graded, {made}. Every model read the same 28x28 images: '
        "the largest digit the live pipeline found in each frame. Click a cell to see its frames.</p>",
        _summary(grades),
        _skipped(skipped),
        '<div class="models">',
        *(_model_section(index, grade) for index, grade in enumerate(grades)),
        "</div>",
        '<section id="frames" hidden aria-live="polite"><div class="frames-head"><h2 id="frames-title"></h2>'
        '<button type="button" id="close" aria-label="Close the frames (Escape)">Close</button></div>'
        '<div id="frame-list"></div></section>',
        f'<script type="application/json" id="data">{payload}</script>',
        f"<script>{SCRIPT_FILE.read_text(encoding='utf-8')}</script>",
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part)


def _frame_data(sight: Sight) -> Dict[str, Any]:
    return {
        "name": sight.frame.name,
        "label": sight.frame.label,
        "thumb": _data_uri("image/jpeg", sight.thumbnail) if sight.thumbnail else None,
        "input": _input_uri(sight.image28),
    }


def _input_uri(image28: Optional[np.ndarray]) -> Optional[str]:
    if image28 is None:
        return None
    big = cv2.resize(image28, None, fx=INPUT_SCALE, fy=INPUT_SCALE, interpolation=cv2.INTER_NEAREST)
    ok, data = cv2.imencode(".png", big)
    return _data_uri("image/png", data.tobytes()) if ok else None


def _data_uri(kind: str, data: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _percent(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1%}"


def _summary(grades: Sequence[Grade]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{html.escape(grade.model)}</th><td>{_percent(grade.accuracy)}</td>'
        f"<td>{_percent(grade.false_digit_rate)}</td>"
        f"<td>{grade.latency()['median']:.1f} / {grade.latency()['p95']:.1f}</td></tr>"
        for grade in grades
    )
    return (
        '<table class="summary"><caption>Figures per model</caption><thead><tr><th scope="col">model</th>'
        '<th scope="col">digits read right</th><th scope="col">false digits on empty frames</th>'
        '<th scope="col">latency ms, median / p95</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _skipped(skipped: Sequence[Skipped]) -> str:
    if not skipped:
        return ""
    items = "".join(f"<li>{html.escape(str(entry))}</li>" for entry in skipped)
    summary = f"{len(skipped)} rows or frames left out"
    return f'<details class="skipped"><summary>{summary}</summary><ul>{items}</ul></details>'


def _model_section(index: int, grade: Grade) -> str:
    return (
        f'<section class="model"><h2>{html.escape(grade.model)}</h2>'
        f"<p>{_percent(grade.accuracy)} of {grade.with_digit} digits read right; "
        f"false digits on {_percent(grade.false_digit_rate)} of {grade.without_digit} empty frames.</p>"
        f"{_matrix(index, grade)}</section>"
    )


def _matrix(index: int, grade: Grade) -> str:
    """The confusion matrix as a grid of buttons, shaded by each row's share."""
    counts = _cells(grade)
    head = "".join(f'<th scope="col">{digit}</th>' for digit in range(NUM_CLASSES))
    head += '<th scope="col">none</th><th scope="col" class="share">right</th>'
    no_digit_right = None if grade.false_digit_rate is None else 1.0 - grade.false_digit_rate
    per_class = grade.per_class + [no_digit_right]
    rows = []
    for label in list(range(NUM_CLASSES)) + [NO_DIGIT]:
        row_total = sum(counts.get((label, column), 0) for column in range(NUM_CLASSES + 1))
        cells = []
        for column in range(NUM_CLASSES + 1):
            count = counts.get((label, column), 0)
            right = column == label or (label == NO_DIGIT and column == NONE_COLUMN)
            share = count / row_total if row_total else 0.0
            kind = "right" if right else "wrong"
            if count == 0:
                cells.append('<td class="empty"></td>')
                continue
            read = "no digit" if column == NONE_COLUMN else str(column)
            shown = "no digit" if label == NO_DIGIT else str(label)
            cells.append(
                f'<td class="{kind}" style="--share:{share:.3f}"><button type="button" data-model="{index}" '
                f'data-label="{label}" data-read="{column}" '
                f'aria-label="{count} frames of {shown} read as {read}">{count}</button></td>'
            )
        name = "no digit" if label == NO_DIGIT else str(label)
        share_right = per_class[NUM_CLASSES if label == NO_DIGIT else label]
        right_share = f'<td class="share">{_percent(share_right)}</td>'
        rows.append(f'<tr><th scope="row">{name}</th>{"".join(cells)}{right_share}</tr>')
    return (
        '<table class="matrix"><caption>rows: digit held up, columns: digit read, '
        "right: share of the row read right</caption>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cells(grade: Grade) -> Dict[tuple, int]:
    counts: Dict[tuple, int] = {}
    for sight, reading in zip(grade.sights, grade.readings):
        key = (sight.frame.label, NONE_COLUMN if reading is None else reading)
        counts[key] = counts.get(key, 0) + 1
    return counts
