"""Speaker roles on mono calls, scored against samples/truth.json.

    .venv/bin/python bench/bench_roles.py            # decodes each call once; segments cached in var/bench_roles/

The two mono sample calls, and the sixteen stereo sample calls mixed down to one track (their truth
is known too), go through the speech stage's mono path: VAD, Whisper windows with word timings cut at
region boundaries (speech.asr), guards, text cleaning and role inference. Whisper's segments (with
their words) are cached, so comparing role variants costs no decoding.

Accuracy per character: each character of an utterance (scoring text: no punctuation, masks kept)
is placed in time proportionally inside the utterance and judged against the truth turn at that
moment (the longer turn where a back-channel overlaps); per utterance: the role of most of its
characters. `today` is the stage before this change (whole segments, roles by the original cue lists
and alternation: speech.roles.assign_roles); `split` is the stage's path now
(speech.stage.mono_utterances: clauses, Viterbi over words, voice and segment starts).
Output on 2026-11-29: today 64.0% (mono) / 78.1% (stereo mixed) / 76.8% (all) of characters,
split 99.1% / 95.6% / 95.9%. The last line is one JSON object.
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

from callintel.evaluation.samples import load_truth, scoring_text
from callintel.flows.environment import configure
from callintel.model_files import whisper_model_dir
from callintel.settings import PROJECT_ROOT, Settings, load_settings
from callintel.speech.asr import Segment, load_model, transcribe_regions
from callintel.speech.band import condition
from callintel.speech.decode import decode
from callintel.speech.guards import clean_segment_text
from callintel.speech.roles import SpeakerCues, assign_roles
from callintel.speech.stage import _Stage, mono_utterances
from callintel.speech.vad import speech_regions

SAMPLES = PROJECT_ROOT / "samples"
CACHE = PROJECT_ROOT / "var" / "bench_roles"
# speaker_cues.toml as it was before turn splitting (the baseline's cue lists)
TODAY_CUES = SpeakerCues(
    agent=("请问", "为您", "帮您", "您的", "稍等", "请您", "核实", "先生", "女士", "感谢您的来电", "给您", "您看",
           "您可以", "还有其他"),
    customer=("我想", "我的", "我要", "我是", "能不能", "怎么", "为什么", "是不是", "谢谢", "好的", "那我", "帮我"),
    greeting=("您好", "很高兴为您服务", "工号", "客服中心", "请问有什么可以帮您"),
    greeting_within=3, same_speaker_gap_s=0.3, clause_pause_s=0.25, openers=(), cue_weight=1.5, switch_segment=0.5,
    switch_clause=0.1, switch_opener=0.4, first_agent=0.9, voice_rounds=3, voice_weight=1.0, voice_clip=4.0,
    ngram_model="", ngram_weight=0.0, ngram_clip=6.0)


def _decode_key(settings: Settings, sha: str) -> str:
    speech = {k: v for k, v in settings["speech"].items() if k not in ("redact", "terms", "normalize")}
    blob = json.dumps({"sha": sha, "speech": speech}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def mono_segments(path: Path, stage: _Stage, settings: Settings) -> tuple[list[Segment], float, object]:
    """Whisper's segments (words kept) for the file mixed down to one track; (segments, seconds spent, audio)."""
    audio = decode(path, False)
    samples, _ = condition(audio.channels[0], stage.band)
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{path.stem}-{_decode_key(settings, audio.sha256)}.json"
    if cached.exists():
        return [Segment(**s) for s in json.loads(cached.read_text())], 0.0, samples
    t0 = time.perf_counter()
    regions = speech_regions(samples, stage.vad)
    model = load_model(whisper_model_dir(settings), stage.asr)
    result = transcribe_regions(model, samples, regions, stage.asr, stage.windows, stage.windows.mono_max_gap_s,
                                split_at_regions=stage.windows.mono_split_words)
    cached.write_text(json.dumps([asdict(s) for s in result.segments], ensure_ascii=False))
    return result.segments, time.perf_counter() - t0, samples


def today(segments: list[Segment], stage: _Stage, audio=None) -> list[tuple[str, float, float, str]]:
    """The mono path before turn splitting: whole segments, guards, cleaning, the original cues."""
    kept = []
    for s in segments:
        text, why = clean_segment_text(s.text, s.compression_ratio, s.no_speech_prob, s.avg_logprob,
                                       stage.guards, stage.phantoms)
        text = stage.text.clean(text) if not why else ""
        if text:
            kept.append((s, text))
    roles = assign_roles([t for _, t in kept], TODAY_CUES, [(s.start, s.end) for s, _ in kept])
    return [(role, s.start, s.end, text) for (s, text), role in zip(kept, roles, strict=True)]


def split(segments: list[Segment], stage: _Stage, audio=None) -> list[tuple[str, float, float, str]]:
    return [(u.speaker, u.start, u.end, u.text) for u in mono_utterances(copy.deepcopy(segments), stage, {}, audio)]


def truth_role(turns: list[dict], t: float) -> str:
    inside = [u for u in turns if u["start"] - 0.05 <= t <= u["end"] + 0.05]
    if inside:
        return max(inside, key=lambda u: u["end"] - u["start"])["speaker"]
    return min(turns, key=lambda u: min(abs(t - u["start"]), abs(t - u["end"])))["speaker"]


def score(utterances: list[tuple[str, float, float, str]], turns: list[dict]) -> dict[str, int]:
    """Characters and utterances whose role matches the truth at their time."""
    out = {"chars": 0, "chars_ok": 0, "utts": 0, "utts_ok": 0}
    for role, start, end, text in utterances:
        bare = scoring_text(text)
        n = len(bare)
        if not n:
            continue
        truths = [truth_role(turns, start + (k + 0.5) / n * (end - start)) for k in range(n)]
        ok = sum(t == role for t in truths)
        out["chars"] += n
        out["chars_ok"] += ok
        out["utts"] += 1
        out["utts_ok"] += int(max(set(truths), key=truths.count) == role)
    return out


def main() -> dict:
    settings = load_settings()
    configure(settings)
    stage = _Stage(settings)
    truth = load_truth(SAMPLES / "truth.json")
    totals: dict[str, dict[str, dict[str, int]]] = {}
    per_call: dict[str, dict[str, float]] = {}
    decode_s = 0.0
    for call_id, call in truth.items():
        group = "mono" if call["channel_layout"] == "mono" else "stereo_mixed"
        segments, spent, audio = mono_segments(SAMPLES / call["audio_path"], stage, settings)
        decode_s += spent
        for variant, fn in (("today", today), ("split", split)):
            got = score(fn(segments, stage, audio), call["turns"])
            acc = totals.setdefault(variant, {}).setdefault(group, {"chars": 0, "chars_ok": 0, "utts": 0,
                                                                     "utts_ok": 0})
            for k, v in got.items():
                acc[k] += v
            per_call.setdefault(call_id, {})[variant] = round(got["chars_ok"] / max(1, got["chars"]), 3)
    result: dict = {"decode_seconds": round(decode_s, 1), "per_call_chars": per_call}
    for variant, groups in totals.items():
        allc = {k: sum(g[k] for g in groups.values()) for k in ("chars", "chars_ok", "utts", "utts_ok")}
        for name, g in (*groups.items(), ("all", allc)):
            result[f"{variant}_{name}"] = {"chars": round(g["chars_ok"] / max(1, g["chars"]), 4),
                                           "utterances": round(g["utts_ok"] / max(1, g["utts"]), 4),
                                           "n_chars": g["chars"], "n_utts": g["utts"]}
            print(f"{variant:6s} {name:13s} role accuracy: chars {g['chars_ok']}/{g['chars']} = "
                  f"{g['chars_ok'] / max(1, g['chars']):.1%}, utterances {g['utts_ok']}/{g['utts']} = "
                  f"{g['utts_ok'] / max(1, g['utts']):.1%}")
    return result


if __name__ == "__main__":
    print(json.dumps(main(), ensure_ascii=False))
    sys.exit(0)
