"""Call quality: a MOS estimate from a simplified E-model (ITU-T G.107).

R = 93.2 - Id - Ie_eff, with the delay impairment Id from the one-way delay (half the RTT, plus the
jitter buffer and codec delay) and the equipment impairment Ie_eff from the codec and packet loss.
Good enough to rank calls and raise a flag; not a substitute for a listening test.
"""

from __future__ import annotations

_CODEC_IMPAIRMENT: dict[str, tuple[float, float]] = {
    # codec name (lower case) -> (Ie, Bpl) from ITU-T G.113 Appendix I, with packet-loss concealment
    "pcma": (0.0, 25.1),
    "pcmu": (0.0, 25.1),
    "g722": (0.0, 20.0),
    "g729": (11.0, 19.0),
    "gsm": (20.0, 10.0),
    "speex": (11.0, 19.0),
    "ilbc": (11.0, 32.0),
    "opus": (0.0, 30.0),
}
_CODEC_DELAY_MS = 25.0
"""Packetization plus look-ahead of a 20 ms frame codec."""


def r_factor(codec: str, rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """The E-model's transmission rating R (0..93.2) for these conditions."""
    ie, bpl = _CODEC_IMPAIRMENT.get(codec.lower().split("/")[0], (11.0, 19.0))
    delay = max(rtt_ms, 0.0) / 2 + 2 * max(jitter_ms, 0.0) + _CODEC_DELAY_MS
    idd = 0.024 * delay + (0.11 * (delay - 177.3) if delay > 177.3 else 0.0)
    loss = min(max(loss_pct, 0.0), 100.0)
    ie_eff = ie + (95.0 - ie) * loss / (loss + bpl)
    return max(0.0, min(93.2, 93.2 - idd - ie_eff))


def mos_from_r(r: float) -> float:
    """Mean opinion score (1.0..4.5) for a rating R (G.107 Annex B)."""
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return round(1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r), 2)


def mos_estimate(codec: str, rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """MOS estimate for a call with this codec, round trip, jitter and loss percentage."""
    return mos_from_r(r_factor(codec, rtt_ms, jitter_ms, loss_pct))
