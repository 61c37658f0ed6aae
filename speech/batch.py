"""Whisper on many windows at once: what `WhisperModel.transcribe` gives for each, spread over the replicas.

The stage decodes a call window by window (speech.asr). Here a channel's windows are decoded as
batches (`model.model.generate` takes several windows' encoder outputs, as faster-whisper's own
BatchedInferencePipeline uses it), with exactly the prompt, beam, suppression and timestamp rules
of `transcribe`; a window whose first pass `transcribe` would not accept as final is decoded again
alone, the old way (faster-whisper's own `generate_segments`, reusing the batch's encoder output):

- a pass that fails a fallback check (compression ratio, log-probability) would be decoded again at
  higher temperatures (with no higher temperature configured, `transcribe` keeps it, and so does this);
- a pass that does not reach the window's end (Whisper stopped mid-window) would seek on.

One step `transcribe` does not take: with `loops` ([speech] loop_*), a window whose pass loops (fails the
compression check) is decoded again forbidding the loop, deterministically (`_unlooped`); what the temperature
fallback, off for determinism, used to bring back by chance.

So the text is what one-by-one decoding writes (tests/test_speech_batch.py), on the same CPU: a
batched matrix product may round differently from a single one, and on a knife-edge window (Whisper
on pure digital silence, which it only ever fills with invented words) that changed the text on
another machine. A piece with no signal at all (every sample below one 16-bit step) is therefore
never decoded, by either path: it gives nothing. What batching buys on
CPU, measured (int8, 1 thread, 8 windows of 3-6 s): the encoder is ~80% of the time and costs more
batched (8.9 vs 7.6 CPU s: so windows are encoded one by one here); the beam search, batched, saves
~15% (2.7 -> 2.3 CPU s).
The gain is elsewhere: batches are fixed by `batch_size` alone (never by the machine, so a call gives
the same batches on a laptop and on a Dask worker) and run in parallel on the model's replicas
(`num_workers`), which is how one long call uses every core. The encoder's cost is cut only by
shortening its input (`encoder_frames`), which changes the text (bench/bench_speech.py long).
"""

from __future__ import annotations

import inspect
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import (
    Segment,
    TranscriptionOptions,
    Word,
    get_compression_ratio,
    get_suppressed_tokens,
)
from faster_whisper.utils import get_end

from callintel.speech.pack import (
    join_pieces,
    member_frames,
    plan_packs,
    split_pack,
    suppressed_outside,
    timed_pieces,
    timestamp_window,
)


@dataclass
class BatchStats:
    """How many pieces went through a batch, and how many were decoded again alone (and why)."""

    batched: int = 0
    fallback: int = 0  # failed a temperature-0 check and decoded again: by the temperature fallback (when more
    # than one temperature is configured), or, for a pack, its windows alone; with one, a window's pass is kept
    continued: int = 0  # Whisper stopped before the window's end: decoded again, seeking on
    long: int = 0  # longer than Whisper's 30 s: decoded the old way directly
    looped: int = 0  # pieces whose text failed the compression check, decoded again against loops (`_unlooped`)
    unlooped: int = 0  # of those, the ones whose new text passed and was kept
    packs: int = 0  # packs of several windows decoded as one Whisper input (speech.pack)
    packed: int = 0  # windows whose text came from a pack (the others were decoded alone)
    language_s: float = 0.0  # seconds of windows whose language was read from their encoder output
    languages: dict[str, float] = field(default_factory=dict)  # language -> probability x seconds, summed

    def add(self, other: BatchStats) -> None:
        for f in fields(self):
            mine, theirs = getattr(self, f.name), getattr(other, f.name)
            if isinstance(mine, dict):
                for k, v in theirs.items():
                    mine[k] = mine.get(k, 0.0) + v
            else:
                setattr(self, f.name, mine + theirs)

    def language(self) -> tuple[str, float, dict[str, float]] | None:
        """(most likely language, its probability, every language's), averaged over the windows read; None
        when no window was."""
        if self.language_s <= 0:
            return None
        probs = {k: v / self.language_s for k, v in self.languages.items()}
        best = max(probs, key=lambda k: probs[k])
        return best, probs[best], probs


@dataclass(frozen=True)
class PackSettings:
    """Which pieces may share one Whisper input, how full it gets and the silence between them (speech.pack)."""

    capacity_s: float  # 0 = never pack
    gap_s: float
    packable: tuple[bool, ...]
    each: bool = False  # encode a pack once, decode each member alone from it (`_decode_members`)
    margin_s: float = 1.0  # a member's decode may place timestamps this far past its end
    tokens_per_s: float = 15.0  # a member's decode stops after this many tokens per second of it (+ 1 s worth)
    context_s: float = -1.0  # a member's decode reads the encoder output this far around its span (< 0: all)


def transcription_options(model, tokenizer: Tokenizer, kwargs: dict) -> TranscriptionOptions:
    """The TranscriptionOptions `model.transcribe(**kwargs)` builds (its defaults read from its signature)."""
    params = inspect.signature(type(model).transcribe).parameters
    d = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty} | kwargs
    temperature = d["temperature"]
    clip = d["clip_timestamps"]
    return TranscriptionOptions(
        beam_size=d["beam_size"], best_of=d["best_of"], patience=d["patience"], length_penalty=d["length_penalty"],
        repetition_penalty=d["repetition_penalty"], no_repeat_ngram_size=d["no_repeat_ngram_size"],
        log_prob_threshold=d["log_prob_threshold"], no_speech_threshold=d["no_speech_threshold"],
        compression_ratio_threshold=d["compression_ratio_threshold"],
        condition_on_previous_text=d["condition_on_previous_text"],
        prompt_reset_on_temperature=d["prompt_reset_on_temperature"],
        temperatures=list(temperature) if isinstance(temperature, list | tuple) else [temperature],
        initial_prompt=d["initial_prompt"], prefix=d["prefix"], suppress_blank=d["suppress_blank"],
        suppress_tokens=(get_suppressed_tokens(tokenizer, d["suppress_tokens"]) if d["suppress_tokens"]
                         else d["suppress_tokens"]),
        without_timestamps=d["without_timestamps"], max_initial_timestamp=d["max_initial_timestamp"],
        word_timestamps=d["word_timestamps"], prepend_punctuations=d["prepend_punctuations"],
        append_punctuations=d["append_punctuations"], multilingual=d["multilingual"],
        max_new_tokens=d["max_new_tokens"],
        clip_timestamps=[float(t) for t in clip.split(",")] if isinstance(clip, str) else clip,
        hallucination_silence_threshold=d["hallucination_silence_threshold"], hotwords=d["hotwords"])


def batchable(kwargs: dict) -> bool:
    """Only plain greedy-first decoding is batched; anything else takes the old path."""
    temps = kwargs["temperature"]
    first = temps[0] if isinstance(temps, list | tuple) else temps
    return (first == 0 and not kwargs.get("vad_filter") and not kwargs.get("condition_on_previous_text")
            and not kwargs.get("multilingual") and kwargs.get("language") is not None
            and not kwargs.get("hallucination_silence_threshold") and not kwargs.get("prefix"))


def _split(n: int, batch_size: int) -> list[range]:
    """0..n in ceil(n / batch_size) consecutive, near-equal batches (depends on n and batch_size only)."""
    if n == 0:
        return []
    count = -(-n // batch_size)
    bounds = [round(i * n / count) for i in range(count + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds)]


def _item(encoder_output: ctranslate2.StorageView, i: int) -> ctranslate2.StorageView:
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(encoder_output)[i:i + 1]))


def _decoding(model, kw: dict) -> tuple[Tokenizer, TranscriptionOptions]:
    """The tokenizer and options `model.transcribe(**kw)` decodes with."""
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task=kw.get("task", "transcribe"),
                          language=kw["language"])
    return tokenizer, transcription_options(model, tokenizer, kw)


def _prompt(model, tokenizer: Tokenizer, options: TranscriptionOptions, without_timestamps: bool) -> list[int]:
    """The first pass's prompt tokens, as `transcribe` builds them: the initial prompt (text or tokens), hotwords."""
    previous: list[int] = []
    if options.initial_prompt is not None:
        previous = (tokenizer.encode(" " + options.initial_prompt.strip()) if isinstance(options.initial_prompt, str)
                    else list(options.initial_prompt))
    return model.get_prompt(tokenizer, previous, without_timestamps=without_timestamps, prefix=None,
                            hotwords=options.hotwords)


def encoder_frames(samples: int, pad_s: float, step_s: float, sampling_rate: int = 16000,
                   max_frames: int = 3000) -> int:
    """Mel frames the encoder sees for a piece: its length plus `pad_s`, rounded up to `step_s`, at most 30 s.

    Whisper pads every input to 30 s, and its encoder costs the same for a 3 s turn as for 30 s of
    speech (it is ~80% of the stage's CPU time); CTranslate2 also runs it on a shorter input, for
    proportionally less. `pad_s` <= 0 keeps Whisper's 30 s.
    """
    if pad_s <= 0:
        return max_frames
    per_s = 100  # mel frames per second (hop 160 at 16 kHz)
    step = max(1, round(step_s * per_s))
    need = samples / sampling_rate * per_s + pad_s * per_s
    return min(max_frames, int(-(-need // step) * step))


def _read_language(model, encoder_output: ctranslate2.StorageView, sizes: list[int], budget_s: float,
                   stats: BatchStats) -> None:
    """The language of the batch's first pieces, up to `budget_s` seconds of them, from their encoder output.

    The stage warns when a call does not sound like [speech] language; reading it here costs one decoder
    step per piece instead of an encoder pass of its own per call (speech.stage._language_warning).
    """
    seconds, take = 0.0, 0
    for size in sizes:
        if seconds >= budget_s:
            break
        seconds += size * model.feature_extractor.time_per_frame
        take += 1
    if not take:
        return
    head = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(encoder_output)[:take]))
    for size, ranked in zip(sizes, model.model.detect_language(head), strict=False):
        weight = size * model.feature_extractor.time_per_frame
        stats.language_s += weight
        for token, prob in ranked:
            stats.languages[token[2:-2]] = stats.languages.get(token[2:-2], 0.0) + prob * weight


def _decode_batch(model, tokenizer: Tokenizer, options: TranscriptionOptions, features: list[np.ndarray],
                  frames_in: int, stats: BatchStats, redo: bool = True,
                  language_s: float = 0.0) -> list[list[Segment] | None]:
    """One batched first pass over `features` (each a piece's whole log-Mel, at most 30 s), the encoder
    seeing `frames_in` frames of each (the piece, then padding); with `language_s`, the language of the
    first of them read on the way (`_read_language`).

    A piece whose first pass `transcribe` would not accept is decoded again the old way, or, with
    `redo` off (a pack of windows, speech.pack), left None for the caller to decode its windows alone."""
    frames = [f.shape[-1] - 1 for f in features]
    sizes = [min(model.feature_extractor.nb_max_frames, c) for c in frames]
    stacked = np.stack([pad_or_trim(f[:, :s], frames_in) for f, s in zip(features, sizes, strict=True)])
    # encoded one by one (batched, the encoder cost 17% more CPU here), decoded as one batch
    encoder_output = ctranslate2.StorageView.from_array(
        np.ascontiguousarray(np.concatenate([np.asarray(model.encode(x)) for x in stacked])))
    if language_s > 0 and frames_in == model.feature_extractor.nb_max_frames:  # Whisper's own 30 s input
        _read_language(model, encoder_output, sizes, language_s, stats)
    prompt = _prompt(model, tokenizer, options, options.without_timestamps)
    max_length = len(prompt) + options.max_new_tokens if options.max_new_tokens is not None else model.max_length
    results = model.model.generate(
        encoder_output, [list(prompt) for _ in features], length_penalty=options.length_penalty,
        repetition_penalty=options.repetition_penalty, no_repeat_ngram_size=options.no_repeat_ngram_size,
        max_length=max_length, return_scores=True, return_no_speech_prob=True,
        suppress_blank=options.suppress_blank, suppress_tokens=options.suppress_tokens,
        max_initial_timestamp_index=round(options.max_initial_timestamp / model.time_precision),
        beam_size=options.beam_size, patience=options.patience)
    out: list[list[Segment]] = []
    for i, result in enumerate(results):
        item = None
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * (len(tokens) ** options.length_penalty) / (len(tokens) + 1)
        compression_ratio = get_compression_ratio(tokenizer.decode(tokens).strip())
        # generate_with_fallback's checks at temperature 0
        silence = (options.no_speech_threshold is not None and result.no_speech_prob > options.no_speech_threshold
                   and options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold)
        fails = ((options.compression_ratio_threshold is not None
                  and compression_ratio > options.compression_ratio_threshold)
                 or (options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold))
        # with one temperature `transcribe` keeps a failing pass, and so does a window decoded here; a failing
        # pack (redo off) is still left for its windows to be decoded alone: its text is one pass over several
        if fails and not silence and (len(options.temperatures) > 1 or not redo):
            stats.fallback += 1
            out.append(_old_way(model, tokenizer, options, features[i], _item(encoder_output, i)) if redo else None)
            continue
        stats.batched += 1
        if (options.no_speech_threshold is not None and result.no_speech_prob > options.no_speech_threshold
                and not (options.log_prob_threshold is not None and avg_logprob > options.log_prob_threshold)):
            out.append([])  # transcribe skips a window it judges silent
            continue
        duration = sizes[i] * model.feature_extractor.time_per_frame
        segments, seek, single_ending = model._split_segments_by_timestamps(
            tokenizer=tokenizer, tokens=tokens, time_offset=0.0, segment_size=sizes[i], segment_duration=duration,
            seek=0)
        if options.word_timestamps:
            item = _item(encoder_output, i)
            model.add_word_timestamps([segments], tokenizer, item, sizes[i], options.prepend_punctuations,
                                      options.append_punctuations, last_speech_timestamp=0.0)
            if not single_ending:
                last_word_end = get_end(segments)
                if last_word_end is not None and last_word_end > 0.0:
                    seek = round(last_word_end * model.frames_per_second)
        if seek < frames[i]:
            stats.batched -= 1
            stats.continued += 1
            out.append(_old_way(model, tokenizer, options, features[i], item or _item(encoder_output, i))
                       if redo else None)
            continue
        kept = []
        for seg in segments:
            text = tokenizer.decode(seg["tokens"])
            if seg["start"] == seg["end"] or not text.strip():
                continue
            kept.append(Segment(
                id=len(kept) + 1, seek=0, start=seg["start"], end=seg["end"], text=text, tokens=seg["tokens"],
                avg_logprob=avg_logprob, compression_ratio=compression_ratio, no_speech_prob=result.no_speech_prob,
                words=[Word(**w) for w in seg["words"]] if options.word_timestamps else None, temperature=0.0))
        out.append(kept)
    return out


def _old_way(model, tokenizer: Tokenizer, options: TranscriptionOptions, features: np.ndarray,
             encoder_output: ctranslate2.StorageView | None) -> list[Segment]:
    """`transcribe`'s own loop (temperature fallback, seeking on) for one piece."""
    return list(model.generate_segments(features, tokenizer, options, False, encoder_output))


DIGITAL_SILENCE = 1 / 32768  # one 16-bit quantisation step: a piece quieter than this holds no signal


def has_signal(piece: np.ndarray) -> bool:
    """False for an empty piece or one of pure digital silence (nothing for Whisper to hear)."""
    return bool(piece.size) and float(np.abs(piece).max()) >= DIGITAL_SILENCE


def _batch_job(model, pieces: list[np.ndarray], kw: dict, frames: int, redo: bool,
               stats: BatchStats, language_s: float = 0.0) -> list[list[Segment] | None]:
    """`pieces` (same options, same encoder length) through one batched first pass."""
    tokenizer, options = _decoding(model, kw)
    features = [model.feature_extractor(piece) for piece in pieces]
    return _decode_batch(model, tokenizer, options, features, frames, stats, redo, language_s)


def _decode_members(model, piece: np.ndarray, bounds: list[tuple[float, float]], words: list[bool], kw: dict,
                    pack: PackSettings, stats: BatchStats, language_s: float = 0.0) -> list[list[Segment] | None]:
    """A pack encoded once, each member decoded alone from that encoder output, timed from its own start.

    Each decode is `transcribe`'s first pass for the member (prompt, beam, checks), with its timestamps held
    to the member's span (speech.pack.timestamp_window): it starts with no text before it and stops where
    the member ends, so no member's text conditions another's. A member whose decode fails a first-pass
    check, is cut by its length limit or writes nothing is None (decoded alone by the caller).
    """
    tokenizer, options = _decoding(model, kw)
    features = model.feature_extractor(piece)
    size = min(model.feature_extractor.nb_max_frames, features.shape[-1] - 1)
    encoder_output = model.encode(pad_or_trim(features[:, :size]))
    if language_s > 0:
        _read_language(model, encoder_output, [size], language_s, stats)
    prompt = _prompt(model, tokenizer, options, without_timestamps=False)
    precision = model.time_precision
    count = model.feature_extractor.nb_max_frames // model.input_stride + 1  # timestamp tokens <|0.00|>..<|30.00|>
    begin = tokenizer.timestamp_begin
    out: list[list[Segment] | None] = []
    total = encoder_output.shape[1]  # encoder frames: 50 a second, one a timestamp step
    for (lo, hi), with_words in zip(bounds, words, strict=True):
        first, last = timestamp_window(lo, hi, pack.margin_s, precision, count - 1)
        new_tokens = int(((hi - lo) + 1.0) * pack.tokens_per_s)
        f0, f1 = member_frames(lo, hi, pack.margin_s, pack.context_s, model.tokens_per_second, total,
                               avoid=model.feature_extractor.mel_filters.shape[0])
        heard = encoder_output if (f0, f1) == (0, total) else ctranslate2.StorageView.from_array(
            np.ascontiguousarray(np.asarray(encoder_output)[:, f0:f1]))
        result = model.model.generate(
            heard, [list(prompt)], length_penalty=options.length_penalty,
            repetition_penalty=options.repetition_penalty, no_repeat_ngram_size=options.no_repeat_ngram_size,
            max_length=min(model.max_length, len(prompt) + new_tokens), return_scores=True,
            return_no_speech_prob=True, suppress_blank=options.suppress_blank,
            suppress_tokens=suppressed_outside(options.suppress_tokens or [], begin, first, last, count),
            max_initial_timestamp_index=first + round(options.max_initial_timestamp / precision),
            beam_size=options.beam_size, patience=options.patience)[0]
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * (len(tokens) ** options.length_penalty) / (len(tokens) + 1)
        compression_ratio = get_compression_ratio(tokenizer.decode(tokens).strip())
        pieces, closed = timed_pieces(tokens, begin, precision)
        fails = ((options.compression_ratio_threshold is not None
                  and compression_ratio > options.compression_ratio_threshold)
                 or (options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold))
        kept = [(a, b, t) for a, b, t in pieces if b > a and tokenizer.decode(t).strip()]
        if fails or not closed or not kept:
            stats.fallback += fails
            out.append(None)
            continue
        segs = [dict(seek=0, start=a, end=b, tokens=t) for a, b, t in kept]
        if with_words:
            model.add_word_timestamps([segs], tokenizer, encoder_output, size, options.prepend_punctuations,
                                      options.append_punctuations, last_speech_timestamp=lo)

        def at(t: float, lo: float = lo, hi: float = hi) -> float:
            return round(min(max(t - lo, 0.0), hi - lo), 3)

        out.append([Segment(
            id=n + 1, seek=0, start=at(seg["start"]), end=at(seg["end"]), text=tokenizer.decode(seg["tokens"]),
            tokens=seg["tokens"], avg_logprob=avg_logprob, compression_ratio=compression_ratio,
            no_speech_prob=result.no_speech_prob,
            words=([Word(at(w["start"]), at(w["end"]), w["word"], w["probability"]) for w in seg["words"]]
                   if with_words else None), temperature=0.0) for n, seg in enumerate(segs)])
    return out


def language_shares(seconds: list[float], budget_s: float) -> list[float]:
    """The language-reading budget each job gets, in order: what is left of `budget_s` before it, else 0.

    A channel's language is read from about `budget_s` seconds of its windows (AsrOptions.language_check_s: the
    packs first, then the windows decoded alone, in order), not from every pack and batch: each reading is a
    decoder step over a whole encoder output (3% of the stage's CPU on bench_speech.py long when every one of
    its 17 packs read it). A job that cannot read (an encoder input shorter than 30 s) is given 0 seconds.
    Depends on the sizes alone, so the same jobs read on any machine, whichever finishes first.
    """
    out, used = [], 0.0
    for s in seconds:
        left = budget_s - used
        out.append(left if left > 0 else 0.0)
        if left > 0:
            used += s
    return out


def _in_parallel(run, jobs: list, workers: int) -> list:
    """`run` over `jobs`, up to `workers` at once (the model's replicas), results in order."""
    if workers > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(min(workers, len(jobs))) as pool:
            return list(pool.map(run, jobs))
    return [run(job) for job in jobs]


def _packed(model, pieces: list[np.ndarray], kwargs: list[dict], batch_size: int, workers: int,
            pack: PackSettings, out: list, stats: BatchStats, language_s: float = 0.0) -> list[int]:
    """Decode the packable pieces in packs (speech.pack), filling `out`; the indices still to decode alone.

    Pieces are packed in their order, among pieces with the same options (word timings aside: a pack is
    always decoded with them, to hand its words back); a pack that fails a first-pass check, and every
    member whose words the pack does not give back for sure (speech.pack.split_pack), is left to the caller.
    """
    rate = model.feature_extractor.sampling_rate
    capacity, gap = int(pack.capacity_s * rate), int(pack.gap_s * rate)
    groups: dict[str, list[int]] = {}
    rest = []
    for i, (piece, kw) in enumerate(zip(pieces, kwargs, strict=True)):
        if pack.packable[i] and has_signal(piece) and batchable(kw) and piece.size <= capacity:
            groups.setdefault(repr(sorted((k, v) for k, v in kw.items() if k != "word_timestamps")), []).append(i)
        else:
            rest.append(i)
    packs = []
    for members in groups.values():
        for part in plan_packs([pieces[i].size for i in members], capacity, gap):
            if len(part) == 1:
                rest.append(members[part[0]])
            else:
                packs.append([members[k] for k in part])
    if not packs:
        return sorted(rest)
    joined = [join_pieces([pieces[i] for i in idx], gap) for idx in packs]
    if pack.each:
        return _each_member(model, pieces, kwargs, workers, pack, packs, joined, out, stats, sorted(rest), language_s)
    jobs = [list(part) for part in _split(len(packs), batch_size)]
    shares = language_shares([sum(joined[p][0].size for p in job) / rate for job in jobs], language_s)

    def run(k: int) -> tuple[list[list[Segment] | None], BatchStats]:
        local, job = BatchStats(), jobs[k]
        kw = kwargs[packs[job[0]][0]] | {"word_timestamps": True}
        return _batch_job(model, [joined[p][0] for p in job], kw, model.feature_extractor.nb_max_frames,
                          False, local, shares[k]), local

    for job, (results, local) in zip(jobs, _in_parallel(run, list(range(len(jobs))), workers), strict=True):
        stats.add(local)
        for p, segs in zip(job, results, strict=True):
            idx, starts = packs[p], joined[p][1]
            stats.packs += 1
            if segs is None:
                rest += idx
                continue
            bounds, words = _member_spans(pieces, kwargs, idx, starts, rate)
            _place(idx, split_pack(segs, bounds, words), out, rest, stats)
    return sorted(rest)


def _member_spans(pieces: list[np.ndarray], kwargs: list[dict], idx: list[int], starts: list[int],
                  rate: int) -> tuple[list[tuple[float, float]], list[bool]]:
    """Each member's (start, end) seconds inside its pack, and whether its caller asked for word timings."""
    bounds = [(a / rate, (a + pieces[i].size) / rate) for a, i in zip(starts, idx, strict=True)]
    return bounds, [bool(kwargs[i].get("word_timestamps")) for i in idx]


def _place(idx: list[int], results: list[list[Segment] | None], out: list, rest: list[int],
           stats: BatchStats) -> None:
    """A pack's members' segments into `out`; a member the pack did not give back for sure into `rest`."""
    for i, mine in zip(idx, results, strict=True):
        if mine is None:
            rest.append(i)
        else:
            out[i] = mine
            stats.packed += 1


def _each_member(model, pieces: list[np.ndarray], kwargs: list[dict], workers: int, pack: PackSettings,
                 packs: list[list[int]], joined: list, out: list, stats: BatchStats, rest: list[int],
                 language_s: float = 0.0) -> list[int]:
    """`_packed` with each member decoded alone from its pack's encoder output (`_decode_members`)."""
    rate = model.feature_extractor.sampling_rate
    shares = language_shares([piece.size / rate for piece, _ in joined], language_s)

    def run(p: int) -> tuple[list[list[Segment] | None], BatchStats]:
        local = BatchStats()
        idx = packs[p]
        bounds, words = _member_spans(pieces, kwargs, idx, joined[p][1], rate)
        return _decode_members(model, joined[p][0], bounds, words, kwargs[idx[0]], pack, local, shares[p]), local

    for p, (results, local) in zip(range(len(packs)), _in_parallel(run, list(range(len(packs))), workers),
                                   strict=True):
        stats.add(local)
        stats.packs += 1
        _place(packs[p], results, out, rest, stats)
    return sorted(rest)


def transcribe_many(model, pieces: list[np.ndarray], kwargs: list[dict], batch_size: int, workers: int = 1,
                    encode_pad_s: float = 0.0, encode_step_s: float = 2.0,
                    pack: PackSettings | None = None, language_s: float = 0.0,
                    loops: dict[str, float | int] | None = None) -> tuple[list[list[Segment]], BatchStats]:
    """For each piece, the segments `model.transcribe(piece, **kwargs[i])` would yield (but a looping one's, below).

    With `pack`, the pieces it marks packable are first decoded several to one Whisper input
    (speech.pack); what a pack does not give back is decoded as below. Pieces are grouped by their
    options (word timestamps or not) and encoder length (`encoder_frames`)
    and decoded `batch_size` at a time, up to `workers` batches at once (the model's replicas);
    `batch_size` <= 1 is the old way (and Whisper's full 30 s encoder input, never packed). An empty or
    digitally silent piece gives [] without being decoded. With `language_s`, the language of the first pieces
    (packs, then batches, in order; up to about that many seconds of them, `language_shares`) is read into the
    stats (`BatchStats.language`). With `loops`, a piece of at most Whisper's 30 s whose text fails the compression
    check (Whisper looping: 那,那,那,... or an ID number's digits over and over) is decoded again with these options
    (`_unlooped`).
    """
    out, stats = _transcribe_many(model, pieces, kwargs, batch_size, workers, encode_pad_s, encode_step_s, pack,
                                  language_s)
    if loops:
        _unlooped(model, pieces, kwargs, (batch_size, workers, encode_pad_s, encode_step_s), loops, out, stats)
    return out, stats


def _looped(segments: list[Segment], kw: dict) -> bool:
    limit = kw.get("compression_ratio_threshold")
    return limit is not None and any(s.compression_ratio > limit for s in segments)


def _unsure(segments: list[Segment], kw: dict) -> bool:
    limit = kw.get("log_prob_threshold")
    return limit is not None and any(s.avg_logprob < limit for s in segments)


def _unlooped(model, pieces: list[np.ndarray], kwargs: list[dict], how: tuple[int, int, float, float],
              loops: dict[str, float | int], out: list[list[Segment]], stats: BatchStats) -> None:
    """Pieces whose text loops, decoded again with `loops` (a repeated n-gram forbidden, or a repetition penalty)
    at temperature 0 alone: beam search, so the same text every run, unlike the temperature fallback. The new text is
    kept where it passes both of Whisper's fallback checks (compression, log-probability), else the old one stays
    (and the guards drop its looping segment, speech.guards). Only pieces Whisper reads as one input (30 s at most):
    a longer one was decoded window by window, and the windows that did not loop keep their text."""
    batch_size, workers, encode_pad_s, encode_step_s = how
    idx = [i for i, segs in enumerate(out) if pieces[i].size <= model.feature_extractor.n_samples
           and _looped(segs, kwargs[i])]
    if not idx:
        return
    redo = [kwargs[i] | loops | {"temperature": [0.0]} for i in idx]
    again, _ = _transcribe_many(model, [pieces[i] for i in idx], redo, batch_size, workers, encode_pad_s, encode_step_s)
    for i, segs in zip(idx, again, strict=True):
        stats.looped += 1
        if segs and not _looped(segs, kwargs[i]) and not _unsure(segs, kwargs[i]):
            out[i] = segs
            stats.unlooped += 1


def _transcribe_many(model, pieces: list[np.ndarray], kwargs: list[dict], batch_size: int, workers: int = 1,
                     encode_pad_s: float = 0.0, encode_step_s: float = 2.0, pack: PackSettings | None = None,
                     language_s: float = 0.0) -> tuple[list[list[Segment]], BatchStats]:
    """`transcribe_many` without the loop redo."""
    stats = BatchStats()
    out: list[list[Segment] | None] = [None] * len(pieces)
    if batch_size <= 1:
        for i, (piece, kw) in enumerate(zip(pieces, kwargs, strict=True)):
            out[i] = list(model.transcribe(piece, **kw)[0]) if has_signal(piece) else []
        return out, stats  # type: ignore[return-value]
    todo = range(len(pieces))
    if pack is not None and pack.capacity_s > 0 and encode_pad_s <= 0:
        todo = _packed(model, pieces, kwargs, batch_size, workers, pack, out, stats, language_s)
    jobs = []
    groups: dict[str, list[int]] = {}
    for i in todo:
        piece, kw = pieces[i], kwargs[i]
        if not has_signal(piece):
            out[i] = []
        elif not batchable(kw) or piece.size > model.feature_extractor.n_samples:
            stats.long += 1
            jobs.append(("old", [i]))
        else:
            frames = encoder_frames(piece.size, encode_pad_s, encode_step_s)
            groups.setdefault(repr((sorted(kw.items()), frames)), []).append(i)
    for members in groups.values():
        jobs += [("batch", [members[j] for j in part]) for part in _split(len(members), batch_size)]
    rate, full = model.feature_extractor.sampling_rate, model.feature_extractor.nb_max_frames

    def reads(kind: str, idx: list[int]) -> bool:  # only a batch with Whisper's own 30 s input reads the language
        return kind == "batch" and encoder_frames(pieces[idx[0]].size, encode_pad_s, encode_step_s) == full

    shares = language_shares([sum(pieces[i].size for i in idx) / rate if reads(kind, idx) else 0.0
                              for kind, idx in jobs], language_s - stats.language_s)  # what the packs left

    def run(k: int) -> tuple[list[int], list[list[Segment]], BatchStats]:
        (kind, idx), local = jobs[k], BatchStats()
        if kind == "old":
            return idx, [list(model.transcribe(pieces[idx[0]], **kwargs[idx[0]])[0])], local
        frames = encoder_frames(pieces[idx[0]].size, encode_pad_s, encode_step_s)
        segs = _batch_job(model, [pieces[i] for i in idx], kwargs[idx[0]], frames, True, local, shares[k])
        return idx, segs, local  # type: ignore[return-value]

    for idx, results, local in _in_parallel(run, list(range(len(jobs))), workers):
        stats.add(local)
        for i, segs in zip(idx, results, strict=True):
            out[i] = segs
    return out, stats  # type: ignore[return-value]
