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
from collections.abc import Generator
from dataclasses import dataclass, field, fields
from itertools import pairwise
from pathlib import Path

import numpy as np

from callintel.model_files import hub_offline
from callintel.speech.batch import BatchStats, PackSettings, transcribe_many
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
    batch_size: int = 8  # windows decoded in one batch (speech.batch); 1 = one by one, the old way
    encode_pad_s: float = 0.0  # encoder input = window + this, not Whisper's 30 s (speech.batch.encoder_frames)
    encode_step_s: float = 2.0
    pack_s: float = 0.0  # windows laid end to end up to this many seconds per Whisper input (speech.pack); 0 = off
    pack_gap_s: float = 3.0  # silence between packed windows
    pack_each: bool = False  # a pack encoded once, each window decoded alone from it (speech.batch._decode_members)
    pack_margin_s: float = 1.0  # a window's decode in a pack may place timestamps this far past its end
    pack_tokens_per_s: float = 15.0  # its length limit: tokens per second of the window (+ 1 s worth)
    pack_context_s: float = -1.0  # ... and it reads the pack's encoder output this far around the window (-1: all)
    language_check_s: float = 30.0  # seconds of a channel's windows (packs first) whose language is read (0 = none)
    compute_type: str = "int8"
    condition_on_previous_text: bool = False
    temperatures: tuple[float, ...] = (0.0,)   # [speech] temperatures: why 0 alone, see configs/callintel.toml
    loop_repetition_penalty: float = 1.0  # a window whose pass loops is decoded again with these (1.0 and 0: never)
    loop_no_repeat_ngram_size: int = 4
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
        if not speech.get("language_check", True):
            values["language_check_s"] = 0.0  # no warning wanted: read nothing
        values["initial_prompt"] = prompt
        values["hotwords"] = hotwords
        return cls(**values)

    def loop_kwargs(self) -> dict[str, float | int]:
        """What a window whose pass fails the compression check is decoded again with ({}: not at all)."""
        out: dict[str, float | int] = {}
        if self.loop_repetition_penalty != 1.0:
            out["repetition_penalty"] = self.loop_repetition_penalty
        if self.loop_no_repeat_ngram_size > 0:
            out["no_repeat_ngram_size"] = self.loop_no_repeat_ngram_size
        return out

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
    batch: BatchStats = field(default_factory=BatchStats)  # Whisper passes batched / decoded again alone


_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def _dask_worker_threads() -> int | None:
    """Threads of the Dask worker this runs in (None outside one)."""
    try:
        from distributed import get_worker

        return get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return None


def load_model(model_dir: Path, options: AsrOptions):
    """A cached WhisperModel for this process (thread-safe).

    One process holds one model for all its calls. On a Dask worker it gets as many replicas as the
    worker has task threads (one call at a time each), not `num_workers`: that setting sizes the
    replicas of the one process that runs a whole night on its own machine.
    """
    hub_offline()
    replicas = _dask_worker_threads() or options.num_workers
    key = (str(model_dir), options.compute_type, options.cpu_threads, replicas)
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            _MODELS[key] = WhisperModel(str(model_dir), device="cpu", compute_type=options.compute_type,
                                        cpu_threads=options.cpu_threads, num_workers=replicas,
                                        local_files_only=True)
        return _MODELS[key]


def loaded_models() -> list[dict]:
    """The Whisper models this process holds, with their replicas (a test checks one per Dask worker)."""
    return [{"model_dir": key[0], "cpu_threads": key[2], "replicas": model.model.num_workers}
            for key, model in _MODELS.items()]


def _segments(decoded: list, start: float, words: bool) -> list[Segment]:
    """faster-whisper segments of a piece cut at `start` -> ours, timed against the whole recording."""
    out = []
    for s in decoded:
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


def _join(piece: np.ndarray, context: np.ndarray, gap_s: float, piece_first: bool) -> tuple[np.ndarray, float]:
    """`piece` joined to `context` by `gap_s` of silence, and the time of the join (mid-gap)."""
    gap = np.zeros(int(gap_s * SAMPLE_RATE), np.float32)
    joined = np.concatenate([piece, gap, context] if piece_first else [context, gap, piece])
    return joined, (len(piece) if piece_first else len(context)) / SAMPLE_RATE + gap_s / 2


def _ours(decoded: list, join: float, shift: float, piece_first: bool) -> tuple[list, list]:
    """(our words, the segments they came from) of a joined decode: the words on our side of the join."""
    words, sources = [], []
    for s in decoded:
        if piece_first and s.start > join:
            break  # the rest is context
        mine = [w for w in (s.words or []) if ((w.start + w.end) / 2 < join) == piece_first]
        if mine:
            words += [(w.start + shift, w.end + shift, w.word) for w in mine]
            sources.append(s)
    return words, sources


def _agreed(after: tuple[list, list], before: tuple[list, list], start: float, end: float) -> list[Segment]:
    """The one segment of a context decode when both orders agree on our words (punctuation aside), else []."""

    def bare(words: list) -> str:
        return "".join(ch for w in words for ch in w[2] if ch.isalnum())

    if not after[0] or bare(after[0]) != bare(before[0]):
        return []
    sources = after[1] + before[1]
    timed = [(round(start + w0, 3), round(start + w1, 3), w) for w0, w1, w in before[0]]
    return [Segment(round(start, 3), round(end, 3), "".join(w for _, _, w in before[0]).strip(),
                    min(s.avg_logprob for s in sources), max(s.no_speech_prob for s in sources),
                    max(s.compression_ratio for s in sources), timed)]


@dataclass
class _Job:
    """One decode a channel needs: audio[start:end], or that span as a short region next to `context`."""

    start: float
    end: float
    words: bool
    context: np.ndarray | None = None


def _run(model, audio: np.ndarray, jobs: list[_Job], options: AsrOptions, gap_s: float,
         stats: BatchStats, first: bool = False) -> list[list[Segment]]:
    """Every job decoded, the Whisper passes batched (speech.batch): a span on its own (`words`: with word
    timings, to cut segments at VAD region boundaries on mono calls), or a short region joined to `context`.

    A context decode joins the region to its context by `gap_s` of silence, once after it and once before it;
    only the words on our side of the join count, and only when both orders agree on them (punctuation aside):
    with the context first Whisper sometimes stopped before our piece, with it after, a word of the context
    sometimes bled over the join, and a bare 嗯 came out as 分/粉 in one order but not the other (`_agreed`).
    Two rounds: every span and every context decode's first order; then the second order of the context
    decodes whose first order found words. The stage's `first` decode of a channel's windows packs them
    ([speech] pack_s) and reads their language (AsrOptions.language_check_s) into `stats`; a decode again
    (a segment over a long silence, a skipped region) is each piece on its own, as the retry means it.
    """
    workers = getattr(model.model, "num_workers", options.num_workers)

    def many(pieces: list[np.ndarray], words: list[bool], packable: list[bool], language_s: float = 0.0) -> list[list]:
        pack = PackSettings(options.pack_s, options.pack_gap_s, tuple(packable), options.pack_each,
                            options.pack_margin_s, options.pack_tokens_per_s, options.pack_context_s)
        decoded, more = transcribe_many(model, pieces, [options.transcribe_kwargs(w) for w in words],
                                        options.batch_size, workers, options.encode_pad_s, options.encode_step_s,
                                        pack, language_s, options.loop_kwargs())
        stats.add(more)
        return decoded

    cut = [audio[int(j.start * SAMPLE_RATE):int(j.end * SAMPLE_RATE)] for j in jobs]
    pieces = [c if j.context is None or not c.size else _join(c, j.context, gap_s, False)[0]
              for j, c in zip(jobs, cut, strict=True)]
    # the first round's spans are packed; a short region joined to context is a construct of its own, decoded alone
    decoded = many(pieces, [j.words or j.context is not None for j in jobs],
                   [first and j.context is None for j in jobs],
                   max(0.0, options.language_check_s - stats.language_s) if first else 0.0)  # once a channel
    out: list[list[Segment]] = []
    after: dict[int, tuple[list, list]] = {}
    for k, (job, piece, segs) in enumerate(zip(jobs, cut, decoded, strict=True)):
        out.append(_segments(segs, job.start, job.words) if job.context is None else [])
        if job.context is not None and piece.size:
            joined, join = _join(piece, job.context, gap_s, False)
            found = _ours(segs, join, -(len(joined) - len(piece)) / SAMPLE_RATE, False)
            if found[0]:
                after[k] = found
    again = list(after)
    joins = [_join(cut[k], jobs[k].context, gap_s, True) for k in again]  # type: ignore[arg-type]
    second = many([j for j, _ in joins], [True] * len(joins), [False] * len(joins))
    for k, (_, join), segs in zip(again, joins, second, strict=True):
        out[k] = _agreed(after[k], _ours(segs, join, 0.0, True), jobs[k].start, jobs[k].end)
    return out


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
    """Decode one channel's speech regions, every window with `options` (`channel_decodes` without an opening)."""
    steps = channel_decodes(model, audio, regions, options, windows, max_gap_s, split_at_regions, others)
    next(steps)
    return finish_decodes(steps, None)


def finish_decodes(steps: Generator[list[Segment], AsrOptions | None, ChannelResult],
                   later: AsrOptions | None) -> ChannelResult:
    """Resume a `channel_decodes` that yielded its opening: the rest with `later` (None: as the opening)."""
    try:
        steps.send(later)
    except StopIteration as done:
        return done.value
    raise RuntimeError("channel_decodes yields once")


def channel_decodes(model, audio: np.ndarray, regions: list[Region], options: AsrOptions,
                    windows: WindowSettings, max_gap_s: float, split_at_regions: bool = False,
                    others: tuple[tuple[np.ndarray, list[Region]], ...] = (),
                    opening_s: float = 0.0) -> Generator[list[Segment], AsrOptions | None, ChannelResult]:
    """Decode one channel's speech regions; regions Whisper skipped are decoded again alone.

    The windows that start before `opening_s` (the call's opening) are decoded first, with `options`; their
    segments are yielded, and the options sent back (None: the same) decode every later window and whatever
    of it is decoded again. So the stage can read what a call's opening said on every channel before it
    chooses how to hear the rest (speech.vocabulary: the domain list only for domain calls).

    Windows are widened by `pad_s`, but never into a neighbouring region's speech (that
    would transcribe its words twice). `others` are the call's other channels (samples,
    regions): context for a short lone region when its own channel has no other speech
    (any real speech helps: on the cut back-channels the other speaker's turn did as well).
    """
    result = ChannelResult()
    raw: list[Segment] = []
    uncovered: list[tuple[Region, AsrOptions]] = []
    limit = len(audio) / SAMPLE_RATE
    planned = plan_windows(regions, windows.max_window_s, max_gap_s)

    def span(first: Region, last: Region) -> tuple[float, float]:
        i, j = regions.index(first), regions.index(last)
        lo = regions[i - 1].end if i > 0 else 0.0
        hi = regions[j + 1].start if j + 1 < len(regions) else limit
        return max(lo, first.start - windows.pad_s), min(hi, last.end + windows.pad_s)

    def alone(region: Region) -> _Job:
        if region.duration < windows.short_region_s:
            context = _context(audio, regions, region, windows.context_s, windows.short_region_s)
            for other_audio, other_regions in others:
                if not context.size:
                    context = _context(other_audio, other_regions, region, windows.context_s, windows.short_region_s)
            if context.size:
                result.context_decodes += 1
                return _Job(*span(region, region), True, context)
        return _Job(*span(region, region), split_at_regions)

    def run(jobs: list[_Job], opts: AsrOptions, first: bool = False) -> list[list[Segment]]:
        return _run(model, audio, jobs, opts, windows.context_gap_s, result.batch, first) if jobs else []

    def run_each(jobs: list[tuple[_Job, AsrOptions]]) -> list[list[Segment]]:
        """Jobs decoded with their own options: one run per distinct options, results in the jobs' order."""
        out: list[list[Segment]] = [[] for _ in jobs]
        for opts in {id(o): o for _, o in jobs}.values():
            idx = [k for k, (_, o) in enumerate(jobs) if o is opts]
            for k, segs in zip(idx, run([jobs[k][0] for k in idx], opts), strict=True):
                out[k] = segs
        return out

    def window_job(w) -> _Job:
        return alone(w.regions[0]) if len(w.regions) == 1 else _Job(*span(w.regions[0], w.regions[-1]),
                                                                    split_at_regions)

    # 1. the opening's windows, then (with the options sent back) every other window, each set at once
    #    (a window of one region is that region decoded alone)
    opening = sum(1 for w in planned if w.regions[0].start < opening_s)
    decoded = run([window_job(w) for w in planned[:opening]], options, first=True)
    later = (yield [s for segs in decoded for s in segs]) or options
    decoded += run([window_job(w) for w in planned[opening:]], later, first=True)
    chosen = [options] * opening + [later] * (len(planned) - opening)
    # 2. segments over a long silence, decoded again region by region
    layout: list[list[Segment | range]] = []
    again: list[tuple[_Job, AsrOptions]] = []
    for window, segs, opts in zip(planned, decoded, chosen, strict=True):
        items: list[Segment | range] = []
        for seg in segs:
            hits = (_bridged(seg, window.regions, windows.resplit_gap_s)
                    if windows.resplit_gap_s > 0 and len(window.regions) > 1 else [])
            shared = any(_overlap(o.start, o.end, r.start, r.end) > 0 for o in segs if o is not seg for r in hits)
            if not hits or shared:
                items.append(seg)
                continue
            result.resplit_segments += 1
            items.append(range(len(again), len(again) + len(hits)))
            again += [(alone(r), opts) for r in hits]
        layout.append(items)
    redone = run_each(again)
    for window, items, opts in zip(planned, layout, chosen, strict=True):
        segs = [s for item in items for s in ([item] if isinstance(item, Segment) else
                                               [p for k in item for p in redone[k]])]
        result.windows += 1
        raw += segs
        if windows.retry_uncovered and len(window.regions) > 1:
            uncovered += [(r, opts) for r in _skipped(window.regions, segs, windows.min_covered_s)]
    # 3. regions Whisper skipped, decoded again alone
    for segs in run_each([(alone(region), opts) for region, opts in uncovered]):
        raw += segs
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
