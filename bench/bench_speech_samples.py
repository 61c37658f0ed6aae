"""The speech stage on the project's voiced sample calls (samples/), scored against samples/truth.json.

    .venv/bin/python bench/bench_speech_samples.py                       # default settings
    .venv/bin/python bench/bench_speech_samples.py vocabulary_mode=prompt # [speech] overrides, key=value
    .venv/bin/python bench/bench_speech_samples.py windows.pad_s=0.3

Prints CER overall and per speaker (stereo calls), the real-time factor, and what came out for
every short turn (back-channels: 嗯, 好的, 好的，谢谢), so invented text on short regions shows.
Scoring is the same as tests/test_samples_e2e.py (callintel.evaluation.samples.scoring_text).
The last line of standard output is one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

from callintel.evaluation.asr import edit_distance
from callintel.evaluation.samples import load_truth, scoring_text
from callintel.records import CallRecord
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.stage import transcribe_call

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speech import overrides

SAMPLES = PROJECT_ROOT / "samples"
SHORT_TURN_S = 1.2


def main(args: list[str]) -> dict:
    settings = load_settings(overrides=overrides(args))
    truth = load_truth(SAMPLES / "truth.json")
    errors = {"agent": 0, "customer": 0, "overall": 0}
    chars = dict(errors)
    per_call, short_turns, audio_s, proc_s = {}, [], 0.0, 0.0
    for call_id, call in truth.items():
        now = datetime.now().astimezone()
        record = CallRecord(call_id, SAMPLES / call["audio_path"], None, None, now,  # type: ignore[arg-type]
                            call["channel_layout"], now.date(), 0)
        t0 = time.perf_counter()
        tr = transcribe_call(record, settings)
        proc_s += time.perf_counter() - t0
        audio_s += tr.duration_s
        ref = scoring_text("".join(t["text"] for t in call["turns"]))
        hyp = scoring_text("".join(u.text for u in tr.utterances))
        e = edit_distance(ref, hyp)
        errors["overall"] += e
        chars["overall"] += len(ref)
        per_call[call_id] = round(e / max(1, len(ref)), 4)
        if call["channel_layout"] != "mono":
            for who in ("agent", "customer"):
                r = scoring_text("".join(t["text"] for t in call["turns"] if t["speaker"] == who))
                h = scoring_text("".join(u.text for u in tr.utterances if u.speaker == who))
                errors[who] += edit_distance(r, h)
                chars[who] += len(r)
        for turn in call["turns"]:
            if turn["end"] - turn["start"] >= SHORT_TURN_S:
                continue
            got = [u.text for u in tr.utterances if u.speaker == turn["speaker"]
                   and min(u.end, turn["end"]) - max(u.start, turn["start"]) > 0]
            short_turns.append({"call": call_id, "at": turn["start"], "truth": turn["text"], "got": got})
    return {"settings": args, "calls": len(per_call), "audio_seconds": round(audio_s, 1),
            "rtf": round(proc_s / audio_s, 3),
            **{("cer" if k == "overall" else f"cer_{k}"): round(errors[k] / max(1, chars[k]), 4) for k in errors},
            "short_turns": short_turns, "per_call": per_call}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:]), ensure_ascii=False))
