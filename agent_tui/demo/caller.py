"""The demo caller: a second SIP UA on loopback that rings the desk as random seeded customers.

Run by `agent-tui demo` as `python -m agent_tui.demo.caller --backend URL --target SIP-URI`. Each call
comes from a demo customer's phone number with the IVR headers a real IVR would set (X-Customer-Id,
X-Account, X-Queue), and once answered says why it calls in a voice made with espeak-ng (Mandarin for a
Chinese name, English otherwise; cached like the trainer's caller lines); without espeak-ng (or with
`--no-voice`) it plays a tone instead, so the agent still hears the line is live. The next call follows a
few seconds after the last one ended. It stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import os
import queue
import random
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from agent_tui.domain.training import Mood
from agent_tui.phone.engine import PhoneEngine
from agent_tui.phone.events import CallEnded, CallState
from agent_tui.phone.options import EngineOptions
from agent_tui.training.speech import SpeechCache, SpeechError, SpeechUnavailable

log = logging.getLogger("agent_tui.demo.caller")
QUEUES = ("power-repair", "billing", "general")
RING_LIMIT_S = 45.0
TALK_LIMIT_S = 180.0
OPENING_LINES: dict[str, dict[str, str]] = {
    "power-repair": {
        "zh": "您好，我是{name}，我家停电了，户号是{account}，什么时候能来电？",
        "en": "Hello, this is {name}. The power is out at my house. My account is {account}.",
    },
    "billing": {
        "zh": "您好，我是{name}，我想问一下这个月的电费，户号是{account}。",
        "en": "Hello, this is {name}. I have a question about this month's bill, account {account}.",
    },
    "general": {
        "zh": "您好，我是{name}，我想咨询一下办理业务的事情。",
        "en": "Hello, this is {name}. I would like to ask about an application.",
    },
}
"""What the caller says first, by queue and language."""


@dataclass(frozen=True)
class DemoCustomer:
    """What the caller needs of a seeded customer."""

    id: int
    account: str
    name: str
    phone: str


def fetch_customers(backend: str, username: str, password: str) -> list[DemoCustomer]:
    """Customers with a phone number, read from the demo backend."""
    with httpx.Client(base_url=backend, timeout=10.0) as client:
        login = client.post("/v1/sessions", json={"username": username, "password": password})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        found: list[DemoCustomer] = []
        offset = 0
        while True:
            page = client.get("/v1/customers", params={"limit": 100, "offset": offset}).json()
            for item in page["items"]:
                if item["phones"]:
                    found.append(DemoCustomer(item["id"], item["account"], item["name"], item["phones"][0]))
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return found


def headers_for(customer: DemoCustomer, rng: random.Random) -> dict[str, str]:
    """The headers an IVR would put on the INVITE for this caller."""
    return {
        "P-Asserted-Identity": f"<sip:{customer.phone}@127.0.0.1>",
        "X-Customer-Id": str(customer.id),
        "X-Account": customer.account,
        "X-Queue": rng.choice(QUEUES),
    }


def speaks_chinese(name: str) -> bool:
    """A name written in CJK characters gets the Mandarin voice."""
    return any("\u4e00" <= char <= "\u9fff" for char in name)


def opening_line(customer: DemoCustomer, queue_name: str) -> tuple[str, str]:
    """(language, text) of what this caller says first on `queue_name`."""
    language = "zh" if speaks_chinese(customer.name) else "en"
    lines = OPENING_LINES.get(queue_name, OPENING_LINES["general"])
    return language, lines[language].format(name=customer.name, account=customer.account)


def opening_wav(speech: SpeechCache | None, customer: DemoCustomer, queue_name: str) -> Path | None:
    """The caller's first words as a WAV, or None when espeak-ng is missing or fails (the tone stays)."""
    if speech is None:
        return None
    language, text = opening_line(customer, queue_name)
    try:
        return speech.line_wav(text, language, Mood.CALM)
    except (SpeechUnavailable, SpeechError) as error:
        log.warning("no voice for the demo caller: %s", error)
        return None


def call_once(engine: PhoneEngine, events: queue.Queue[object], target: str, headers: dict[str, str],
              stop: threading.Event, words: Path | None = None) -> None:
    """Place one call, say `words` once answered, and wait until it ends (hanging up after the ring or
    talk limit)."""
    call_id = engine.make_call(target, headers)
    answered_at: float | None = None
    started = time.monotonic()
    while not stop.is_set():
        limit = RING_LIMIT_S if answered_at is None else TALK_LIMIT_S
        since = started if answered_at is None else answered_at
        if time.monotonic() - since > limit:
            engine.hangup(call_id)
        try:
            event = events.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(event, CallState) and event.call_id == call_id and event.state == "confirmed":
            answered_at = time.monotonic()
            if words is not None:
                engine.play_file(call_id, words)
        if isinstance(event, CallEnded) and event.call_id == call_id:
            if event.reason == "transferred":
                rate_the_call(engine, events, stop)
            return
    engine.hangup(call_id)


def rate_the_call(engine: PhoneEngine, events: queue.Queue[object], stop: threading.Event) -> None:
    """Sent to the satisfaction survey (the desk's ctrl+x): press 3, 4 or 5 once it answers, and stay
    until it hangs up (or the talk limit)."""
    started = time.monotonic()
    survey_call: str | None = None
    while not stop.is_set() and time.monotonic() - started < TALK_LIMIT_S:
        try:
            event = events.get(timeout=0.5)
        except queue.Empty:
            continue
        if isinstance(event, CallState) and event.state == "confirmed" and survey_call is None:
            survey_call = event.call_id
            engine.send_dtmf(survey_call, random.choice("345"))  # noqa: S311 - a demo caller's mood
        if isinstance(event, CallEnded) and event.call_id == survey_call:
            return
    if survey_call is not None:
        engine.hangup(survey_call)


def main(argv: list[str] | None = None) -> int:
    """Ring the target until stopped."""
    parser = argparse.ArgumentParser(prog="agent_tui.demo.caller", description=__doc__)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--target", required=True, help="SIP URI of the desk")
    parser.add_argument("--interval", type=float, default=6.0, help="seconds between calls")
    parser.add_argument("--seed", type=int, default=95598)
    parser.add_argument("--user", default="agent20", help="demo user that reads the customers")
    parser.add_argument("--tone", type=float, default=440.0, help="tone the caller plays, Hz")
    parser.add_argument("--no-voice", action="store_true", help="only the tone, no spoken words")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    customers = fetch_customers(args.backend, args.user, os.environ.get("AGENT_TUI_DEMO_PASSWORD", "demo"))
    if not customers:
        log.error("the backend has no customers with phone numbers")
        return 1
    rng = random.Random(args.seed)  # noqa: S311 - a repeatable demo, not security
    events: queue.Queue[object] = queue.Queue()
    speech = None if args.no_voice else SpeechCache()
    engine = PhoneEngine(EngineOptions(listen=("127.0.0.1", 0)))
    engine.set_listener(events.put)
    engine.start()
    try:
        while not stop.is_set():
            customer = rng.choice(customers)
            headers = headers_for(customer, rng)
            words = opening_wav(speech, customer, headers["X-Queue"])
            engine.play_tone(args.tone if words is None else None)
            log.info("calling %s as %s (%s)", args.target, customer.name, customer.phone)
            call_once(engine, events, args.target, headers, stop, words)
            stop.wait(args.interval)
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
