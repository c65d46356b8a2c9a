"""One helpful message when a training command runs where PyTorch is not installed."""

from __future__ import annotations

import importlib.util


def require_torch(command: str) -> None:
    """Return if ``torch`` can be imported; otherwise exit with what to install.

    Raises:
        SystemExit: torch is missing (status 2, as for other errors the user can fix).
    """
    if importlib.util.find_spec("torch") is None:
        raise SystemExit(
            f"digit-classifier {command}: needs PyTorch, which is not installed here. Install the "
            "training extra on Python 3.9 or newer: pip install torch && pip install -e '.[train]'"
        )
