"""The voice service's prompts as WAV files: spoken by espeak-ng in the caller's language (zh, en) and
cached under `cache_dir()/voice` (the training caller's `SpeechCache`: 16 kHz mono 16-bit, made once).

The words go through the translator like any user-visible text, so the Chinese prompts live in the
catalogs (agent_tui/locales/zh/voice.json). The beep is made here, not spoken.
"""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path

from agent_tui.i18n import Translator, normalize_language
from agent_tui.paths import cache_dir
from agent_tui.phone.survey_model import Prompt
from agent_tui.training.speech import ESPEAK_VOICES, TARGET_RATE, SpeechCache, Voice

PROMPT_TEXT: dict[Prompt, str] = {
    Prompt.ASK: ("Please rate the service you just received. Press 5 for very satisfied, 4 for satisfied, "
                 "3 for neutral, 2 for dissatisfied, or 1 for very dissatisfied."),
    Prompt.INVALID: "Sorry, that is not a choice. Please press a key from 1 to 5.",
    Prompt.THANKS: "Thank you for your rating. Goodbye.",
    Prompt.GOODBYE: "Thank you for calling. Goodbye.",
    Prompt.LEAVE_MESSAGE: ("Sorry, all our agents are busy. Please leave your message after the tone, "
                           "then hang up. We will call you back."),
}
"""What each spoken prompt says, in English (the source text of the translation)."""

BEEP_HZ = 1000.0
BEEP_S = 0.4


def prompt_text(prompt: Prompt, language: str) -> str:
    """The words of a spoken prompt in `language`."""
    return Translator(language).t(PROMPT_TEXT[prompt])


def write_beep(path: Path, rate: int = TARGET_RATE) -> Path:
    """A short sine tone (16-bit mono) that tells the caller the recording starts."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    count = int(rate * BEEP_S)
    samples = array("h", (round(12000 * math.sin(2 * math.pi * BEEP_HZ * i / rate)) for i in range(count)))
    temp = path.with_suffix(".part")
    with wave.open(str(temp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    temp.replace(path)
    return path


class PromptFiles:
    """Every prompt of one language as a WAV path, made (or found in the cache) up front."""

    def __init__(self, language: str, folder: Path | None = None, *, espeak: str | None = None) -> None:
        self.language = normalize_language(language)
        self.folder = folder if folder is not None else cache_dir() / "voice"
        self.cache = SpeechCache(self.folder, espeak=espeak)
        self.voice = Voice(ESPEAK_VOICES.get(self.language, "en"), speed=150)
        self._paths: dict[Prompt, Path] = {}

    def prepare(self, prompts: tuple[Prompt, ...] = tuple(Prompt)) -> dict[Prompt, Path]:
        """Make the WAVs of `prompts` now (espeak-ng takes ~0.1 s a line), so calls never wait."""
        for prompt in prompts:
            self.path(prompt)
        return dict(self._paths)

    def path(self, prompt: Prompt) -> Path:
        """The WAV of one prompt."""
        if prompt not in self._paths:
            if prompt == Prompt.BEEP:
                self._paths[prompt] = write_beep(self.folder / f"beep-{int(BEEP_HZ)}.wav")
            else:
                self._paths[prompt] = self.cache.wav(prompt_text(prompt, self.language), self.voice)
        return self._paths[prompt]
