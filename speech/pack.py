"""Several windows of one channel in one Whisper input: the encoder's 30 s paid once for all of them.

Whisper's encoder always reads 30 s (speech.batch.encoder_frames), so a 3 s turn decoded alone pays
for 30 s; the encoder is ~80% of the stage's CPU time. Here consecutive windows are laid end to end,
`gap_s` of silence between them (a pause Whisper ends a segment at, and room for a word timing that
slips), up to `capacity_s`, and decoded as one piece with word timings. The words are then handed back
to the window they overlap most, timed against that window, so the stage's windows,
guards and timestamps are kept: only the encoder's input changed.

A pack is trusted only where the split is clear: a window none of whose words came back (Whisper stopped
early, or the window holds no words), its neighbours, and windows one segment ran across are returned as
None, and the caller decodes them alone, as before.

Whisper reads a pack as one text, so a word it mishears early conditions the rest (bench_speech.py long:
正义 -> 争议 through one pack); [speech] pack_s says what that costs. With [speech] pack_each the pack is
encoded once and each window decoded alone from that encoder output, its timestamps held to its own span
(`timestamp_window`, `suppressed_outside`): no window's text conditions another's, and a decode cut by
its length limit or writing nothing (`timed_pieces`) sends its window to be decoded alone. The encoder
still hears the whole pack, so a window's text is not what it is alone. Decoding each window from its own
frames of the pack's encoder output alone stopped early on 13 of 45 windows; with its timestamp margin and a
second of context each side ([speech] pack_context_s, `member_frames`) every packed window of bench_speech.py
long kept its decode, but it is off (configs/callintel.toml says why).
"""

from __future__ import annotations

import math

import numpy as np
from faster_whisper.transcribe import Segment, Word


def plan_packs(sizes: list[int], capacity: int, gap: int) -> list[list[int]]:
    """Consecutive indices into packs of at most `capacity` samples, `gap` samples between members.

    A piece longer than `capacity` on its own is a pack of one. Depends on the sizes alone, so a call
    gives the same packs on any machine.
    """
    packs: list[list[int]] = []
    used = 0
    for i, size in enumerate(sizes):
        if packs and used + gap + size <= capacity:
            packs[-1].append(i)
            used += gap + size
        else:
            packs.append([i])
            used = size
    return packs


def join_pieces(pieces: list[np.ndarray], gap: int) -> tuple[np.ndarray, list[int]]:
    """The pieces end to end with `gap` samples of silence between them, and where each starts."""
    silence = np.zeros(gap, np.float32)
    parts, starts, at = [], [], 0
    for k, piece in enumerate(pieces):
        if k:
            parts.append(silence)
            at += gap
        starts.append(at)
        parts.append(piece.astype(np.float32, copy=False))
        at += piece.size
    return np.concatenate(parts), starts


def _owner(start: float, end: float, bounds: list[tuple[float, float]]) -> int:
    """The member a word overlaps most, else the nearest one (a word timed wholly into a gap).

    Overlap, not the midpoint: the first word after a gap is often timed from inside the gap (its
    start drifts into the silence), and by its midpoint it went to the window before.
    """
    overlaps = [max(0.0, min(end, hi) - max(start, lo)) for lo, hi in bounds]
    best = max(range(len(bounds)), key=lambda k: overlaps[k])
    if overlaps[best] > 0:
        return best
    mid = (start + end) / 2
    return min(range(len(bounds)), key=lambda k: min(abs(mid - bounds[k][0]), abs(mid - bounds[k][1])))


def split_pack(segments: list[Segment], bounds: list[tuple[float, float]],
               words: list[bool]) -> list[list[Segment] | None]:
    """A pack's segments -> each member's segments, timed from the member's start.

    `bounds` are the members' (start, end) in the pack (seconds); a segment is cut where its words
    cross from one member to the next and keeps its scores. A member is None (decode it alone) when the
    split is in doubt: it got no word, a neighbour got none (the words may have gone to it: whisper-base's
    word timings drift by seconds over a 30 s input), or one segment ran across its edge.
    `words[k]` says whether member k's segments keep their word timings.
    """
    out: list[list[Segment]] = [[] for _ in bounds]
    doubtful: set[int] = set()
    for seg in segments:
        groups: list[tuple[int, list[Word]]] = []
        for w in seg.words or []:
            k = _owner(w.start, w.end, bounds)
            if groups and groups[-1][0] == k:
                groups[-1][1].append(w)
            else:
                groups.append((k, [w]))
        if len(groups) > 1:  # one segment read across a silence: where it is cut rests on drifting word timings
            doubtful.update(k for k, _ in groups)
        for k, ws in groups:
            lo, hi = bounds[k]
            shift = [Word(round(min(max(w.start - lo, 0.0), hi - lo), 3), round(min(max(w.end - lo, 0.0), hi - lo), 3),
                          w.word, w.probability) for w in ws]
            start, end = shift[0].start, shift[-1].end
            if len(groups) == 1:  # the whole segment in one member: keep its own times
                start = round(min(max(seg.start - lo, 0.0), hi - lo), 3)
                end = round(min(max(seg.end - lo, 0.0), hi - lo), 3)
            text = "".join(w.word for w in ws)
            if not text.strip():
                continue
            out[k].append(Segment(id=len(out[k]) + 1, seek=0, start=start, end=end, text=text, tokens=[],
                                  avg_logprob=seg.avg_logprob, compression_ratio=seg.compression_ratio,
                                  no_speech_prob=seg.no_speech_prob, words=shift if words[k] else None,
                                  temperature=seg.temperature))
    for k, segs in enumerate(out):
        if not segs:  # its words went missing, or to a neighbour by a timing that drifted over the gap
            doubtful.update(j for j in (k - 1, k, k + 1) if 0 <= j < len(out))
    return [None if k in doubtful else segs for k, segs in enumerate(out)]


def timestamp_window(lo_s: float, hi_s: float, margin_s: float, precision: float, last_index: int) -> tuple[int, int]:
    """The timestamp indices a member's decode may use: from its start to its end plus `margin_s`.

    Whisper's timestamps are indices of `precision` seconds into its input; a decode that may neither start
    before its member nor place a timestamp past it (a margin inside the silence between members) reads that
    member alone and ends where it ends, with no text of its neighbours before or after it.
    """
    first = max(0, int(lo_s / precision))
    last = min(last_index, round((hi_s + margin_s) / precision))
    return first, max(first, last)


def member_frames(lo_s: float, hi_s: float, margin_s: float, context_s: float, frames_per_s: float,
                  total: int, avoid: int = 0) -> tuple[int, int]:
    """The encoder frames [first, end) a member's decode reads: its span widened by `margin_s` (the room its
    timestamps have) and `context_s` each side; `context_s` < 0: the whole pack.

    The decoder's cross-attention reads every frame it is given at every step; the encoder has heard the pack
    whole either way. The frames keep their place in time (the encoder's positions are in them), so the
    member's timestamps still count from the pack's start. A slice `avoid` frames long is made one frame
    longer: CTranslate2 takes an input as many frames long as Whisper has mel bands for audio features, not
    for an encoder output, and would encode it again.
    """
    if context_s < 0:
        return 0, total
    first = max(0, int((lo_s - margin_s - context_s) * frames_per_s))
    end = max(min(total, math.ceil((hi_s + margin_s + context_s) * frames_per_s)), first + 1)
    if end - first == avoid:
        first, end = (first, end + 1) if end < total else (first - 1, end)
    return first, end


def suppressed_outside(base: list[int], timestamp_begin: int, first: int, last: int, count: int) -> list[int]:
    """`base` (the decode's suppressed tokens) plus every timestamp token before `first` and after `last`."""
    return (list(base) + [timestamp_begin + i for i in range(first)]
            + [timestamp_begin + i for i in range(last + 1, count)])


def timed_pieces(tokens: list[int], timestamp_begin: int, precision: float
                 ) -> tuple[list[tuple[float, float, list[int]]], bool]:
    """A decode's tokens -> (start s, end s, text tokens) per segment, and whether the last one was closed.

    Whisper writes <|start|> text <|end|> for each segment; a decode stopped by its length limit ends in
    text (not closed), and its member is then decoded alone.
    """
    out: list[tuple[float, float, list[int]]] = []
    start: float | None = None
    text: list[int] = []
    for tok in tokens:
        if tok < timestamp_begin:
            text.append(tok)
            continue
        t = (tok - timestamp_begin) * precision
        if start is not None and text:
            out.append((start, t, text))
            start, text = None, []
        else:
            start = t
    return out, not text
