"""The speech stage: one call's audio in, a masked, time-ordered dialogue out.

decode -> split channels by the manifest's layout -> VAD + Whisper per channel ->
Simplified text, phantom lines dropped -> PII masked -> turns of both speakers merged by time.
Nothing unmasked leaves this function.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from callintel.models import whisper_model_dir
from callintel.records import CallRecord, Transcript, Utterance
from callintel.settings import Settings
from speech.asr import AsrOptions, Segment, load_model, transcribe_channel
from speech.decode import SpeechError, decode, file_sha256
from speech.normalize import normalize_text
from speech.redact import mask_pii
from speech.roles import SpeakerCues, assign_roles

__all__ = ["SpeechError", "cache_key", "transcribe_call"]


@lru_cache(maxsize=4)
def _phantoms(path: Path) -> tuple[str, ...]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(normalize_text(x).replace(" ", "") for x in lines if x.strip() and not x.startswith("#"))


def cache_key(audio_sha256: str, channel_layout: str, settings: Settings) -> str:
    """Same audio + layout + model + speech settings -> same transcript."""
    blob = json.dumps([audio_sha256, channel_layout, settings["speech"],
                       settings["models"][settings["speech"]["model"]].get("model_bin_sha256"),
                       settings.get("speech_files_version", 1)], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _clean(segments: list[Segment], phantoms: tuple[str, ...]) -> list[tuple[Segment, str]]:
    out = []
    for seg in segments:
        text = normalize_text(seg.text)
        bare = text.replace(" ", "")
        if not bare or any(p and p in bare for p in phantoms):
            continue
        out.append((seg, mask_pii(text)))
    return out


def transcribe_call(call: CallRecord, settings: Settings, audio_sha256: str | None = None) -> Transcript:
    """Transcribe one call; raises SpeechError with an actionable reason on bad input."""
    t0 = time.perf_counter()
    speech = settings["speech"]
    options = AsrOptions.from_settings(speech)
    sha = audio_sha256 or file_sha256(call.audio_path) if call.audio_path.exists() else ""
    want_stereo = call.channel_layout != "mono"
    audio = decode(call.audio_path, want_stereo)
    warnings: list[str] = []
    if want_stereo and len(audio.channels) == 1:
        warnings.append(f"manifest says {call.channel_layout} but the file has {audio.source_channels} "
                        "channel(s); speaker roles inferred as for a mono call")
    if audio.source_channels > 2:
        warnings.append(f"file has {audio.source_channels} channels; they were mixed down to one")
    model = load_model(whisper_model_dir(settings), options)
    phantoms = _phantoms(settings.config_file(speech.get("phantom_lines", "phantom_lines.txt")))
    utterances: list[Utterance] = []
    role_method = "channel"
    try:
        if len(audio.channels) == 2:
            agent_channel = 0 if call.channel_layout == "stereo_agent_left" else 1
            for ch, samples in enumerate(audio.channels):
                role = "agent" if ch == agent_channel else "customer"
                kept = _clean(transcribe_channel(model, samples, options), phantoms)
                if not kept:
                    warnings.append(f"no speech found on the {role} channel ({'left' if ch == 0 else 'right'})")
                utterances += [Utterance(role, round(s.start, 2), round(s.end, 2), text, ch,
                                         round(s.avg_logprob, 3), round(s.no_speech_prob, 3)) for s, text in kept]
        else:
            kept = _clean(transcribe_channel(model, audio.channels[0], options), phantoms)
            cues = SpeakerCues.load(settings.config_file(speech.get("speaker_cues", "speaker_cues.toml")))
            roles = assign_roles([t for _, t in kept], cues)
            role_method = "greeting"
            utterances = [Utterance(r, round(s.start, 2), round(s.end, 2), text, 0,
                                    round(s.avg_logprob, 3), round(s.no_speech_prob, 3))
                          for (s, text), r in zip(kept, roles, strict=True)]
    except (RuntimeError, ValueError) as exc:
        raise SpeechError("transcribe", f"Whisper failed on {call.audio_path.name}: {exc}") from exc
    utterances.sort(key=lambda u: (u.start, u.end))
    if not utterances:
        warnings.append("no speech found in the recording (silent, music-only or not speech)")
    return Transcript(call.call_id, sha, round(audio.duration_s, 3), utterances,
                      cache_key(sha, call.channel_layout, settings), warnings,
                      round(time.perf_counter() - t0, 3), role_method)


def transcript_to_json(t: Transcript) -> str:
    return json.dumps(asdict(t), ensure_ascii=False)


def transcript_from_json(blob: str) -> Transcript:
    data = json.loads(blob)
    data["utterances"] = [Utterance(**u) for u in data["utterances"]]
    return Transcript(**data)
