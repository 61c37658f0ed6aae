"""Speech checks that hold on any CPU: Whisper's words change with the instruction set CTranslate2's int8
kernels use (AVX2, AVX-512, AMX: 广州 may come out 国中 on one and right on the next), so speech tests bound
the character error rate against the reference instead of asserting exact words."""

from __future__ import annotations

import csv
from pathlib import Path

from callintel.evaluation.asr import edit_distance
from callintel.speech.normalize import strip_for_scoring


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate, punctuation and spaces aside (as `callintel eval asr` scores)."""
    ref, hyp = strip_for_scoring(reference), strip_for_scoring(hypothesis)
    return edit_distance(ref, hyp) / max(1, len(ref))


def references(audio: Path) -> dict[str, str]:
    """The shared clips' reference texts (audio/references.tsv), by path under audio/."""
    with (audio / "references.tsv").open(encoding="utf-8") as fh:
        return {r["path"]: r["reference"] for r in csv.DictReader(fh, delimiter="\t")}


def segments(folder: Path) -> list[dict[str, str]]:
    """The two-party call's turns (derived_two_party_8k/segments.tsv): start_s, end_s, speaker, text."""
    with (folder / "segments.tsv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))
