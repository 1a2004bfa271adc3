"""What the call strip says about a bad line (nothing about a good one)."""

from __future__ import annotations

from agent_tui.i18n import Translator
from agent_tui.phone.quality_watch import LineQuality


def quality_note(t: Translator, quality: LineQuality | None) -> str | None:
    """E.g. "Poor line: loss 5.2%, MOS 3.1"; None for a good line or none measured yet."""
    if quality is None or not quality.bad:
        return None
    parts = []
    if "loss" in quality.problems:
        parts.append(t.t("loss {pct}%", pct=f"{quality.loss_pct:.1f}"))
    if "jitter" in quality.problems:
        parts.append(t.t("jitter {ms} ms", ms=f"{quality.jitter_ms:.0f}"))
    if "mos" in quality.problems:
        parts.append(t.t("MOS {mos}", mos=f"{quality.mos:.1f}"))
    return t.t("Poor line: {what}", what=", ".join(parts))
