"""``digit-classifier serve``: the web exercise on one port (page, REST API, websocket)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from exercise.server.config import DEFAULT_PORT, ServerConfig


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="start the web exercise (camera, model, editor) in the browser",
        description="Start the exercise: open the printed URL in a browser. Ctrl-C stops it.",
    )
    parser.add_argument(
        "--camera",
        default="auto",
        metavar="SOURCE",
        help="camera source: auto (a webcam if there is one, else demo), demo, webcam:N, "
        "file:PATH, browser, ros:TOPIC (default: auto)",
    )
    parser.add_argument(
        "--model", metavar="MODEL", type=Path, help="ONNX model to start with (default: bundled)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else requires the access token it prints)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--frequency", type=_positive, default=30.0, metavar="HZ", help="brain frequency")
    parser.add_argument("--gui-fps", type=_positive, default=30.0, metavar="FPS", help="camera view rate")
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="where the code is autosaved (default ~/.local/share/...)",
    )
    parser.add_argument("--token", help="access token to require (default: generated when not on loopback)")
    parser.add_argument("--autostart", action="store_true", help="press Play on the saved code at start")
    parser.set_defaults(func=run, command="serve")


def run(args: argparse.Namespace) -> int:
    from exercise.server.app import serve

    config = ServerConfig(
        camera=args.camera,
        model=args.model,
        host=args.host,
        port=args.port,
        token=args.token,
        frequency_hz=min(args.frequency, 1000.0),
        gui_fps=min(args.gui_fps, 60.0),
        autostart=args.autostart,
        state_dir=args.state_dir,
    )
    try:
        serve(config)
    except KeyboardInterrupt:  # Ctrl-C before the server was up; once up, serve returns
        pass
    except OSError as exc:
        print(
            f"digit-classifier serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    return 0
