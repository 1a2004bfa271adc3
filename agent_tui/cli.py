"""The `agent-tui` command: one subcommand per mode, each imported only when it runs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path


def _host_port(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host, int(port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="agent-tui", description=__doc__)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--config", type=Path, default=None,
            help="config file (default: $AGENT_TUI_CONFIG, else the user config dir)",
        )
        return p

    desk = with_config(sub.add_parser("desk", help="the agent desk"))
    desk.add_argument("--user", help="backend user name (default: from config)")
    desk.add_argument("--listen", type=_host_port, metavar="HOST:PORT",
                      help="take calls on this address without a registrar")

    monitor = with_config(sub.add_parser("monitor", help="the supervisor's wallboard"))
    monitor.add_argument("--user", help="backend user name (default: from config)")

    train = with_config(sub.add_parser("train", help="the trainer's console"))
    train.add_argument("--user", help="backend user name (default: from config)")

    demo = sub.add_parser("demo", help="run the product on its built-in defaults, with demo data")
    demo.add_argument("mode", nargs="?", choices=["desk", "monitor", "train"], default="desk")

    server = sub.add_parser("server", help="the reference backend")
    server.add_argument("--config", type=Path, default=None, metavar="FILE",
                        help="server config file (default: $AGENT_TUI_SERVER_CONFIG)")
    server.add_argument("--db", help="database URL (default: SQLite in the state dir)")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8080)
    server.add_argument("--seed", choices=["demo"], help="load a data set on first start")
    server.add_argument("--workers", type=int, default=1)
    server.add_argument("--screens", type=Path, default=None, help="folder of screen files to load")
    server.add_argument("--scenarios", type=Path, default=None,
                        help="folder of training scenarios to serve (default: the shipped ones)")

    bot = with_config(sub.add_parser("bot", help="the softphone with no UI, one JSON event per line"))
    bot.add_argument("--listen", type=_host_port, metavar="HOST:PORT",
                     help="take calls on this address without a registrar")
    bot.add_argument("--answer-after", type=float, default=None, metavar="S")
    bot.add_argument("--hangup-after", type=float, default=None, metavar="S")
    bot.add_argument("--ring-timeout", type=float, default=None, metavar="S",
                     help="refuse calls still ringing after S seconds with 480 "
                          "(default: desk.ring_timeout_s, 30; 0: never)")
    bot.add_argument("--dtmf", default=None, metavar="DIGITS")
    bot.add_argument("--calls", type=int, default=None, metavar="N")
    bot.add_argument("--dial", default=None, metavar="URI", help="place the calls (one after another)")
    bot.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                     help="extra SIP header on dialled calls (repeatable)")
    bot.add_argument("--tone", type=float, default=None, metavar="HZ", help="send a sine tone")
    bot.add_argument("--record", type=Path, default=None, metavar="DIR", help="record calls to WAV in DIR")
    bot.add_argument("--earpiece", type=Path, default=None, metavar="FILE", help="record what we hear (WAV)")
    bot.add_argument("--dtmf-method", choices=["rfc2833", "info"], default="rfc2833")
    bot.add_argument("--reject", type=int, default=None, metavar="CODE", help="refuse calls with CODE")
    bot.add_argument("--hold-after", type=float, default=None, metavar="S",
                     help="hold S seconds after answer, resume S seconds later")
    bot.add_argument("--account", default=None, metavar="USER@DOMAIN",
                     help="register this account (password: $AGENT_TUI_SIP_PASSWORD)")
    bot.add_argument("--registrar", action="append", default=[], metavar="URI")
    bot.add_argument("--transport", choices=["udp", "tcp", "tls"], default="udp")
    bot.add_argument("--stats-interval", type=float, default=None, metavar="S")
    bot.add_argument("--log", type=Path, default=None, metavar="FILE", help="pjsip log file")
    bot.add_argument("--backend", default=None, metavar="URL",
                     help="be a ghost agent of this backend (password: $AGENT_TUI_PASSWORD)")
    bot.add_argument("--user", default=None, metavar="NAME", help="the ghost agent's backend user")

    from agent_tui.phone.survey_cli import add_arguments as survey_arguments

    survey_arguments(sub.add_parser("survey", help="the keypad satisfaction survey or voicemail service"))
    config = sub.add_parser("config", help="work with config files")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    check = config_sub.add_parser("check", help="validate a config file")
    check.add_argument("file", type=Path)
    config_sub.add_parser("path", help="print where the config file is looked for")

    credentials = sub.add_parser("credentials", help="the encrypted credential file")
    credentials_sub = credentials.add_subparsers(dest="credentials_command", required=True, metavar="ACTION")
    reset = credentials_sub.add_parser(
        "reset", help="delete the encrypted credential file (a lost passphrase): the next login starts over")
    reset.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    audio = with_config(sub.add_parser("audio", help="audio devices"))
    audio_sub = audio.add_subparsers(dest="audio_command", required=True, metavar="ACTION")
    audio_sub.add_parser("list", help="list audio devices")
    audio_sub.add_parser("test", help="loopback level test of the configured devices")
    return parser


def _version() -> str:
    from agent_tui import __version__

    return f"agent-tui {__version__}"


DESK_MAX_FPS = 240
"""The desk's frame-rate ceiling (`TEXTUAL_FPS`, unless the environment sets it)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    command: str = args.command
    if command == "config":
        from agent_tui.config_cli import run as run_config

        return run_config(args)
    if command == "credentials":
        from agent_tui.credentials_cli import run as run_credentials

        return run_credentials(args)
    if command == "server":
        from agent_tui.server.cli import run as run_server

        return run_server(args)
    if command == "bot" and args.backend:
        from agent_tui.ghost.run import run as run_ghost

        return run_ghost(args)
    if command == "bot":
        from agent_tui.phone.bot import run as run_bot

        return run_bot(args)
    if command == "survey":
        from agent_tui.phone.survey import run as run_survey

        return run_survey(args)
    if command == "audio":
        from agent_tui.phone.audio_cli import run as run_audio

        return run_audio(args)
    if command == "demo":
        from agent_tui.demo import run as run_demo

        return run_demo(args)
    # The UIs never run httpx's own command-line client, whose import pulls click and pygments (~0.1 s).
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    if command == "desk":
        # The desk's modules (~0.4 s of imports) make objects by the hundred thousand: collected less
        # often while they load (launch's pause_gc restores the thresholds, then pauses the collector
        # until login). See agent_tui.startup_gc.
        from agent_tui.startup_gc import loosen_for_imports

        loosen_for_imports()
        # A screen pop waits for the screen's next frame: at Textual's default of 60 a second that was
        # half of the pop (docs/performance.md). Frames are drawn only when something changed, so a
        # higher ceiling costs nothing while idle. Read by Textual at import: set before it loads.
        os.environ.setdefault("TEXTUAL_FPS", str(DESK_MAX_FPS))
    from agent_tui.ui.desk.launch import run as run_ui

    return run_ui(args)


if __name__ == "__main__":
    sys.exit(main())
