"""The speech stage: one call's audio in, a masked, time-ordered dialogue out.

decode -> channels by the manifest's layout -> telephone-band channels low-passed (speech.band) ->
VAD per channel -> Whisper per window -> hallucination guards -> Simplified text, numbers
normalised -> insurance terms restored by sound -> PII masked -> turns of both speakers merged
by start time (overlapping turns are kept, both of them).
Nothing unmasked leaves this function.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from importlib import metadata
from pathlib import Path

from callintel.files import file_sha256
from callintel.model_files import whisper_model_dir
from callintel.records import CallRecord, Transcript, Utterance
from callintel.settings import Settings
from callintel.speech import SPEECH_CODE_VERSION
from callintel.speech.asr import AsrOptions, ChannelResult, Segment, channel_decodes, finish_decodes, load_model
from callintel.speech.band import BandSettings, condition
from callintel.speech.batch import BatchStats
from callintel.speech.channels import assign_channels
from callintel.speech.decode import SAMPLE_RATE, SpeechError, decode
from callintel.speech.guards import GuardSettings, clean_segment_text, phantoms_for
from callintel.speech.normalize import to_simplified
from callintel.speech.roles import Clause, SpeakerCues, clauses, decode_roles
from callintel.speech.text import TextCleaner
from callintel.speech.vad import VadSettings, WindowSettings, speech_regions, speech_seconds
from callintel.speech.vocabulary import Vocabulary

__all__ = ["SpeechError", "cache_key", "transcribe_call", "transcript_from_json", "transcript_to_json"]

log = logging.getLogger(__name__)

# [speech] keys that name a file in configs/: their contents are part of the cache key.
CONFIG_FILE_KEYS = ("phantom_lines", "speaker_cues", "vocabulary")
MIN_LANGUAGE_S = 2.0  # seconds of speech below which the language check does not judge
# Packages whose version changes the text produced.
PACKAGES = ("faster-whisper", "ctranslate2", "opencc", "cn2an", "onnxruntime",
            "cpca",   # cpca: its place names are terms the repair restores (speech/domain_terms.py)
            "jieba",  # jieba: its dictionary frequencies decide which short heard spans the repair may rewrite
            "pypinyin")  # pypinyin: the sounds and tones the repair and the name masking compare


def file_digest(path: Path) -> str:
    """A config file's hash for a cache key ("missing" when absent); the transcript key uses it too."""
    try:
        return file_sha256(path)
    except OSError:
        return "missing"


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape a transcript: part of the audio and transcript cache keys."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def cache_key(audio_sha256: str, channel_layout: str, settings: Settings) -> str:
    """Same audio + layout + model + every speech setting and config file + code -> same transcript.

    Covers the whole [speech] section (VAD, windows, guards, normalisation, redaction rules,
    prompt mode; of [speech.terms] only that it is off, when it is), the model weights' sha256, the
    contents of each config file the section names (phantom lines, speaker cues, vocabulary, term lists,
    the learned confusions), the speech code version and the versions of the packages that shape the text.
    """
    speech = settings["speech"]
    files = {key: file_digest(settings.config_file(speech[key])) for key in CONFIG_FILE_KEYS if speech.get(key)}
    files |= {name: file_digest(path) for name, path in TextCleaner.files(settings).items()}
    vocabulary = Vocabulary.from_settings(speech, settings)
    if vocabulary.active:  # what Whisper is offered, and the lexicon that decides which calls hear it
        files["vocabulary_gate"] = file_digest(settings.config_file(speech["vocabulary_gate_model"]))
        if speech["vocabulary_source"] == "analytics":
            files |= {f"vocabulary:{name}": file_digest(settings.config_file(name)) for name in
                      (settings["topics"]["taxonomy"], settings["profiles"]["patterns"])}
    if speech.get("speaker_cues"):
        model = SpeakerCues.load(settings.config_file(speech["speaker_cues"])).ngram_model
        files["role_ngrams"] = file_digest(Path(model)) if model else "none"
    blob = json.dumps({
        "audio": audio_sha256,
        "layout": channel_layout,
        # a repair that is off shapes nothing, whatever its other keys say (eval e2e caches text so recognised)
        "speech": speech if speech["terms"]["enabled"] else {**speech, "terms": {"enabled": False}},
        "model": settings["models"][speech["model"]].get("model_bin_sha256"),
        "files": files,
        "code": SPEECH_CODE_VERSION,
        "packages": package_versions(),
    }, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class _Stage:
    """Everything transcribe_call needs from settings, parsed once per call."""

    def __init__(self, settings: Settings):
        speech = settings["speech"]
        self.speech = speech
        self.vocabulary = Vocabulary.from_settings(speech, settings)
        self.asr = AsrOptions.from_settings(speech)
        # the same options with the domain list, for the channels and windows that may hear it (speech.vocabulary)
        self.asr_vocabulary = (AsrOptions.from_settings(speech, prompt=self.vocabulary.prompt(),
                                                        hotwords=self.vocabulary.hotwords())
                               if self.vocabulary.active else None)
        self.band = BandSettings.from_settings(speech)
        self.vad = VadSettings.from_settings(speech)
        self.windows = WindowSettings.from_settings(speech)
        self.guards = GuardSettings.from_settings(speech)
        self.text = TextCleaner.from_settings(settings)
        self.phantoms = phantoms_for(settings.config_file(speech["phantom_lines"]))
        self.cues_path = settings.config_file(speech["speaker_cues"])
        self.max_duration_s = float(speech["max_duration_s"])
        self.same_channels_min_corr = float(speech["same_channels_min_corr"])
        self.language_check = bool(speech["language_check"])
        self.language_min_prob = float(speech["language_min_prob"])
        self.parallel_channels = bool(speech["parallel_channels"])

    def clean(self, segments: list[Segment], dropped: dict[str, int],
              names: set[str] | None = None, on: date | None = None) -> list[tuple[Segment, str, int | None]]:
        """Kept segments with their masked text and the age an ID number or birth date in them gives on `on`."""
        out = []
        for seg in segments:
            text, why = clean_segment_text(seg.text, seg.compression_ratio, seg.no_speech_prob, seg.avg_logprob,
                                           self.guards, self.phantoms)
            if why:
                dropped[why] = dropped.get(why, 0) + 1
                continue
            text, age = self.text.clean_with_age(text, on, names)
            if text:
                out.append((seg, text, age))
        return out


def mono_utterances(segments: list[Segment], stage: _Stage, dropped: dict[str, int],
                    audio=None, names: set[str] | None = None, on: date | None = None) -> list[Utterance]:
    """One mixed track's segments -> utterances with inferred roles (speech.roles).

    Whisper writes both speakers into one segment when they follow each other closely, so each
    segment is cut into clauses at its word timings, the clauses get roles (speech.roles.decode_roles:
    cue words, voice, where segments start), and consecutive clauses of one role make one utterance.
    """
    cues = SpeakerCues.load(stage.cues_path)
    pieces: list[tuple[int, Clause]] = []
    for n, seg in enumerate(segments):
        groups = clauses(seg.words, cues.clause_pause_s) if seg.words else [[(seg.start, seg.end, seg.text)]]
        for k, ws in enumerate(groups):
            raw = "".join(w[2] for w in ws)
            pieces.append((n, Clause(to_simplified(raw).strip(), ws[0][0], ws[-1][1], k == 0)))
    roles = decode_roles([c for _, c in pieces], audio, cues)
    merged: list[tuple[Segment, str]] = []
    last: tuple[int, str] | None = None
    for (n, clause), role in zip(pieces, roles, strict=True):
        seg = segments[n]
        if last == (n, role):
            merged[-1][0].end, merged[-1][0].text = clause.end, merged[-1][0].text + clause.text
        else:
            merged.append((Segment(clause.start, clause.end, clause.text, seg.avg_logprob, seg.no_speech_prob,
                                   seg.compression_ratio), role))
        last = (n, role)
    out = []
    for piece, role in merged:
        for s, text, age in stage.clean([piece], dropped, names, on):
            out.append(Utterance(role, round(s.start, 2), round(s.end, 2), text, 0, round(s.avg_logprob, 3),
                                 round(s.no_speech_prob, 3), age))
    return out


def _language_note(language: str, prob: float, all_probs, stage: _Stage) -> str | None:
    """The warning for a call whose speech sounds like `language` (p=`prob`), if that is not the configured one."""
    wanted = stage.asr.language
    p_wanted = dict(all_probs).get(wanted, 0.0)
    if language != wanted and p_wanted < stage.language_min_prob:
        return (f"the speech sounds like '{language}' (p={prob:.2f}), not '{wanted}' (p={p_wanted:.2f}); "
                f"it was transcribed as '{wanted}', so the text is likely wrong; check the call")
    return None


def _window_language(results: list[ChannelResult | None]) -> tuple[float, tuple[str, float, dict] | None]:
    """Seconds of the channels' windows whose language was read on their own encoder passes (speech.batch),
    and the language they sound like (None below MIN_LANGUAGE_S: too little speech to judge)."""
    votes = BatchStats()
    for result in results:
        if result is not None:
            votes.add(BatchStats(language_s=result.batch.language_s, languages=dict(result.batch.languages)))
    return votes.language_s, votes.language() if votes.language_s >= MIN_LANGUAGE_S else None


def _language_warning(model, channels, regions_by_channel, stage: _Stage) -> str | None:
    """A warning when the speech does not sound like the configured language (one encoder pass of its own:
    only when no window's language was read on the way, `_window_language`)."""
    import numpy as np

    pieces, total = [], 0.0
    for ch, regions in zip(channels, regions_by_channel, strict=True):
        for r in regions:
            if total >= 30.0:
                break
            pieces.append(ch.samples[int(r.start * SAMPLE_RATE):int(r.end * SAMPLE_RATE)])
            total += r.duration
    if total < MIN_LANGUAGE_S:
        return None  # too little speech to judge
    language, prob, all_probs = model.detect_language(np.concatenate(pieces)[:30 * SAMPLE_RATE])
    return _language_note(language, prob, all_probs, stage)


def _decode_channels(model, channels, regions_by_channel, stage: _Stage, pool: ThreadPoolExecutor,
                     call_id: str) -> list[ChannelResult | None]:
    """Every channel's windows through Whisper (None for a channel without speech), in parallel on `pool`.

    With a gated vocabulary (speech.vocabulary) every channel first decodes its opening (windows starting in
    the call's first `gate_s` seconds) without the list; when their text together names enough domain words,
    the channels that may hear the list decode their later windows with it, else as the opening.
    """
    vocabulary, offered = stage.vocabulary, stage.asr_vocabulary
    gated = offered is not None and vocabulary.gate_s > 0

    def start(ch, regions):
        if not regions:
            return None
        may_hear = offered is not None and vocabulary.for_channel(ch.role)
        max_gap = stage.windows.mono_max_gap_s if ch.role == "unknown" else stage.windows.max_gap_s
        others = tuple((o.samples, r) for o, r in zip(channels, regions_by_channel, strict=True) if o is not ch)
        return channel_decodes(model, ch.samples, regions, offered if may_hear and not gated else stage.asr,
                               stage.windows, max_gap,
                               split_at_regions=ch.role == "unknown" and stage.windows.mono_split_words,
                               others=others, opening_s=vocabulary.gate_s if gated else 0.0)

    steps = list(pool.map(start, channels, regions_by_channel))
    openings = list(pool.map(lambda step: next(step) if step is not None else [], steps))
    domain = False
    if gated:
        heard = vocabulary.heard([s.text for segs in openings for s in segs])
        domain = vocabulary.names_domain(heard)
        log.info("%s: opening names %s: %s", call_id, "/".join(heard) or "no domain word",
                 "the domain list is offered from there" if domain else "no list")

    def finish(step, ch) -> ChannelResult | None:
        return None if step is None else finish_decodes(
            step, offered if domain and vocabulary.for_channel(ch.role) else None)

    return list(pool.map(finish, steps, channels))


def transcribe_call(call: CallRecord, settings: Settings, audio_sha256: str | None = None) -> Transcript:
    """Transcribe one call; raises SpeechError with an actionable reason on bad input.

    `audio_sha256` is what the flow hashed when it planned the night; the stage hashes the
    bytes it actually decodes and warns if the file changed in between.
    """
    t0 = time.perf_counter()
    stage = _Stage(settings)
    audio = decode(call.audio_path, call.channel_layout != "mono", stage.max_duration_s)
    warnings = list(audio.warnings)
    if audio_sha256 and audio_sha256 != audio.sha256:
        warnings.append("the audio file changed after the night was planned; transcribed the current file")
    sha = audio.sha256
    channels, more = assign_channels(audio, call.channel_layout, stage.same_channels_min_corr)
    warnings += more
    for ch in channels:
        ch.samples, _narrow = condition(ch.samples, stage.band)
    # channels in parallel (VAD, then Whisper): one long call uses as many cores as the model has replicas
    pool = ThreadPoolExecutor(max(1, min(len(channels), stage.asr.num_workers)) if stage.parallel_channels else 1)
    regions_by_channel = list(pool.map(lambda ch: speech_regions(ch.samples, stage.vad), channels))
    utterances: list[Utterance] = []
    names: set[str] = set()  # names masked in any utterance: masked in every one (TextCleaner.mask_names)
    role_method = "channel"
    dropped: dict[str, int] = {}
    if any(regions_by_channel):
        model = load_model(whisper_model_dir(settings), stage.asr)
        try:
            results = _decode_channels(model, channels, regions_by_channel, stage, pool, call.call_id)
            if stage.language_check:
                read_s, heard = _window_language(results)
                note = (_language_note(*heard, stage) if heard
                        else None if read_s else _language_warning(model, channels, regions_by_channel, stage))
                if note:
                    warnings.append(note)
            for ch, regions, result in zip(channels, regions_by_channel, results, strict=True):
                if ch.role != "unknown" and not regions:
                    warnings.append(f"no speech found on the {ch.role} channel ({ch.side})")
                    continue
                if result is None:
                    continue
                if ch.role == "unknown":
                    mono = mono_utterances(result.segments, stage, dropped, ch.samples, names, call.night)
                    role_method = "greeting" if mono else "unknown"  # the documented name for "mono, inferred"
                    utterances += mono
                    continue
                kept = stage.clean(result.segments, dropped, names, call.night)
                if not kept:
                    warnings.append(f"{speech_seconds(regions):.1f} s of voice activity on the {ch.role} channel "
                                    f"({ch.side}) but no words recognised (music, noise or another language?)")
                utterances += [Utterance(ch.role, round(s.start, 2), round(s.end, 2), text, ch.index,
                                         round(s.avg_logprob, 3), round(s.no_speech_prob, 3), age)
                               for s, text, age in kept]
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise SpeechError("transcribe", f"Whisper failed on {call.audio_path.name}: "
                              f"{type(exc).__name__}: {exc}") from exc
    pool.shutdown()
    utterances = stage.text.mask_names(sorted(utterances, key=lambda u: (u.start, u.end)), names, call.night)
    if dropped:
        warnings.append("dropped as likely hallucination: " + ", ".join(f"{v} {k}" for k, v in sorted(dropped.items())))
    if not utterances:
        warnings.append("no speech found in the recording (silent, music-only or not speech)")
    if stage.text.terms_restored:
        log.info("%s: %d insurance term(s) restored by sound", call.call_id, stage.text.terms_restored)
    return Transcript(call.call_id, sha, round(audio.duration_s, 3), utterances,
                      cache_key(sha, call.channel_layout, settings), warnings,
                      round(time.perf_counter() - t0, 3), role_method)


def transcript_to_json(t: Transcript) -> str:
    return json.dumps(asdict(t), ensure_ascii=False)


def transcript_from_json(blob: str) -> Transcript:
    data = json.loads(blob)
    # JSON has lists only: a turn's parts come back as the tuples the stage made
    data["utterances"] = [Utterance(**(u | {"parts": tuple(tuple(p) for p in u.get("parts", ()))}))
                          for u in data["utterances"]]
    return Transcript(**data)
