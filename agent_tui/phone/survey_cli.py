"""The options of `agent-tui survey` (kept apart from the service, so building the parser imports no
phone engine)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `agent-tui survey`."""
    parser.add_argument("--mode", choices=["survey", "voicemail"], default="survey")
    parser.add_argument("--listen", default="127.0.0.1:0", metavar="HOST:PORT")
    parser.add_argument("--account", default=None, metavar="USER@DOMAIN",
                        help="register at a registrar (else answer calls sent to --listen)")
    parser.add_argument("--registrar", action="append", default=[], metavar="URI")
    parser.add_argument("--transport", choices=["udp", "tcp", "tls"], default="udp")
    parser.add_argument("--backend", default=None, metavar="URL", help="where scores and voicemails go")
    parser.add_argument("--user", default="voice01", metavar="NAME", help="the backend user (voice role)")
    parser.add_argument("--language", default="zh", help="prompts' language when the call names none")
    parser.add_argument("--answer-timeout", type=float, default=8.0, metavar="S",
                        help="silence after the question before it is asked again")
    parser.add_argument("--retries", type=int, default=2, metavar="N", help="questions asked again")
    parser.add_argument("--max-message", type=float, default=120.0, metavar="S",
                        help="voicemail: longest message")
    parser.add_argument("--folder", type=Path, default=None, metavar="DIR",
                        help="voicemail WAVs and unsent writes (default: the state dir)")
    parser.add_argument("--prompts", type=Path, default=None, metavar="DIR",
                        help="prompt cache (default: the cache dir)")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE", help="pjsip log file")
