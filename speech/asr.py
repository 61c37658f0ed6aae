"""faster-whisper on one channel, window by window, with every speech region accounted for.

The model is loaded once per process (per thread count) and shared by every call.

Why not `model.transcribe(channel, vad_filter=True)`: it concatenates the speech of the whole
channel, and Whisper then often transcribes the first sentence of a 30 s window and skips the
rest; on the shared 8 kHz call that lost the agent's second turn and stretched a customer turn
over it. Here `speech.vad` plans windows of contiguous audio, each window is decoded on its
own, and a region no segment covers is decoded again alone (Whisper reads a lone turn well).
Segment times are clipped to the VAD regions they overlap, so a turn never ends in silence,
and a segment that overlaps no speech at all is a hallucination and is dropped.

A short region decoded on its own (a back-channel: 嗯, 对, 好的) is the exception: alone in a
30 s window Whisper wrote "好, then", "好灯", 请 or 谢谢 for it on the sample calls' cut
back-channels (bench/bench_speech.py backchannel). Joined to a few seconds of real speech
from the same call (once after it, once before it) it is read as part of a Chinese utterance;
only its own words are kept, and only when both decodes agree: back-channels came out right or
were dropped instead of invented.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from itertools import pairwise
from pathlib import Path

import numpy as np

from callintel.model_files import hub_offline
from callintel.speech.vad import SAMPLE_RATE, Region, WindowSettings, plan_windows


@dataclass(frozen=True)
class AsrOptions:
    """Decoding options ([speech] in configs/callintel.toml).

    `condition_on_previous_text` stays off: on call audio a bad turn would otherwise seed the
    next window with its own mistakes (and with any prompt, loops; ../shared/MODELS.md).
    Beam 5 is where CER stops improving (eval asr clean 8.5% at beam 1, 6.2% at 3, 3.1% at 5 and 8);
    `patience` and `length_penalty` are exposed for measurement but 2.0 / 0.8 / 1.2 changed no text.
    """

    language: str = "zh"
    beam_size: int = 5
    patience: float = 1.0
    length_penalty: float = 1.0
    cpu_threads: int = 2
    num_workers: int = 1  # model replicas: calls decoded at once from several threads (bench_speech.py parallel)
    compute_type: str = "int8"
    condition_on_previous_text: bool = False
    temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    initial_prompt: str = ""
    hotwords: str = ""

    @classmethod
    def from_settings(cls, speech: dict, prompt: str = "", hotwords: str = "") -> AsrOptions:
        guards = speech.get("guards", {})
        values = {f.name: speech[f.name] for f in fields(cls) if f.name in speech}
        for key in ("no_speech_threshold", "log_prob_threshold", "compression_ratio_threshold"):
            if key in guards:
                values[key] = guards[key]
        if "temperatures" in values:
            values["temperatures"] = tuple(float(t) for t in values["temperatures"])
        values["initial_prompt"] = prompt
        values["hotwords"] = hotwords
        return cls(**values)

    def transcribe_kwargs(self, words: bool) -> dict:
        """Keyword arguments of `WhisperModel.transcribe` for one window (no VAD: windows are planned here)."""
        return dict(language=self.language, beam_size=self.beam_size, patience=self.patience,
                    length_penalty=self.length_penalty, temperature=list(self.temperatures),
                    condition_on_previous_text=self.condition_on_previous_text, vad_filter=False,
                    no_speech_threshold=self.no_speech_threshold, log_prob_threshold=self.log_prob_threshold,
                    compression_ratio_threshold=self.compression_ratio_threshold,
                    initial_prompt=self.initial_prompt or None, hotwords=self.hotwords or None,
                    word_timestamps=words)


@dataclass
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float
    words: list[tuple[float, float, str]] | None = None


@dataclass
class ChannelResult:
    """Segments of one channel plus what it cost (for warnings and benchmarks)."""

    segments: list[Segment] = field(default_factory=list)
    windows: int = 0
    retried_regions: int = 0
    context_decodes: int = 0  # short regions decoded next to their speaker's other speech
    resplit_segments: int = 0  # segments over a long silence, decoded again region by region
    dropped_outside_speech: int = 0


_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def load_model(model_dir: Path, options: AsrOptions):
    """A cached WhisperModel for this process (thread-safe)."""
    hub_offline()
    key = (str(model_dir), options.compute_type, options.cpu_threads, options.num_workers)
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            _MODELS[key] = WhisperModel(str(model_dir), device="cpu", compute_type=options.compute_type,
                                        cpu_threads=options.cpu_threads, num_workers=options.num_workers,
                                        local_files_only=True)
        return _MODELS[key]


def decode_span(model, audio: np.ndarray, start: float, end: float, options: AsrOptions,
                words: bool = False) -> list[Segment]:
    """Whisper on audio[start:end] (seconds); times returned against the whole recording.

    With `words`, each segment carries its word timings (`Segment.words`), used to cut
    segments at VAD region boundaries on mono calls.
    """
    piece = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
    if piece.size == 0:
        return []
    segments, _info = model.transcribe(piece, **options.transcribe_kwargs(words))
    out = []
    for s in segments:
        seg = Segment(round(start + s.start, 3), round(start + s.end, 3), s.text, s.avg_logprob,
                      s.no_speech_prob, s.compression_ratio)
        if words and s.words:
            seg.words = [(round(start + w.start, 3), round(start + w.end, 3), w.word) for w in s.words]
        out.append(seg)
    return out


def _context(audio: np.ndarray, regions: list[Region], region: Region, seconds: float,
             min_region_s: float) -> np.ndarray:
    """Up to `seconds` of the track's speech nearest `region` (empty when there is none).

    Only speech regions of at least `min_region_s` are taken, not the pauses between them:
    a context of other back-channels made Whisper mishear or loop.
    """
    candidates = sorted((r for r in regions if r.duration >= min_region_s and r != region),
                        key=lambda r: min(abs(r.start - region.end), abs(region.start - r.end)))
    chosen, total = [], 0.0
    for r in candidates:
        take = min(r.duration, seconds - total)
        chosen.append((r.start, r.start + take))
        total += take
        if total >= seconds:
            break
    pieces = [audio[int(lo * SAMPLE_RATE):int(hi * SAMPLE_RATE)] for lo, hi in sorted(chosen)]
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def _decode_joined(model, piece: np.ndarray, context: np.ndarray, gap_s: float, piece_first: bool,
                   options: AsrOptions) -> tuple[list, list]:
    """(our words, the segments they came from) for `piece` joined to `context` by `gap_s` of silence."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    joined = np.concatenate([piece, gap, context] if piece_first else [context, gap, piece])
    join = (len(piece) if piece_first else len(context)) / SAMPLE_RATE + gap_s / 2
    segments, _info = model.transcribe(joined, **options.transcribe_kwargs(True))
    words, sources = [], []
    for s in segments:
        if piece_first and s.start > join:
            break  # the rest is context: no need to decode it
        mine = [w for w in (s.words or []) if ((w.start + w.end) / 2 < join) == piece_first]
        if mine:
            shift = 0.0 if piece_first else -(len(context) + len(gap)) / SAMPLE_RATE
            words += [(w.start + shift, w.end + shift, w.word) for w in mine]
            sources.append(s)
    return words, sources


def decode_with_context(model, audio: np.ndarray, start: float, end: float, context: np.ndarray,
                        gap_s: float, options: AsrOptions) -> list[Segment]:
    """Whisper on audio[start:end] joined to `context`, once after it and once before it.

    Only the words on our side of the join count, and only when both orders agree on them
    (punctuation aside): with the context first Whisper sometimes stopped before our piece,
    with it after, a word of the context sometimes bled over the join, and a bare 嗯 came out
    as 分/粉 in one order but not the other. Returns at most one segment, timed at [start, end]
    (clipped to the regions afterwards), with the lower log-probability of the two decodes.
    """
    piece = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)]
    if piece.size == 0:
        return []
    after, after_src = _decode_joined(model, piece, context, gap_s, False, options)
    if not after:
        return []
    before, before_src = _decode_joined(model, piece, context, gap_s, True, options)

    def bare(words: list) -> str:
        return "".join(ch for w in words for ch in w[2] if ch.isalnum())

    if bare(after) != bare(before):
        return []
    sources = after_src + before_src
    timed = [(round(start + w0, 3), round(start + w1, 3), w) for w0, w1, w in before]
    return [Segment(round(start, 3), round(end, 3), "".join(w for _, _, w in before).strip(),
                    min(s.avg_logprob for s in sources), max(s.no_speech_prob for s in sources),
                    max(s.compression_ratio for s in sources), timed)]


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _covered(region: Region, segments: list[Segment], min_covered_s: float) -> bool:
    need = min(min_covered_s, 0.5 * region.duration)
    return sum(_overlap(s.start, s.end, region.start, region.end) for s in segments) >= need


def _skipped(regions: list[Region], segments: list[Segment], min_covered_s: float) -> list[Region]:
    """Regions Whisper skipped: uncovered and after the last text it wrote for the window.

    Whisper's failure here is stopping early (an end-of-text, then the window's seek jumps to
    its end); a region in the middle that looks uncovered is usually a timestamp slip, and
    decoding it again alone would duplicate its words.
    """
    last_end = max((s.end for s in segments), default=-1.0)
    return [r for r in regions if r.start >= last_end - 0.2 and not _covered(r, segments, min_covered_s)]


def _bridged(segment: Segment, regions: list[Region], gap_s: float) -> list[Region]:
    """The regions `segment` spans when it bridges a silence of at least `gap_s` between two of them, else []."""
    hits = [r for r in regions if _overlap(segment.start, segment.end, r.start, r.end) > 0]
    if any(b.start - a.end >= gap_s for a, b in pairwise(hits)):
        return hits
    return []


def _clip(segment: Segment, regions: list[Region]) -> Segment | None:
    """The segment's times clipped to the speech regions it overlaps; None if it overlaps none."""
    hits = [r for r in regions if _overlap(segment.start, segment.end, r.start, r.end) > 0]
    if not hits:
        return None
    start = max(segment.start, min(r.start for r in hits))
    end = min(segment.end, max(r.end for r in hits))
    if end <= start:  # Whisper's zero-length timestamp on a short word: use the region
        start, end = hits[0].start, hits[0].end
    segment.start, segment.end = round(start, 3), round(end, 3)
    return segment


def _split_at_regions(segment: Segment, regions: list[Region]) -> list[Segment]:
    """A segment cut where its words cross from one VAD region to the next (mono calls)."""
    if not segment.words:
        return [segment]
    groups: list[tuple[int, list[tuple[float, float, str]]]] = []
    for w in segment.words:
        mid = (w[0] + w[1]) / 2
        idx = min(range(len(regions)), key=lambda k: 0 if regions[k].start <= mid <= regions[k].end
                  else min(abs(mid - regions[k].start), abs(mid - regions[k].end)))
        if groups and groups[-1][0] == idx:
            groups[-1][1].append(w)
        else:
            groups.append((idx, [w]))
    if len(groups) == 1:
        return [segment]
    return [Segment(ws[0][0], ws[-1][1], "".join(w[2] for w in ws), segment.avg_logprob, segment.no_speech_prob,
                    segment.compression_ratio, ws) for _, ws in groups]


def transcribe_regions(model, audio: np.ndarray, regions: list[Region], options: AsrOptions,
                       windows: WindowSettings, max_gap_s: float, split_at_regions: bool = False,
                       others: tuple[tuple[np.ndarray, list[Region]], ...] = ()) -> ChannelResult:
    """Decode one channel's speech regions; regions Whisper skipped are decoded again alone.

    Windows are widened by `pad_s`, but never into a neighbouring region's speech (that
    would transcribe its words twice). `others` are the call's other channels (samples,
    regions): context for a short lone region when its own channel has no other speech
    (any real speech helps: on the cut back-channels the other speaker's turn did as well).
    """
    result = ChannelResult()
    raw: list[Segment] = []
    uncovered: list[Region] = []
    limit = len(audio) / SAMPLE_RATE
    planned = plan_windows(regions, windows.max_window_s, max_gap_s)

    def span(first: Region, last: Region) -> tuple[float, float]:
        i, j = regions.index(first), regions.index(last)
        lo = regions[i - 1].end if i > 0 else 0.0
        hi = regions[j + 1].start if j + 1 < len(regions) else limit
        return max(lo, first.start - windows.pad_s), min(hi, last.end + windows.pad_s)

    def alone(region: Region) -> list[Segment]:
        if region.duration < windows.short_region_s:
            context = _context(audio, regions, region, windows.context_s, windows.short_region_s)
            for other_audio, other_regions in others:
                if not context.size:
                    context = _context(other_audio, other_regions, region, windows.context_s, windows.short_region_s)
            if context.size:
                result.context_decodes += 1
                return decode_with_context(model, audio, *span(region, region), context, windows.context_gap_s,
                                           options)
        return decode_span(model, audio, *span(region, region), options, words=split_at_regions)

    def resplit(segs: list[Segment], window_regions: list[Region]) -> list[Segment]:
        out: list[Segment] = []
        for seg in segs:
            hits = _bridged(seg, window_regions, windows.resplit_gap_s) if windows.resplit_gap_s > 0 else []
            shared = any(_overlap(o.start, o.end, r.start, r.end) > 0 for o in segs if o is not seg for r in hits)
            if not hits or shared:
                out.append(seg)
                continue
            result.resplit_segments += 1
            out += [piece for r in hits for piece in alone(r)]
        return out

    for window in planned:
        if len(window.regions) == 1:
            segs = alone(window.regions[0])
        else:
            segs = resplit(decode_span(model, audio, *span(window.regions[0], window.regions[-1]), options,
                                       words=split_at_regions), window.regions)
        result.windows += 1
        raw += segs
        if windows.retry_uncovered and len(window.regions) > 1:
            uncovered += _skipped(window.regions, segs, windows.min_covered_s)
    for region in uncovered:
        raw += alone(region)
        result.windows += 1
        result.retried_regions += 1
    if split_at_regions:
        raw = [piece for seg in raw for piece in _split_at_regions(seg, regions)]
    for seg in sorted(raw, key=lambda s: (s.start, s.end)):
        clipped = _clip(seg, regions)
        if clipped is None:
            result.dropped_outside_speech += 1
            continue
        result.segments.append(clipped)
    return result
