"""Transcripts made elsewhere: readers that turn a vendor's JSON into turns for the one text path.

A manifest row may name a transcript instead of a recording. Each reader here takes the parsed
JSON and returns plain turns ({speaker, start, end, text}, seconds, in call order); `import_transcript`
checks them and hands them to `speech.text.transcript_from_turns`, so imported text is normalised,
converted to Simplified and PII-masked exactly like Whisper's (a vendor's transcript is not trusted
to be masked). The formats are documented in docs/transcripts.md:

- `callintel`: callintel's own {"format": "callintel-transcript", "call": {...}, "turns": [...]};
- `whisper`: Whisper / faster-whisper segments, one list with a `speaker` per segment, or
  `channels: {agent: {segments}, customer: {segments}}`, or segments without speakers (mono: roles
  inferred from greetings and cue words, as for a mono recording);
- `funasr`: FunASR's `sentence_info` (ms, `spk` ids; the agent is the speaker who greets);
- `aws-call-analytics`: Amazon Transcribe Call Analytics (`Transcript[]`, `ParticipantRole`, ms offsets).

Readers are pure: no file access, no settings beyond the `Labels` they are given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from callintel.records import TRANSCRIPT_FORMATS, CallRecord, Transcript
from callintel.settings import Settings
from callintel.speech import SPEECH_CODE_VERSION
from callintel.speech.roles import SpeakerCues, assign_roles
from callintel.speech.text import TextCleaner, transcript_from_turns

# Bump when a reader change alters the turns it returns: part of every imported transcript's cache key.
# 2: times checked against [speech] max_duration_s, long turns cut ([night] max_turn_chars): a transcript cached
# before is read again, so a stale cached file cannot skip the checks.
TRANSCRIPTS_CODE_VERSION = 2

Turn = dict[str, Any]


class TranscriptError(ValueError):
    """A transcript that cannot be imported; the message says what to fix."""


@dataclass(frozen=True)
class Labels:
    """Which speaker labels mean agent and customer (configs [transcripts]), and the mono cues."""

    agent: frozenset[str]
    customer: frozenset[str]
    cues: SpeakerCues | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Labels:
        cfg = settings["transcripts"]
        cues = SpeakerCues.load(settings.config_file(settings["speech"]["speaker_cues"]))
        return cls(frozenset(s.lower() for s in cfg["agent_labels"]),
                   frozenset(s.lower() for s in cfg["customer_labels"]), cues)

    def role(self, label: Any, where: str) -> str:
        key = str(label).strip().lower()
        if key in self.agent:
            return "agent"
        if key in self.customer:
            return "customer"
        raise TranscriptError(f"{where}: speaker '{label}' is neither an agent label ({', '.join(sorted(self.agent))}) "
                              f"nor a customer label ({', '.join(sorted(self.customer))}); add it to "
                              "[transcripts] agent_labels or customer_labels")


@dataclass
class Turns:
    """What a reader found: the turns in call order, how speakers were known, and the file's own call id."""

    turns: list[Turn]
    role_method: str = "transcript"
    call_id: str | None = None


def _seconds(value: Any, scale: float, where: str, name: str) -> float | None:
    if value is None:
        return None
    try:
        out = float(value) * scale
    except (TypeError, ValueError):
        raise TranscriptError(f"{where}: {name} '{value}' is not a number") from None
    if out < 0 or out != out or out == float("inf"):
        raise TranscriptError(f"{where}: {name} {value} is negative or not a finite number")
    return out


def _turn(speaker: str, text: Any, start: Any, end: Any, scale: float, where: str) -> Turn:
    s, e = _seconds(start, scale, where, "start"), _seconds(end, scale, where, "end")
    if s is not None and e is not None and e < s:
        raise TranscriptError(f"{where}: ends ({e:.2f} s) before it starts ({s:.2f} s)")
    if isinstance(text, Mapping | list):
        raise TranscriptError(f"{where}: its text is a JSON {'object' if isinstance(text, Mapping) else 'list'}, "
                              "not a string")
    return {"speaker": speaker, "text": "" if text is None else str(text), "start": s, "end": e}


def check_order(turns: list[Turn], what: str) -> None:
    """Times are known for every turn or for none, and never go backwards within one list."""
    timed = [t["start"] is not None for t in turns]
    if any(timed) and not all(timed):
        first = timed.index(False) if timed[0] else timed.index(True)
        raise TranscriptError(f"{what}: turn {first} has {'no ' if timed[0] else ''}start time while turn 0 "
                              f"{'has one' if timed[0] else 'has none'}; give times for every turn or for none")
    for i in range(1, len(turns)):
        if timed[i] and turns[i]["start"] < turns[i - 1]["start"]:
            raise TranscriptError(f"{what}: turn {i} starts at {turns[i]['start']:.2f} s, before turn {i - 1} "
                                  f"({turns[i - 1]['start']:.2f} s); times must not go backwards")


def check_span(turns: list[Turn], max_duration_s: float) -> None:
    """Every time lies within the longest call a night takes ([speech] max_duration_s, as for audio): a time beyond it
    is not seconds from the call's start (epoch seconds or milliseconds, another unit), and would give the call an
    impossible duration or end date."""
    for i, t in enumerate(turns):
        for name in ("start", "end"):
            if t[name] is not None and t[name] > max_duration_s:
                raise TranscriptError(
                    f"turn {i} {name}s at {t[name]:.0f} s, beyond the {max_duration_s / 3600:.1f} h a call may last "
                    "([speech] max_duration_s): times must be seconds from the start of the call (are they epoch "
                    "times or milliseconds?)")


def _merge(streams: list[list[Turn]]) -> list[Turn]:
    """One list per speaker/channel -> one list by start time (overlaps kept, like the speech stage)."""
    merged = [t for stream in streams for t in stream]
    return sorted(merged, key=lambda t: (t["start"], t["end"] if t["end"] is not None else t["start"]))


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise TranscriptError(f"{what} is not a list")
    return value


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TranscriptError(f"{what} is not a JSON object")
    return value


def read_callintel(data: Any, labels: Labels) -> Turns:
    """{"format": "callintel-transcript", "call": {"call_id", ...}, "turns": [{speaker, start?, end?, text}]}."""
    data = _obj(data, "the transcript")
    call = _obj(data.get("call") or {}, "'call'")
    turns = [_turn(labels.role(_obj(t, f"turn {i}").get("speaker", ""), f"turn {i}"), t.get("text"), t.get("start"),
                   t.get("end"), 1.0, f"turn {i}") for i, t in enumerate(_list(data.get("turns"), "'turns'"))]
    check_order(turns, "turns")
    return Turns(turns, call_id=str(call["call_id"]) if call.get("call_id") else None)


def _segments(value: Any, what: str) -> list:
    if isinstance(value, Mapping):
        value = value.get("segments")
    return _list(value, f"{what} segments")


def read_whisper(data: Any, labels: Labels, channel_layout: str | None = None) -> Turns:
    """Whisper / faster-whisper JSON (seconds) in one of three shapes (see docs/transcripts.md)."""
    if isinstance(data, Mapping) and "channels" in data:
        streams = []
        for key, value in _obj(data["channels"], "'channels'").items():
            role = _channel_role(key, channel_layout, labels)
            turns = [_turn(role, _obj(s, f"channel {key} segment {i}").get("text"), s.get("start"), s.get("end"), 1.0,
                           f"channel {key} segment {i}") for i, s in enumerate(_segments(value, f"channel {key}"))]
            check_order(turns, f"channel {key}")
            streams.append(turns)
        return Turns(_merge(streams))
    segments = _segments(data, "the transcript's")
    labelled = [isinstance(s, Mapping) and s.get("speaker") not in (None, "") for s in segments]
    if any(labelled) and not all(labelled):
        raise TranscriptError(f"segment {labelled.index(False)} has no speaker while others have one; "
                              "label every segment, or none (mono: roles are inferred)")
    if all(labelled) and segments:
        turns = [_turn(labels.role(s["speaker"], f"segment {i}"), s.get("text"), s.get("start"), s.get("end"), 1.0,
                       f"segment {i}") for i, s in enumerate(segments)]
        check_order(turns, "segments")
        return Turns(turns)
    turns = [_turn("unknown", _obj(s, f"segment {i}").get("text"), s.get("start"), s.get("end"), 1.0, f"segment {i}")
             for i, s in enumerate(segments)]
    check_order(turns, "segments")
    return _infer_roles(turns, labels)


def _channel_role(key: str, channel_layout: str | None, labels: Labels) -> str:
    """A channel named by role (agent/customer labels) or by side (left/right, 0/1) through the layout."""
    side = {"left": 0, "0": 0, "right": 1, "1": 1}.get(str(key).strip().lower())
    if side is None:
        return labels.role(key, f"channel '{key}'")
    if channel_layout not in ("stereo_agent_left", "stereo_agent_right"):
        raise TranscriptError(f"channel '{key}' is a side of a stereo recording; say which side is the agent with "
                              "the manifest's channel_layout (stereo_agent_left or stereo_agent_right), or name "
                              "the channels agent and customer")
    agent_side = 0 if channel_layout == "stereo_agent_left" else 1
    return "agent" if side == agent_side else "customer"


def _infer_roles(turns: list[Turn], labels: Labels) -> Turns:
    """Mono segments: roles from greetings and cue words, as the speech stage does for a mono recording."""
    if labels.cues is None:
        raise TranscriptError("segments have no speaker and no speaker cues are configured")
    kept = [t for t in turns if t["text"].strip()]
    times = [(t["start"] or 0.0, t["end"] if t["end"] is not None else (t["start"] or 0.0)) for t in kept]
    roles = assign_roles([t["text"] for t in kept], labels.cues, times if all(t["start"] is not None for t in kept)
                         else None)
    for t, role in zip(kept, roles, strict=True):
        t["speaker"] = role
    return Turns(kept, role_method="greeting")


def read_funasr(data: Any, labels: Labels) -> Turns:
    """FunASR `generate()` output: [{"key", "text", "sentence_info": [{text, start, end (ms), spk}]}] or one dict."""
    if isinstance(data, list):
        if len(data) != 1:
            raise TranscriptError(f"FunASR output holds {len(data)} results; one file per call is expected")
        data = data[0]
    data = _obj(data, "the FunASR result")
    sentences = _list(data.get("sentence_info"), "'sentence_info'")
    spks = [_obj(s, f"sentence {i}").get("spk") for i, s in enumerate(sentences)]
    if any(s is None for s in spks):
        raise TranscriptError(f"sentence {spks.index(None)} has no 'spk'; run FunASR with a speaker model "
                              "(spk_model) so each sentence names its speaker")
    ids = list(dict.fromkeys(spks))
    if len(ids) > 2:
        raise TranscriptError(f"FunASR found {len(ids)} speakers ({', '.join(map(str, ids))}); callintel imports "
                              "two-party calls (agent and customer)")
    agent = _greeting_speaker(sentences, spks, ids, labels)
    turns = [_turn("agent" if spk == agent else "customer", s.get("text"), s.get("start"), s.get("end"), 0.001,
                   f"sentence {i}") for i, (s, spk) in enumerate(zip(sentences, spks, strict=True))]
    check_order(turns, "sentence_info")
    return Turns(turns, role_method="greeting")


def _greeting_speaker(sentences: list, spks: list, ids: list, labels: Labels) -> Any:
    """The spk id whose sentences sound most like the agent (greeting early, agent cues); else who spoke first."""
    if labels.cues is None or len(ids) < 2:
        return ids[0] if ids else None
    cues = labels.cues
    score = dict.fromkeys(ids, 0)
    for i, (s, spk) in enumerate(zip(sentences, spks, strict=True)):
        text = str(s.get("text") or "")
        score[spk] += sum(text.count(c) for c in cues.agent) - sum(text.count(c) for c in cues.customer)
        if i < cues.greeting_within:
            score[spk] += 3 * sum(text.count(c) for c in cues.greeting)
    best = max(score.values())
    return next(spk for spk in ids if score[spk] == best)


def read_aws_call_analytics(data: Any, labels: Labels) -> Turns:
    """Amazon Transcribe Call Analytics post-call JSON: Transcript[] with ParticipantRole and ms offsets."""
    data = _obj(data, "the Call Analytics result")
    items = _list(data.get("Transcript"), "'Transcript'")
    turns = []
    for i, item in enumerate(items):
        item = _obj(item, f"Transcript[{i}]")
        turns.append(_turn(labels.role(item.get("ParticipantRole", ""), f"Transcript[{i}]"), item.get("Content"),
                           item.get("BeginOffsetMillis"), item.get("EndOffsetMillis"), 0.001, f"Transcript[{i}]"))
    check_order(turns, "Transcript")
    return Turns(turns)


READERS: dict[str, Callable[..., Turns]] = {
    "callintel": read_callintel,
    "whisper": read_whisper,
    "funasr": read_funasr,
    "aws-call-analytics": read_aws_call_analytics,
}
assert tuple(READERS) == TRANSCRIPT_FORMATS


def detect_format(data: Any) -> str:
    """The reader for a parsed file, by its shape; TranscriptError naming the shapes accepted."""
    first = data[0] if isinstance(data, list) and data else None
    if isinstance(data, Mapping):
        if data.get("format") == "callintel-transcript" or "turns" in data:
            return "callintel"
        if isinstance(data.get("Transcript"), list):
            return "aws-call-analytics"
        if "sentence_info" in data:
            return "funasr"
        if "segments" in data or "channels" in data:
            return "whisper"
    elif isinstance(first, Mapping):
        if "sentence_info" in first:
            return "funasr"
        if "text" in first:
            return "whisper"
    raise TranscriptError("not a transcript format callintel reads: expected callintel's own (turns), Whisper "
                          "(segments or channels), FunASR (sentence_info) or AWS Call Analytics (Transcript); "
                          "see docs/transcripts.md")


def read_turns(raw: bytes, fmt: str | None, labels: Labels, channel_layout: str | None = None) -> tuple[str, Turns]:
    """(reader name, turns) from a transcript file's bytes."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise TranscriptError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    fmt = fmt or detect_format(data)
    if fmt == "whisper":
        return fmt, read_whisper(data, labels, channel_layout)
    return fmt, READERS[fmt](data, labels)


def text_settings_digest(settings: Settings) -> str:
    """Everything besides the file that shapes an imported transcript's text: computed once per night."""
    from callintel.speech.stage import file_digest, package_versions  # the audio key's helpers

    speech = settings["speech"]
    files = {name: file_digest(path) for name, path in TextCleaner.files(settings).items()}
    files["speaker_cues"] = file_digest(settings.config_file(speech["speaker_cues"]))
    blob = json.dumps({
        "text": {k: speech[k] for k in ("normalize", "redact", "terms")},
        "limits": {"max_duration_s": speech["max_duration_s"], "max_turn_chars": settings["night"]["max_turn_chars"]},
        "transcripts": settings["transcripts"],
        "files": files,
        "code": [SPEECH_CODE_VERSION, TRANSCRIPTS_CODE_VERSION],
        "packages": package_versions(),
    }, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def transcript_cache_key(sha256: str, fmt: str | None, text_digest: str) -> str:
    """Same transcript file + reader + text settings and files + code -> same cleaned transcript."""
    return hashlib.sha256(f"transcript:{sha256}:{fmt or 'auto'}:{text_digest}".encode()).hexdigest()


def import_transcript(call: CallRecord, settings: Settings, sha256: str, text_digest: str = "",
                      cleaner: TextCleaner | None = None, labels: Labels | None = None) -> Transcript:
    """One manifest row's transcript, read, checked and cleaned; TranscriptError says what to fix.

    `sha256` is what the flow hashed when it planned the night; the file is hashed again as read,
    and the transcript's cache key (given `text_digest`) is that of the bytes actually imported.
    """
    assert call.transcript_path is not None
    name = call.transcript_path.name
    raw = call.transcript_path.read_bytes()
    warnings = []
    if hashlib.sha256(raw).hexdigest() != sha256:
        warnings.append("the transcript file changed after the night was planned; imported the current file")
        sha256 = hashlib.sha256(raw).hexdigest()
    key = transcript_cache_key(sha256, call.transcript_format, text_digest) if text_digest else ""
    try:
        fmt, found = read_turns(raw, call.transcript_format, labels or Labels.from_settings(settings),
                                call.channel_layout)
        if found.call_id and found.call_id != call.call_id:
            raise TranscriptError(f"the file is the transcript of call {found.call_id}, not {call.call_id}; "
                                  "check the manifest's transcript_path")
        check_span(found.turns, float(settings["speech"]["max_duration_s"]))
        said = [t for t in found.turns if t["text"].strip()]
        if not said:
            raise TranscriptError("no turn has any text (empty transcript)")
        transcript = transcript_from_turns(call.call_id, found.turns, settings, key, sha256, cleaner, fmt,
                                          on=call.night)
    except TranscriptError as exc:
        raise TranscriptError(f"{name}: {exc}") from None
    except ValueError as exc:  # transcript_from_turns' own checks
        raise TranscriptError(f"{name}: {exc}") from None
    if not transcript.utterances:
        raise TranscriptError(f"{name}: nothing is left after cleaning (only punctuation or filler?)")
    if len(said) < len(found.turns):
        warnings.append(f"{len(found.turns) - len(said)} empty turn(s) skipped")
    transcript.warnings = warnings
    transcript.role_method = found.role_method
    return transcript
