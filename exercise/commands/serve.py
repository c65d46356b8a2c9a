"""``digit-classifier serve``: the web exercise on one port (page, REST API, websocket)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable

from exercise.limits import MAX_GUI_FPS, MAX_HZ, MIN_GUI_FPS, MIN_HZ, check_frequency, check_gui_rate
from exercise.server.config import DEFAULT_PORT, ServerConfig


def _checked(check: Callable[[float], float]) -> Callable[[str], float]:
    """An argparse type that refuses what ``check`` refuses, with its sentence."""

    def parse(text: str) -> float:
        try:
            return check(float(text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse


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
    parser.add_argument(
        "--frequency",
        type=_checked(check_frequency),
        default=30.0,
        metavar="HZ",
        help=f"brain frequency, {MIN_HZ:g} to {MAX_HZ:g} (default: %(default)g)",
    )
    parser.add_argument(
        "--gui-fps",
        type=_checked(check_gui_rate),
        default=30.0,
        metavar="FPS",
        help=f"camera view rate, {MIN_GUI_FPS:g} to {MAX_GUI_FPS:g} (default: %(default)g)",
    )
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
    from exercise.server.serving import serve

    config = ServerConfig(
        camera=args.camera,
        model=args.model,
        host=args.host,
        port=args.port,
        token=args.token,
        frequency_hz=args.frequency,
        gui_fps=args.gui_fps,
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
