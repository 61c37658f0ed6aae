"""The insurance vocabulary offered to Whisper, from a plain word list in configs/.

Whisper base mishears domain words on telephone audio (保单 -> 宝袋, 理赔 -> 李培;
../shared/MODELS.md). faster-whisper can take such words as an `initial_prompt` (previous
text the decoder conditions on) or as `hotwords` (the same mechanism, with a marker). Both
have failure modes (loops, prompt text leaking into silent windows), so the mode is a setting,
`off` unless measured to help. Measured with bench/bench_speech_samples.py: CER on the sample calls
14.8% off, 54.4% with either mode (with the list as context Whisper stopped splitting a window into
turns, so stereo turns merged and the dialogue order broke); on eval asr clean/telephone 3.1/6.2%
off, 8.5/10.0% prompt, 7.7/8.5% hotwords. Measured again 2026-12-03 on voiced development calls
(docs/evaluation-e2e.md, first 3 calls of each set): hotwords raised domain-term recall (0.81 -> 0.87, 0.72 ->
0.80) and lowered CER (20.2 -> 18.6%, 21.7 -> 20.1%) without leaking the list, but eval asr went 3.85 -> 12.3%
(telephone 3.08 -> 13.1%), so the default stays off.
"""

from __future__ import annotations

from dataclasses import dataclass

from callintel.files import read_lines
from callintel.settings import Settings

MODES = ("off", "prompt", "hotwords")


@dataclass(frozen=True)
class Vocabulary:
    terms: tuple[str, ...]
    mode: str = "off"
    max_terms: int = 40

    @classmethod
    def from_settings(cls, speech: dict, settings: Settings) -> Vocabulary:
        mode = speech["vocabulary_mode"]
        if mode not in MODES:
            raise ValueError(f"[speech] vocabulary_mode = '{mode}' is not one of {', '.join(MODES)}")
        name = speech["vocabulary"]
        terms: tuple[str, ...] = ()
        if name:
            path = settings.config_file(name)
            terms = tuple(read_lines(path))
        return cls(terms, mode, int(speech["vocabulary_max_terms"]))

    def text(self) -> str:
        """The terms as one Chinese list (顿号-separated), as they would appear in a transcript."""
        return "、".join(self.terms[: self.max_terms]) + "。" if self.terms else ""

    def prompt(self) -> str:
        return self.text() if self.mode == "prompt" else ""

    def hotwords(self) -> str:
        return self.text() if self.mode == "hotwords" else ""
