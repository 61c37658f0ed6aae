"""Speaker roles for mono calls, best effort.

Stereo calls need no guessing: the layout says which channel is the agent. A mono call has one
voice track and no speaker model ships offline, so roles come from what is said, how and when.

Whisper often writes both speakers into one segment (a 0.4 s turn change is no VAD pause: "能不能
自动续保，我不想每年都打电话，可以的，您在公众号里打开…"), so the mono path
(speech.stage.mono_utterances) cuts each segment into clauses at its word timings (punctuation,
pauses) and `decode_roles` picks the most likely agent/customer sequence of clauses (Viterbi):

1. words: cue phrases (configs/speaker_cues.toml; a greeting in the first clauses anchors the agent)
   and an n-gram model of agent vs customer clauses fitted on ../shared/data/calls
   (configs/models/role_ngrams.json, scripts/train_role_cues.py);
2. voice: after a first pass, each side's voice (level, cepstral pitch, mel cepstra) is fitted on
   the clauses given to it, and every clause is scored against both, for a few passes;
3. when: a speaker change is likely where Whisper starts a new segment (segments are cut at VAD
   region boundaries), unlikely inside one unless the clause opens like a reply (好的, 可以的, 请问);
   the first clause is the agent's (the agent answers the phone).

`assign_roles` (whole utterances by cues and alternation) is the older, simpler rule, still used
for utterances without word timings. Measured by bench/bench_roles.py on the two mono sample calls
and the sixteen stereo ones mixed down: characters with the right role 76.8% before, 95.9% now
(mono calls 64.0% -> 99.1%); the settings were tuned on those same calls (see speaker_cues.toml).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from callintel.lexicon_files import read_lexicon

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class SpeakerCues:
    """configs/speaker_cues.toml, every field set there (the only place their values live)."""

    agent: tuple[str, ...]
    customer: tuple[str, ...]
    greeting: tuple[str, ...]
    greeting_within: int
    same_speaker_gap_s: float
    clause_pause_s: float               # mono: a pause this long between words ends a clause
    openers: tuple[str, ...]            # a clause opening with these may be the other speaker's reply
    cue_weight: float                   # log-odds per cue word
    switch_segment: float               # speaker change at a Whisper segment boundary
    switch_clause: float                # ... inside a segment
    switch_opener: float                # ... inside a segment, at a clause opening like a reply
    first_agent: float                  # the first clause is the agent's (the agent answers the phone)
    voice_rounds: int                   # passes fitting each side's voice (0: words only)
    voice_weight: float
    voice_clip: float                   # a clause's voice log-odds are capped at this
    ngram_model: str                    # absolute path of the n-gram log-odds (configs/models/role_ngrams.json)
    ngram_weight: float
    ngram_clip: float

    @classmethod
    def load(cls, path: Path) -> SpeakerCues:
        data = read_lexicon(path, "speaker_cues.toml", "[speech] speaker_cues")
        if missing := [f.name for f in fields(cls) if f.name not in data]:
            raise ValueError(f"{path}: no {', '.join(missing)} (configs/speaker_cues.toml sets every key)")
        values = {f.name: data[f.name] for f in fields(cls)}
        values |= {k: tuple(values[k]) for k in ("agent", "customer", "greeting", "openers")}
        values["ngram_model"] = str(path.parent / data["ngram_model"]) if data["ngram_model"] else ""
        return cls(**values)


def _score(text: str, cues: tuple[str, ...]) -> int:
    return sum(text.count(c) for c in cues)


def assign_roles(texts: list[str], cues: SpeakerCues,
                 times: list[tuple[float, float]] | None = None) -> list[str]:
    """One of agent/customer per utterance, in order."""
    roles: list[str] = []
    for i, text in enumerate(texts):
        agent = _score(text, cues.agent) + 3 * _score(text, cues.greeting) * (i < cues.greeting_within)
        customer = _score(text, cues.customer)
        if agent > customer:
            roles.append("agent")
        elif customer > agent:
            roles.append("customer")
        elif not roles:
            roles.append("agent")
        elif times is not None and times[i][0] - times[i - 1][1] < cues.same_speaker_gap_s:
            roles.append(roles[-1])
        else:
            roles.append("customer" if roles[-1] == "agent" else "agent")
    return roles


_CLAUSE_END = "，。？！,.?!；;、"


def clauses(words: list[tuple[float, float, str]], pause_s: float) -> list[list[tuple[float, float, str]]]:
    """Words grouped into clauses: cut after punctuation or at a pause of `pause_s`."""
    out: list[list[tuple[float, float, str]]] = []
    for w in words:
        if out and not (out[-1][-1][2].strip()[-1:] in _CLAUSE_END or w[0] - out[-1][-1][1] >= pause_s):
            out[-1].append(w)
        else:
            out.append([w])
    return out


@dataclass
class Clause:
    """A piece of a mono call to give a role: its (simplified) text, time, and whether a Whisper segment starts here."""

    text: str
    start: float
    end: float
    new_segment: bool


def _mel_bank(n_fft: int, bands: int, lo: float, hi: float) -> np.ndarray:
    mel = np.linspace(2595 * np.log10(1 + lo / 700), 2595 * np.log10(1 + hi / 700), bands + 2)
    hz = 700 * (10 ** (mel / 2595) - 1)
    bins = np.fft.rfftfreq(n_fft, 1 / SAMPLE_RATE)
    bank = np.zeros((bands, bins.size))
    for k in range(bands):
        a, c, b = hz[k], hz[k + 1], hz[k + 2]
        bank[k] = np.clip(np.minimum((bins - a) / (c - a), (b - bins) / (b - c)), 0, None)
    return bank


_BANK = _mel_bank(512, 30, 100.0, 3800.0)
_DCT = np.cos(np.pi / 30 * (np.arange(30)[None, :] + 0.5) * np.arange(1, 9)[:, None])  # cepstra 1-8


def voice_features(audio: np.ndarray, start: float, end: float) -> np.ndarray | None:
    """A clause's voice: level (dB), pitch from the cepstrum's peak (log Hz), cepstra 1-8 of the mel
    spectrum, over its louder half of 25 ms frames; None when shorter than 0.3 s.
    """
    piece = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)].astype(np.float64)
    frame, hop = 400, 160
    if piece.size < int(0.3 * SAMPLE_RATE):
        return None
    idx = np.arange(0, piece.size - frame, hop)[:, None] + np.arange(frame)[None, :]
    power = np.abs(np.fft.rfft(piece[idx] * np.hanning(frame), 512)) ** 2
    energy = power.sum(axis=1)
    loud = power[energy >= np.quantile(energy, 0.5)]
    logmel = np.log(loud @ _BANK.T + 1e-10)
    ceps = np.fft.irfft(np.log(loud + 1e-10), axis=1)
    lag = ceps[:, SAMPLE_RATE // 450:SAMPLE_RATE // 70].argmax(axis=1) + SAMPLE_RATE // 450
    pitch = np.log(np.median(SAMPLE_RATE / lag))
    level = 10 * np.log10(loud.sum(axis=1).mean() + 1e-12)
    return np.concatenate([[level, pitch], (logmel @ _DCT.T).mean(axis=0)])


def ngrams(text: str) -> list[str]:
    """Characters and character pairs of a clause's Chinese text (the role model's features)."""
    chars = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    return chars + [a + b for a, b in pairwise(chars)]


@lru_cache(maxsize=4)
def load_ngram_weights(path: str) -> dict[str, float]:
    """configs/models/role_ngrams.json (scripts/train_role_cues.py); empty when the file is absent."""
    p = Path(path)
    return json.loads(p.read_text(encoding="utf-8"))["ngrams"] if p.is_file() else {}


def _cue_score(text: str, i: int, cues: SpeakerCues) -> float:
    """Log-odds agent vs customer from the clause's words: cue phrases, plus the n-gram model (clipped)."""
    agent = _score(text, cues.agent) + 3 * _score(text, cues.greeting) * (i < cues.greeting_within)
    score = cues.cue_weight * (agent - _score(text, cues.customer))
    if cues.ngram_weight and cues.ngram_model:
        weights = load_ngram_weights(cues.ngram_model)
        nb = sum(weights.get(g, 0.0) for g in set(ngrams(text)))
        score += cues.ngram_weight * max(-cues.ngram_clip, min(cues.ngram_clip, nb))
    return score


def _viterbi(emit: np.ndarray, switch: np.ndarray, first_agent: float) -> list[int]:
    """Best state path (0 agent, 1 customer) for log-odds `emit` (agent over customer) and switch probabilities."""
    n = len(emit)
    score = np.array([np.log(first_agent) + emit[0] / 2, np.log(1 - first_agent) - emit[0] / 2])
    back = np.zeros((n, 2), dtype=int)
    for i in range(1, n):
        stay, move = np.log(1 - switch[i]), np.log(switch[i])
        new = np.empty(2)
        for k in (0, 1):
            cand = (score[k] + stay, score[1 - k] + move)
            back[i, k] = k if cand[0] >= cand[1] else 1 - k
            new[k] = max(cand) + (emit[i] / 2 if k == 0 else -emit[i] / 2)
        score = new
    path = [int(np.argmax(score))]
    for i in range(n - 1, 0, -1):
        path.append(back[i, path[-1]])
    return path[::-1]


def decode_roles(items: list[Clause], audio: np.ndarray | None, cues: SpeakerCues) -> list[str]:
    """Roles of a mono call's clauses: the most likely agent/customer sequence (Viterbi).

    Evidence per clause: its cue words (log-odds `cue_weight` each) and, once a first pass has
    labelled the call, how much its voice resembles each side's (a Gaussian per side fitted to that
    pass's clauses, shared diagonal variance; `voice_rounds` passes, weight `voice_weight`). A speaker
    changes at a Whisper segment boundary with probability `switch_segment`, inside a segment with
    `switch_clause`, or `switch_opener` when the clause opens like a reply (好的, 可以的, 请问...).
    """
    if not items:
        return []
    text_emit = np.array([_cue_score(c.text, i, cues) for i, c in enumerate(items)])
    switch = np.array([cues.switch_segment if c.new_segment else
                       cues.switch_opener if c.text.startswith(cues.openers) else cues.switch_clause
                       for c in items])
    path = _viterbi(text_emit, switch, cues.first_agent)
    feats = [voice_features(audio, c.start, c.end) if audio is not None else None for c in items]
    known = np.array([f is not None for f in feats])
    if cues.voice_rounds and known.sum() >= 6:
        x = np.array([f for f in feats if f is not None])
        z = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-9)
        for _ in range(cues.voice_rounds):
            labels = np.array(path)[known]
            if labels.min() == labels.max():
                break
            mu = [z[labels == k].mean(axis=0) for k in (0, 1)]
            var = np.maximum(sum(((z[labels == k] - mu[k]) ** 2).sum(axis=0) for k in (0, 1)) / len(z), 0.05)
            llr = (((z - mu[1]) ** 2 - (z - mu[0]) ** 2) / (2 * var)).sum(axis=1)
            voice = np.zeros(len(items))
            voice[known] = np.clip(llr, -cues.voice_clip, cues.voice_clip) * cues.voice_weight
            new = _viterbi(text_emit + voice, switch, cues.first_agent)
            if new == path:
                break
            path = new
    return ["agent" if k == 0 else "customer" for k in path]
