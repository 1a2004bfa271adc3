"""Conference-bridge wiring of calls: sources, playback, recorders, conferences, monitoring.

A call's conference port changes on every re-INVITE (hold, resume, codec change), and its old
connections vanish with it, so the engine calls `wire` from every `onCallMediaState`.
Runs on the engine thread only.
"""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pjsua2 as pj

from agent_tui.phone.call import EngineCall
from agent_tui.phone.earpiece import Earpiece
from agent_tui.phone.events import CallStats
from agent_tui.phone.file_player import FilePlayer
from agent_tui.phone.quality import mos_estimate


def audio_of(call: EngineCall, info: Any = None) -> Any | None:
    """The call's active audio media on the bridge, or None (no media yet, on hold, gone).

    `info` is the call's fresh `CallInfo` when the caller has one (saves a copy of it).
    """
    if info is None:
        try:
            info = call.getInfo()
        except pj.Error:
            return None
    for media in info.media:
        if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in (
            pj.PJSUA_CALL_MEDIA_ACTIVE,
            pj.PJSUA_CALL_MEDIA_REMOTE_HOLD,
        ):
            try:
                audio = call.getAudioMedia(media.index)
            except pj.Error:
                return None
            call.media_index = media.index
            return audio
    return None


def check_wav(path: Path) -> None:
    """Raise ValueError unless `path` is a mono 16-bit PCM WAV (what the conference bridge plays)."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, frames = wav.getsampwidth(), wav.getnchannels(), wav.getnframes()
    except (OSError, EOFError, wave.Error) as exc:
        raise ValueError(f"cannot play {path.name}: {exc}") from None
    if width != 2 or channels != 1:
        raise ValueError(f"cannot play {path.name}: need mono 16-bit PCM, got {channels} channel(s) "
                         f"of {width * 8}-bit")
    if frames == 0:
        raise ValueError(f"cannot play {path.name}: the file has no audio")


class MediaHub:
    """Owns the tone source, the ringback and the file players, and decides which port transmits to which.

    `sound_port` is the headset bridge's conference port (None: pjsua2's null device). `earpiece`
    is a WAV file that records what the agent hears (see `Earpiece`).
    """

    def __init__(self, endpoint: Any, recording_dir: Path | None, sound_port: Any = None,
                 earpiece: Path | None = None) -> None:
        self._ep = endpoint
        self._recording_dir = recording_dir
        self._sound_port = sound_port
        if earpiece is not None and sound_port is not None:
            raise ValueError("the earpiece recording needs the null audio device (headless)")
        self.earpiece = Earpiece(endpoint, earpiece) if earpiece is not None else None
        self._tone: Any = None
        self._ringback: Any = None
        self.ringing: set[str] = set()
        """Outgoing calls ringing without early media: the local ringback plays while it is not empty."""
        self.links: set[frozenset[str]] = set()
        self.players: dict[str | None, FilePlayer] = {}
        """WAV players by the call they play into (None: into every call)."""

    def start_player(self, call_id: str | None, path: Path, calls: dict[str, EngineCall]) -> FilePlayer:
        """Play a WAV once into a call (or every call); the caller stops any player already there."""
        check_wav(path)
        player = FilePlayer(call_id, path)
        player.createPlayer(str(path), pj.PJMEDIA_FILE_NO_LOOP)
        self.players[call_id] = player
        targets = [calls[call_id]] if call_id is not None else list(calls.values())
        for call in targets:
            self._wire_player(player, call)
        return player

    def stop_player(self, call_id: str | None) -> FilePlayer | None:
        """Take a player off the bridge (every port it transmits to); the caller retires it
        (see `PlayerRetirement`: never destroyed inside, or racing, its end-of-file callback)."""
        player = self.players.pop(call_id, None)
        if player is not None:
            player.take_off_bridge([self.playback()])
        return player

    def _wire_player(self, player: FilePlayer, call: EngineCall) -> None:
        if call.book.monitor is not None or call.book.ended:
            return
        audio = audio_of(call)
        if audio is None:
            return
        player.transmit_to(audio)
        if call.recorder is not None:
            player.transmit_to(call.recorder)

    def source(self) -> Any:
        """What we send into calls: the tone when one plays, else the capture device."""
        if self._tone is not None:
            return self._tone
        if self._sound_port is not None:
            return self._sound_port
        return self._ep.audDevManager().getCaptureDevMedia()

    def playback(self) -> Any:
        """Where we hear calls: the headset bridge, else the earpiece recorder when headless with one,
        else the playback device (the null device when headless)."""
        if self._sound_port is not None:
            return self._sound_port
        if self.earpiece is not None:
            return self.earpiece.port
        return self._ep.audDevManager().getPlaybackDevMedia()

    def ringback(self, call_id: str, on: bool, hz: float, on_ms: int, off_ms: int) -> None:
        """Mark an outgoing call as ringing (or not); the local ringback plays while any call rings."""
        if on and hz > 0:
            self.ringing.add(call_id)
        else:
            self.ringing.discard(call_id)
        if self.ringing and self._ringback is None:
            self._ringback = _tone_generator(hz, on_ms, off_ms)
            self._ringback.startTransmit(self.playback())
        elif not self.ringing and self._ringback is not None:
            with contextlib.suppress(pj.Error):
                self._ringback.stopTransmit(self.playback())
                self._ringback.stop()
            self._ringback = None

    @property
    def ringback_playing(self) -> bool:
        """True while the local ringback tone plays."""
        return self._ringback is not None

    def set_tone(self, hz: float | None, calls: Iterable[EngineCall]) -> None:
        """Send a steady sine tone of `hz` into every call instead of the microphone (None stops it)."""
        calls = list(calls)
        for call in calls:
            self.unwire_source(call)
        if self._tone is not None:
            self._tone.stop()
            self._tone = None
        if hz:
            self._tone = _tone_generator(hz, 1000, 0)
        for call in calls:
            self.wire(call, {})

    def unwire_source(self, call: EngineCall) -> None:
        """Stop sending our source into the call (mute)."""
        audio = audio_of(call)
        if audio is None:
            return
        try:
            self.source().stopTransmit(audio)
            if call.recorder is not None:
                self.source().stopTransmit(call.recorder)
        except pj.Error:
            pass

    def start_recorder(self, call: EngineCall) -> None:
        """Create the call's WAV recorder once (kept across media changes)."""
        if self._recording_dir is None or call.recorder is not None:
            return
        self._recording_dir.mkdir(parents=True, exist_ok=True)
        path = self._recording_dir / f"{call.book.public_id}.wav"
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(str(path))
        call.recorder = recorder
        call.book.recording = str(path)

    def wire(self, call: EngineCall, calls: dict[str, EngineCall], info: Any = None) -> None:
        """(Re)connect a call's audio after a media change: source, playback, recorder, partners."""
        audio = audio_of(call, info)
        if audio is None:
            return
        book = call.book
        if book.monitor is not None:
            self._wire_monitor(call, audio, calls)
            return
        source = self.source()
        self.start_recorder(call)
        if not book.muted:
            source.startTransmit(audio)
        audio.startTransmit(self.playback())
        if call.recorder is not None:
            audio.startTransmit(call.recorder)
            if not book.muted:
                source.startTransmit(call.recorder)
        for key in (book.public_id, None):
            player = self.players.get(key)
            if player is not None:
                self._wire_player(player, call)
        for link in self.links:
            if book.public_id in link:
                (other_id,) = link - {book.public_id}
                other = calls.get(other_id)
                other_audio = audio_of(other) if other is not None else None
                if other_audio is not None:
                    audio.startTransmit(other_audio)
                    other_audio.startTransmit(audio)
                    if other.recorder is not None:  # type: ignore[union-attr]
                        audio.startTransmit(other.recorder)  # type: ignore[union-attr]
                    if call.recorder is not None:
                        other_audio.startTransmit(call.recorder)
        for other in calls.values():
            if other.book.monitor is not None and other is not call:
                self.wire(other, calls)

    def unlink(self, a: EngineCall, b: EngineCall) -> None:
        """Stop mixing two calls together."""
        audio_a, audio_b = audio_of(a), audio_of(b)
        if audio_a is not None and audio_b is not None:
            for src, dst in ((audio_a, audio_b), (audio_b, audio_a)):
                with contextlib.suppress(pj.Error):
                    src.stopTransmit(dst)

    def _wire_monitor(self, call: EngineCall, sup: Any, calls: dict[str, EngineCall]) -> None:
        # listen: customer + agent -> supervisor; whisper: + supervisor -> agent;
        # barge: + supervisor -> customer. The supervisor's audio never reaches the recorder.
        mode = call.book.monitor
        source = self.source()
        targets = [
            other for other in calls.values()
            if other is not call and other.book.monitor is None and other.book.answered_at is not None
        ]
        for other in targets:
            customer = audio_of(other)
            if customer is None:
                continue
            customer.startTransmit(sup)
            if mode == "barge":
                sup.startTransmit(customer)
            else:
                with contextlib.suppress(pj.Error):
                    sup.stopTransmit(customer)
        source.startTransmit(sup)
        if mode in ("whisper", "barge"):
            sup.startTransmit(self.playback())
        else:
            with contextlib.suppress(pj.Error):
                sup.stopTransmit(self.playback())

    def close(self) -> None:
        """Drop the tone generators (engine thread, before libDestroy); the players were retired."""
        self.players.clear()
        self.ringing.clear()
        if self._ringback is not None:
            with contextlib.suppress(pj.Error):
                self._ringback.stop()
            self._ringback = None
        self._sound_port = None
        if self._tone is not None:
            with contextlib.suppress(pj.Error):
                self._tone.stop()
            self._tone = None
        if self.earpiece is not None:
            self.earpiece.close()
            self.earpiece = None


def _tone_generator(hz: float, on_ms: int, off_ms: int) -> Any:
    """A looping sine tone: `hz` for `on_ms`, then `off_ms` of silence (0: steady)."""
    tone = pj.ToneGenerator()
    tone.createToneGenerator()
    desc = pj.ToneDesc()
    desc.freq1 = int(hz)
    desc.freq2 = 0
    desc.on_msec = on_ms
    desc.off_msec = off_ms
    desc.volume = 0
    tones = pj.ToneDescVector()
    tones.append(desc)
    tone.play(tones, True)
    return tone


def read_stats(call: EngineCall, final: bool = False) -> CallStats | None:
    """The call's current media quality, or None when it has no stream."""
    index = call.media_index
    if index is None:
        return None
    try:
        stat = call.getStreamStat(index)
        info = call.getStreamInfo(index)
    except pj.Error:
        return None
    rx = stat.rtcp.rxStat
    tx = stat.rtcp.txStat
    jitter_ms = rx.jitterUsec.mean / 1000.0 if rx.jitterUsec.n else 0.0
    received = int(rx.pkt)
    lost = int(rx.loss)
    loss_pct = 100.0 * lost / (received + lost) if received + lost else 0.0
    rtt = stat.rtcp.rttUsec
    rtt_ms = rtt.mean / 1000.0 if rtt.n else 0.0
    codec = f"{info.codecName}/{info.codecClockRate}"
    return CallStats(
        call_id=call.book.public_id,
        codec=codec,
        jitter_ms=round(jitter_ms, 2),
        loss_pct=round(loss_pct, 2),
        rtt_ms=round(rtt_ms, 2),
        mos=mos_estimate(str(info.codecName), rtt_ms, jitter_ms, loss_pct),
        rx_packets=received,
        tx_packets=int(tx.pkt),
        final=final,
    )
