"""How a night's warehouse rows compare with the scripted truth of the project's sample calls.

`samples/truth.json` holds, per call, the text, speaker, channel and time of every turn, plus
what the analytics should find (topic, resolved, repeat_of). Both sides are normalised the
same way (Simplified, numbers, PII masks, no punctuation) so CER counts recognition errors only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from callintel.evaluation.asr import edit_distance
from callintel.speech.normalize import NormalizeSettings, normalize_text, strip_for_scoring
from callintel.speech.redact import mask_pii

_NORM = NormalizeSettings(numbers=True, end_punctuation=False)


def scoring_text(text: str) -> str:
    return strip_for_scoring(mask_pii(normalize_text(text, _NORM)))


def load_truth(path: Path) -> dict[str, dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {c["call_id"]: c for c in data["calls"]}


def speech_scores(con: duckdb.DuckDBPyConnection, truth: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """CER per speaker and overall, over the calls present in both; mono calls count in `overall` only."""
    errors = {"agent": 0, "customer": 0, "overall": 0}
    chars = {"agent": 0, "customer": 0, "overall": 0}
    per_call = {}
    for call_id, call in truth.items():
        rows = con.execute("SELECT speaker, text FROM utterances WHERE call_id = ? ORDER BY seq", [call_id]).fetchall()
        if not rows and not con.execute("SELECT 1 FROM calls WHERE call_id = ?", [call_id]).fetchone():
            continue
        ref_all = scoring_text("".join(t["text"] for t in call["turns"]))
        hyp_all = scoring_text("".join(text for _, text in rows))
        e = edit_distance(ref_all, hyp_all)
        errors["overall"] += e
        chars["overall"] += len(ref_all)
        per_call[call_id] = round(e / max(1, len(ref_all)), 4)
        if call["channel_layout"] == "mono":
            continue
        for speaker in ("agent", "customer"):
            ref = scoring_text("".join(t["text"] for t in call["turns"] if t["speaker"] == speaker))
            hyp = scoring_text("".join(text for s, text in rows if s == speaker))
            errors[speaker] += edit_distance(ref, hyp)
            chars[speaker] += len(ref)
    return {"calls": len(per_call),
            "cer": round(errors["overall"] / max(1, chars["overall"]), 4),
            "cer_agent": round(errors["agent"] / max(1, chars["agent"]), 4),
            "cer_customer": round(errors["customer"] / max(1, chars["customer"]), 4),
            "reference_chars": chars["overall"], "per_call": per_call}
