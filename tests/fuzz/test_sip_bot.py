"""1,000 hostile INVITEs from one SIPp run against `agent-tui bot`: no crash, no hang, clean events.

Every `incoming` event the bot prints must be free of control and format characters and bounded in
length, whatever the display name, user part, headers or SDP held. Calls are answered or refused with
a 4xx/6xx; each answered call ends. The bot must still take a plain call afterwards and exit 0.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.sip_variants import Variant, base_fields, variants, write_injection
from tests.support.peers import require_binary
from tests.support.sip_peers import AgentBot, Sipp, SippResult, group_members
from tests.support.waiting import wait_for

pytestmark = pytest.mark.peers

VARIANTS = 1000
SCENARIO = Path(__file__).with_name("uac_fuzz.xml")
MAX_TEXT = 512
"""Longest string an event may carry (the engine clips display names to 128, header values shorter)."""
MAX_HEADERS = 32


def bad_characters(text: str) -> list[str]:
    """Control (C0, DEL, C1), format (bidi overrides, BOM) and lone surrogate characters in `text`."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs")]


def strings_of(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def check_incoming(event: dict[str, Any]) -> None:
    headers = event.get("headers") or {}
    assert len(headers) <= MAX_HEADERS, event
    for text in strings_of(event):
        assert len(text) <= MAX_TEXT, (len(text), event)
        assert not bad_characters(text), (bad_characters(text), event)


@dataclass
class FuzzRun:
    """One bot, one SIPp run of every variant, and what came out of both."""

    bot: AgentBot
    variants: list[Variant]
    result: SippResult
    incoming: list[dict[str, Any]]


@pytest.fixture(scope="module")
def fuzz_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzRun]:
    workdir = tmp_path_factory.mktemp("sip-fuzz")
    (workdir / "bot").mkdir()
    # --hangup-after: a call the fuzz leaves up (its BYE lost) still ends, so every incoming call ends.
    bot = AgentBot(workdir / "bot", "--hangup-after", "3")
    bot.start()
    items = list(variants(VARIANTS, seed=7))
    injection = write_injection(workdir / "variants.csv", items)
    sipp = Sipp(require_binary("sipp", "sip-tester"), workdir / "sipp")
    sipp.workdir.mkdir()
    try:
        # Four calls at once (the engine's cap); 40 set-ups/s stays below its limit of ~30 per 0.5 s.
        result = sipp.run(str(SCENARIO), bot.address, calls=len(items), rate=40, limit=4,
                          recv_timeout_ms=500, timeout=170, extra=["-inf", str(injection)])
        run = FuzzRun(bot, items, result, bot.events("incoming"))
        yield run
    finally:
        sipp.stop_all()
        try:
            code = bot.stop()
            assert code == 0, f"the bot exited with {code}: {bot.stderr_text()[-3000:]}"
        finally:
            assert not group_members(bot.pgid or -1)
            assert not sipp.leftover_pids()


def test_bot_survives_and_answers_or_refuses(fuzz_run: FuzzRun) -> None:
    result, bot = fuzz_run.result, fuzz_run.bot
    assert bot.alive, f"the bot died: {bot.stderr_text()[-3000:]}"
    successful = int(result.stats.get("SuccessfulCall(C)", "0"))
    failed = int(result.stats.get("FailedCall(C)", "0"))
    assert successful + failed == len(fuzz_run.variants), result.explain()
    print(f"\nSIP fuzz: {len(fuzz_run.variants)} variants sent; {successful} answered or refused with a "
          f"4xx/6xx; {failed} unanswered; {len(fuzz_run.incoming)} incoming events")
    # Only INVITEs pjsip's parser drops (it logs 'Dropping') may go unanswered: never a 5xx or silence.
    dropped = bot.log_path.read_text(errors="replace").count("Dropping")
    assert failed <= dropped, f"{failed} calls failed but pjsip dropped only {dropped}\n{result.explain()}"
    assert successful >= 0.75 * len(fuzz_run.variants), result.explain()
    assert len(fuzz_run.incoming) >= 0.5 * len(fuzz_run.variants)
    assert "Traceback" not in bot.stderr_text()


def test_incoming_events_are_clean_and_bounded(fuzz_run: FuzzRun) -> None:
    assert fuzz_run.incoming
    for event in fuzz_run.incoming:
        check_incoming(event)
    # The hostile bytes did reach the engine: some events carry the sanitized remains of markup.
    assert any("[" in event["display"] for event in fuzz_run.incoming)


def test_the_bot_takes_a_plain_call_afterwards(fuzz_run: FuzzRun, tmp_path: Path) -> None:
    sipp = Sipp(require_binary("sipp", "sip-tester"), tmp_path / "sipp")
    sipp.workdir.mkdir()
    plain = Variant(9999, "plain", base_fields(9999))
    try:
        result = sipp.run(str(SCENARIO), fuzz_run.bot.address, calls=1, recv_timeout_ms=5000, timeout=20,
                          extra=["-inf", str(write_injection(tmp_path / "plain.csv", [plain]))])
    finally:
        sipp.stop_all()
    assert result.ok, result.explain()
    fuzz_run.bot.next_event("incoming", 5, where=lambda e: e["display"] == "FZ9999 Caller")


def test_every_call_ends(fuzz_run: FuzzRun) -> None:
    # No hang: every call the bot saw ends (the caller's BYE, or the bot's own hang-up timer).
    wait_for(lambda: len(fuzz_run.bot.events("ended")) >= len(fuzz_run.incoming), 10,
             message="every incoming call ended")
