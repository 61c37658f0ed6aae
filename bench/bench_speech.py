"""Speech-stage benchmarks that print figures (never asserts). Run one at a time on 2 cores:

    .venv/bin/python bench/bench_speech.py long      # 10+ min stereo call: stage one by one vs batched vs
                                                     # BatchedInferencePipeline (`long all`: + plain Whisper)
    .venv/bin/python bench/bench_speech.py profile   # the same call: where the stage's CPU goes (encoder, decoder,
                                                     # the rest) and what the fewest encoder passes would cost
    .venv/bin/python bench/bench_speech.py parallel  # cpu_threads x concurrent files x model workers
    .venv/bin/python bench/bench_speech.py hard      # CER per hard case (first second, back-channels, pauses)
    .venv/bin/python bench/bench_speech.py backchannel  # lone back-channels cut from samples/: right, dropped or wrong

`hard` and `backchannel` take [speech] overrides after the name: `backchannel windows.short_region_s=0`.

The long call is built in a temporary folder from the shared clips (8 kHz mu-law stereo, agent
left); nothing is written to the repository.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import resource
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from faster_whisper.audio import decode_audio

from callintel.evaluation.asr import call_record, edit_distance, read_references
from callintel.evaluation.audio import write_audio
from callintel.model_files import whisper_model_dir
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.asr import AsrOptions, load_model
from callintel.speech.batch import BatchStats
from callintel.speech.normalize import strip_for_scoring
from callintel.speech.stage import transcribe_call

AUDIO = PROJECT_ROOT.parent / "shared" / "data" / "audio"
SAMPLES = PROJECT_ROOT / "samples"
TEL = 8000


def overrides(args: list[str]) -> dict:
    """`a.b=value` command-line pairs (value in TOML syntax) -> {"speech": {"a": {"b": value}}}."""
    out: dict = {}
    for arg in args:
        key, _, raw = arg.partition("=")
        node = out
        *parents, last = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = tomllib.loads(f"v = {raw}")["v"]
    return {"speech": out}


def write_stereo(path: Path, left: np.ndarray, right: np.ndarray, rate: int = TEL) -> Path:
    """8 kHz mu-law stereo, as a call recorder writes it."""
    return write_audio(path, [left, right], rate, "pcm_mulaw")


def build_call(folder: Path, minutes: float = 10.5, seed: int = 0) -> tuple[Path, dict[str, str]]:
    """Alternating turns from the referenced clips, 1-8 s pauses and a 60 s silent hold every ~3 min."""
    rng = np.random.default_rng(seed)
    clips = [(decode_audio(str(p), sampling_rate=TEL), ref) for p, ref in read_references(AUDIO)]
    left, right = [], []
    refs = {"agent": "", "customer": ""}
    t, turn, since_hold = 0, 0, 0
    while t < minutes * 60 * TEL:
        samples, ref = clips[turn % len(clips)]
        speaker = "agent" if turn % 2 == 0 else "customer"
        pause = np.zeros(int(rng.uniform(1, 8) * TEL), np.float32)
        mine, other = (left, right) if speaker == "agent" else (right, left)
        mine += [samples, pause]
        other += [np.zeros(len(samples) + len(pause), np.float32)]
        refs[speaker] += ref
        t += len(samples) + len(pause)
        since_hold += len(samples) + len(pause)
        turn += 1
        if since_hold > 180 * TEL:
            hold = np.zeros(60 * TEL, np.float32)
            left.append(hold)
            right.append(hold)
            t += len(hold)
            since_hold = 0
    path = write_stereo(folder / "long_call.wav", np.concatenate(left), np.concatenate(right))
    return path, refs


def _cer(refs: dict[str, str], texts: dict[str, str]) -> dict[str, float]:
    out = {}
    for who in ("agent", "customer"):
        ref = strip_for_scoring(refs[who])
        out[who] = round(edit_distance(ref, strip_for_scoring(texts[who])) / len(ref), 4)
    return out


def cpu_seconds() -> float:
    """CPU time of this process and its children (user + system): what a night is bound by."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load_average() -> float:
    """The 1-minute load average when a run ends: the machine is shared, so wall times need it beside them."""
    return round(os.getloadavg()[0], 2)


def bench_long() -> dict:
    """The stage as before batching (batch_size = 1, 30 s encoder inputs), the stage with [speech] as
    configured, and faster-whisper's BatchedInferencePipeline per channel, in one run. `long all` adds
    plain `transcribe` of the mixed call, with and without its vad_filter; `long key=value ...` adds a
    stage variant per [speech] override (`long pack_s=30`, several joined by commas: `long pack_s=30,pack_gap_s=2`);
    `long only` runs the stage and its variants
    alone. Each runs once; the machine is shared, so compare ratios: `x` = old stage wall time / this
    one, `cpu_x` the same for CPU time (process and children, steadier under load); `cpu_per_audio_s`
    is what a night on one core pays per second of audio; `load` the machine's load average after it.
    """
    from faster_whisper import BatchedInferencePipeline

    import callintel.speech.stage as stage_module

    settings = load_settings()
    opts = AsrOptions.from_settings(settings["speech"])
    model = load_model(whisper_model_dir(settings), opts)
    out: dict = {"batch_size": opts.batch_size, "cpu_threads": opts.cpu_threads, "num_workers": opts.num_workers}
    stats: list = []
    real = stage_module.channel_decodes

    def counting(*args, **kwargs):  # a channel's decodes (a generator: its opening, then the rest)
        result = yield from real(*args, **kwargs)
        stats.append(result.batch)
        return result

    with tempfile.TemporaryDirectory() as tmp:
        path, refs = build_call(Path(tmp))
        stage_module.channel_decodes = counting
        try:
            old = {"batch_size": 1, "encode_pad_s": 0.0, "parallel_channels": False}
            variants = [("stage", {})] if "only" in sys.argv[2:] else [("old_stage", old), ("stage", {})]
            variants += [(arg, overrides(arg.split(","))["speech"]) for arg in sys.argv[2:] if "=" in arg]
            for name, over in variants:
                s = load_settings(overrides={"speech": over})
                stats.clear()
                t0, c0 = time.perf_counter(), cpu_seconds()
                tr = transcribe_call(call_record(path, "stereo_agent_left"), s)
                seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
                texts = {who: "".join(u.text for u in tr.utterances if u.speaker == who) for who in refs}
                out[name] = {"s": round(seconds, 1), "cpu_s": round(cpu, 1), "rtf": round(seconds / tr.duration_s, 3),
                             "cpu_per_audio_s": round(cpu / tr.duration_s, 3), "load": load_average(),
                             "utterances": len(tr.utterances), "cer": _cer(refs, texts)}
                if s["speech"]["batch_size"] > 1:
                    out[name]["passes"] = {f.name: sum(getattr(x, f.name) for x in stats)
                                           for f in dataclasses.fields(BatchStats) if f.type == "int"}
        finally:
            stage_module.channel_decodes = real
        out["audio_s"] = tr.duration_s
        if "only" in sys.argv[2:]:
            return out
        stereo = decode_audio(str(path), split_stereo=True)
        pipeline = BatchedInferencePipeline(model)
        t0, c0 = time.perf_counter(), cpu_seconds()
        texts = {}
        for who, channel in zip(("agent", "customer"), stereo, strict=True):
            segs, _ = pipeline.transcribe(channel, language="zh", beam_size=opts.beam_size, batch_size=8)
            texts[who] = "".join(s.text for s in segs)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        out["batched_pipeline"] = {"s": round(seconds, 1), "cpu_s": round(cpu, 1),
                                   "cpu_per_audio_s": round(cpu / out["audio_s"], 3), "load": load_average(),
                                   "cer": _cer(refs, texts)}
        if "all" in sys.argv[2:]:
            mixed = decode_audio(str(path))
            ref_all = strip_for_scoring(refs["agent"] + refs["customer"])
            for name, vad in (("plain", False), ("plain_vad", True)):
                t0 = time.perf_counter()
                segs, _ = model.transcribe(mixed, language="zh", beam_size=opts.beam_size,
                                           condition_on_previous_text=False, vad_filter=vad)
                text = strip_for_scoring("".join(s.text for s in segs))
                out[name] = {"s": round(time.perf_counter() - t0, 1),
                             "cer_all": round(edit_distance(ref_all, text) / len(ref_all), 4)}
    for name, figures in out.items():
        if isinstance(figures, dict) and "s" in figures and name != "old_stage" and "old_stage" in out:
            figures["x"] = round(out["old_stage"]["s"] / figures["s"], 2)
            if "cpu_s" in figures:
                figures["cpu_x"] = round(out["old_stage"]["cpu_s"] / figures["cpu_s"], 2)
    return out


class _Timed:
    """Stands in for a CTranslate2 Whisper model and adds up the seconds and calls of each of its methods.

    CTranslate2 computes in threads of its own, so Python's thread CPU clock does not see it; with one intra-op
    thread, one replica and one channel at a time, a call's wall time is its CPU time."""

    def __init__(self, model, seconds: dict[str, float], calls: dict[str, int]):
        self._model, self._seconds, self._calls = model, seconds, calls

    def __getattr__(self, name: str):
        attr = getattr(self._model, name)
        if not callable(attr):
            return attr

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            result = attr(*args, **kwargs)
            self._seconds[name] = self._seconds.get(name, 0.0) + time.perf_counter() - t0
            self._calls[name] = self._calls.get(name, 0) + 1
            return result
        return timed


def fewest_passes(sizes: list[float], capacity: float, gap: float) -> int:
    """Encoder inputs needed to hold every window with `gap` seconds between neighbours (first-fit decreasing,
    within 11/9 of the optimum): what packing could save at best, whatever it costs in words."""
    bins: list[float] = []
    for size in sorted(sizes, reverse=True):
        for k, used in enumerate(bins):
            if used + gap + size <= capacity:
                bins[k] = used + gap + size
                break
        else:
            bins.append(size)
    return len(bins)


def bench_profile() -> dict:
    """Where the stage's CPU goes on the long call, one channel at a time on one core: Whisper's encoder
    (passes x seconds), its decoder (`generate`, beam search), language reading, and the rest (decoding the file,
    the band filter, VAD, text steps). Then the floor packing sets: the encoder passes if each channel's windows
    filled 30 s inputs (`pack_gap_s` apart, windows as planned, before any padding), with this run's decoder and
    rest, as CPU seconds per audio second. `profile key=value ...` profiles with [speech] overrides
    (`profile beam_size=1`); one thread, one replica and one channel at a time are always forced."""
    import callintel.speech.asr as asr_module

    over = overrides(sys.argv[2:])["speech"] | {"parallel_channels": False, "num_workers": 1, "cpu_threads": 1}
    settings = load_settings(overrides={"speech": over})
    opts = AsrOptions.from_settings(settings["speech"])
    model = load_model(whisper_model_dir(settings), opts)
    seconds: dict[str, float] = {}
    calls: dict[str, int] = {}
    channels: list[list[float]] = []  # each channel's window lengths (the stage packs a channel's own windows)
    real_plan = asr_module.plan_windows

    def recording(*args, **kwargs):
        planned = real_plan(*args, **kwargs)
        channels.append([w.duration for w in planned])
        return planned

    with tempfile.TemporaryDirectory() as tmp:
        path, refs = build_call(Path(tmp))
        transcribe_call(call_record(path, "stereo_agent_left"), settings)  # warm: the model and the text steps
        model.model = _Timed(model.model, seconds, calls)
        asr_module.plan_windows = recording
        try:
            t0, c0 = time.perf_counter(), cpu_seconds()
            tr = transcribe_call(call_record(path, "stereo_agent_left"), settings)
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        finally:
            model.model = model.model._model
            asr_module.plan_windows = real_plan
    texts = {who: "".join(u.text for u in tr.utterances if u.speaker == who) for who in refs}
    audio_s = tr.duration_s
    encode, passes = seconds.get("encode", 0.0), calls.get("encode", 0)
    per_pass = encode / max(1, passes)
    whisper = sum(seconds.values())
    rest = cpu - whisper
    speech = settings["speech"]
    windows = [d for channel in channels for d in channel]
    floor_passes = sum(fewest_passes(channel, 30.0, speech["pack_gap_s"]) for channel in channels)
    floor = floor_passes * per_pass + seconds.get("generate", 0.0) + rest
    return {"audio_s": round(audio_s, 1), "windows": len(windows), "window_s": round(sum(windows), 1),
            "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "cpu_per_audio_s": round(cpu / audio_s, 4),
            "load": load_average(), "cer": _cer(refs, texts),
            "encoder": {"passes": passes, "cpu_s": round(encode, 1), "per_pass_s": round(per_pass, 3),
                        "share": round(encode / cpu, 3)},
            "decoder": {"calls": calls.get("generate", 0), "cpu_s": round(seconds.get("generate", 0.0), 1),
                        "share": round(seconds.get("generate", 0.0) / cpu, 3)},
            "other_whisper": {k: round(v, 2) for k, v in seconds.items() if k not in ("encode", "generate")},
            "rest": {"cpu_s": round(rest, 1), "share": round(rest / cpu, 3)},
            "floor_30s_packs": {"passes": floor_passes, "cpu_s": round(floor, 1),
                                "cpu_per_audio_s": round(floor / audio_s, 4)}}


def bench_parallel() -> dict:
    """Wall time for 4 copies of the shared stereo call per (cpu_threads, concurrent files, model workers).

    Concurrent files share one WhisperModel per process (speech.asr.load_model); with
    `num_workers` = 1 its decoding is serialised, so files > 1 only overlaps decoding audio and VAD.
    Each configuration runs `repeat` times (default 2, `parallel 3` for 3): the machine is shared,
    so the best and all wall times are printed.
    """
    from callintel.settings import load_settings as ls

    repeat = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    src = AUDIO / "derived_two_party_8k" / "call_stereo_8k_agentL_customerR.wav"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(4):
            p = Path(tmp) / f"c{i}.wav"
            p.write_bytes(src.read_bytes())
            files.append(p)
        audio_s = 4 * decode_audio(str(src)).size / 16000
        for threads, workers, replicas in ((1, 1, 1), (2, 1, 1), (1, 2, 1), (1, 2, 2), (2, 2, 1), (2, 2, 2),
                                           (4, 1, 1)):
            s = ls(overrides={"speech": {"cpu_threads": threads, "num_workers": replicas}})
            load_model(whisper_model_dir(s), AsrOptions.from_settings(s["speech"]))
            transcribe_call(call_record(files[0], "stereo_agent_left"), s)  # warm
            walls = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(lambda p, s=s: transcribe_call(call_record(p, "stereo_agent_left"), s), files))
                walls.append(round(time.perf_counter() - t0, 2))
            results[f"threads={threads} files={workers} num_workers={replicas}"] = {
                "wall_s": walls, "rtf_best": round(min(walls) / audio_s, 3)}
    return results


def bench_hard() -> dict:
    """CER on small hard cases built from the shared clips (8 kHz mu-law stereo)."""
    settings = load_settings(overrides=overrides(sys.argv[2:]))
    clips = {p.name: (decode_audio(str(p), sampling_rate=TEL), ref) for p, ref in read_references(AUDIO)}
    zh, zh_ref = clips["zh.wav"]
    ex0, ex0_ref = clips["ex0_asr_example.wav"]
    ai, ai_ref = clips["aishell-BAC009S0724W0121.wav"]
    cases = {}
    z = lambda s: np.zeros(int(s * TEL), np.float32)  # noqa: E731
    # speech in the first second: the clip's own lead-in silence cut off
    start = int(np.argmax(np.abs(zh) > 0.02))
    cases["first_second"] = ([zh[max(0, start - 80):], z(2)], [z(len(zh) / TEL + 2)], {"agent": zh_ref})
    # back-channels: the customer answers with one short clip piece (about 0.6 s) between agent turns
    bc = ai[int(0.3 * TEL):int(0.95 * TEL)]
    cases["back_channel"] = ([ex0, z(2.5), ex0], [z(len(ex0) / TEL + 0.6), bc, z(5)],
                             {"agent": ex0_ref + ex0_ref, "customer": ai_ref[:3]})
    # long pauses inside one speaker's turn (8 s, 15 s)
    cases["long_pauses"] = ([ex0, z(8), zh, z(15), ai], [z(1)], {"agent": ex0_ref + zh_ref + ai_ref})
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (left, right, refs) in cases.items():
            path = write_stereo(Path(tmp) / f"{name}.wav", np.concatenate(left), np.concatenate(right))
            tr = transcribe_call(call_record(path, "stereo_agent_left"), settings)
            res = {}
            for who, ref in refs.items():
                r = strip_for_scoring(ref)
                h = strip_for_scoring("".join(u.text for u in tr.utterances if u.speaker == who))
                res[f"cer_{who}"] = round(edit_distance(r, h) / len(r), 3)
                res[f"text_{who}"] = h
            out[name] = res
    return out


BACKCHANNEL = re.compile(r"^(嗯|对|好的|是的|可以|明白了)[，。！]")


def backchannel_clips(rate: int = TEL) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(word, clip, the same speaker's previous turn) for back-channels in the sample calls.

    Whole short turns (under 1.2 s: 嗯。, 好的。, 好的，谢谢。) and the back-channel word that opens
    a longer turn (好的。麻烦您...), cut at the first pause after it (10 ms frames under a tenth of
    the turn's peak level for 80 ms).
    """
    truth = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    out = []
    hop = rate // 100
    for call in truth["calls"]:
        audio = decode_audio(str(SAMPLES / call["audio_path"]), sampling_rate=rate,
                             split_stereo=call["channels"] == 2)
        previous: dict[str, np.ndarray] = {}
        for turn in call["turns"]:
            track = audio if call["channels"] == 1 else audio[0 if turn["channel"] == "left" else 1]
            x = track[int(turn["start"] * rate):int(turn["end"] * rate)]
            context = previous.get(turn["speaker"])
            previous[turn["speaker"]] = x
            if context is None:
                continue
            if turn["end"] - turn["start"] < 1.2:
                out.append((turn["text"], x, context))
                continue
            m = BACKCHANNEL.match(turn["text"])
            if not m:
                continue
            level = np.sqrt(np.mean(x[:len(x) // hop * hop].reshape(-1, hop) ** 2, axis=1))
            quiet = level < 0.1 * level.max()
            onset = int(np.argmax(~quiet))
            cut = next((i for i in range(onset + 15, len(quiet) - 8) if quiet[i:i + 8].all()), None)
            if cut is not None:
                out.append((m.group(1), x[:(cut + 5) * hop], context))
    return out


def bench_backchannel() -> dict:
    """Each back-channel alone in its window (over max_gap_s from other speech on its channel).

    `after_turn`: the customer channel holds the speaker's previous turn, then 9 s later the
    back-channel; `only_backchannels`: the channel holds nothing but back-channels 9 s apart.
    A back-channel is `right` (its characters exactly), `dropped` (no text) or `wrong` (listed).
    """
    settings = load_settings(overrides=overrides(sys.argv[2:]))
    clips = backchannel_clips()
    out = {"clips": len(clips)}
    z = lambda s: np.zeros(int(s * TEL), np.float32)  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        for layout in ("after_turn", "only_backchannels"):
            customer, agent, where = [], [], []
            t = 0.0
            for word, clip, context in clips:
                lead = [context, z(9)] if layout == "after_turn" else [z(9)]
                for piece in lead:
                    customer.append(piece)
                    t += len(piece) / TEL
                where.append((word, t, t + len(clip) / TEL))
                customer += [clip, z(9)]
                t += len(clip) / TEL + 9
            agent = [z(1), clips[0][2]]  # the agent says one thing, so both channels have speech
            path = write_stereo(Path(tmp) / f"{layout}.wav", np.concatenate(agent), np.concatenate(customer))
            t0 = time.perf_counter()
            tr = transcribe_call(call_record(path, "stereo_agent_left"), settings)
            elapsed = time.perf_counter() - t0
            right, dropped, wrong = 0, 0, []
            for word, a, b in where:
                got = strip_for_scoring("".join(u.text for u in tr.utterances
                                                if u.speaker == "customer" and u.start < b + 0.3 and u.end > a - 0.3))
                if got == strip_for_scoring(word):
                    right += 1
                elif not got:
                    dropped += 1
                else:
                    wrong.append(f"{word}->{got}")
            out[layout] = {"right": right, "dropped": dropped, "wrong": len(wrong), "seconds": round(elapsed, 1),
                           "wrong_texts": wrong}
    return out


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "long"
    result = {"long": bench_long, "profile": bench_profile, "parallel": bench_parallel, "hard": bench_hard,
              "backchannel": bench_backchannel}[which]()
    print(json.dumps(result, ensure_ascii=False))
