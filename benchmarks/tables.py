"""What the benchmarks share: their Markdown tables, percentages and box overlap."""

from __future__ import annotations

from typing import Sequence, Tuple

from exercise.training.scoring import MATCH_IOU, iou

__all__ = ["MATCH_IOU", "Box", "iou", "pct", "print_table"]

Box = Tuple[int, int, int, int]  # x, y, w, h


def pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table under ``title``: first column left-aligned, the others right."""
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(cells[0], widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(
            "| "
            + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
            + " |"
        )
