"""How the exercise server is started: one dataclass, filled by the CLI or the ROS node."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DEFAULT_PORT = 7164


def default_state_dir() -> Path:
    """``$XDG_DATA_HOME/digit-classifier``, else ``~/.local/share/digit-classifier``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "digit-classifier"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class ServerConfig:
    """Everything ``serve`` needs; the defaults are what ``digit-classifier serve`` does."""

    #: Camera spec (see exercise.cameras): ``auto`` picks a webcam, else the demo camera.
    camera: str = "auto"
    #: ONNX model to start with; None: the bundled default model.
    model: Optional[Path] = None
    host: str = "127.0.0.1"
    #: 0 picks a free port (tests); the bound port is in ``Exercise.address``.
    port: int = DEFAULT_PORT
    #: Access token; None: generated when ``host`` is not loopback, not needed otherwise.
    token: Optional[str] = None
    frequency_hz: float = 30.0
    gui_fps: float = 30.0
    #: Press Play on the saved (or default) code once the server is up.
    autostart: bool = False
    #: Where the code and uploaded models are kept; None: :func:`default_state_dir`.
    state_dir: Optional[Path] = None

    def resolved_state_dir(self) -> Path:
        return Path(self.state_dir) if self.state_dir is not None else default_state_dir()
