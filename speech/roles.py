"""Speaker roles for mono calls, best effort.

Stereo calls need no guessing: the layout says which channel is the agent. A mono call has
one voice track and no speaker model ships offline, so roles come from what is said and when:

1. each utterance is scored against agent and customer cue phrases (configs/speaker_cues.toml);
   a greeting (您好, 很高兴为您服务, 工号...) in the first few utterances anchors the agent;
2. an utterance without a clear cue continues the previous speaker when it follows within
   `same_speaker_gap_s` (one breath: the VAD splits turns at longer pauses), and otherwise
   takes the other role, since a call is mostly alternating turns;
3. the first voice, if nothing else is known, is the agent's (the agent answers the phone).

Whisper often writes both speakers into one segment (a 0.4 s turn change is no VAD pause), so
the mono path (speech.stage.mono_utterances) first cuts segments into clauses at the word timings
(punctuation, pauses) and groups the clauses by voice: median pitch and level of each clause,
two clusters per call (`voice_clusters`). The cluster whose clauses carry the agent's cues is the
agent; when the two voices do not separate (`min_voice_separation`), the cues above decide alone.
Voices are used only when they clearly separate; otherwise whole segments get roles by cues.
Measured by bench/bench_roles.py (the two mono sample calls, and the sixteen stereo ones mixed
down): characters with the right role 76.8% by cues alone, 78.0% with voices (mono calls 64.0 -> 85.2%).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class SpeakerCues:
    agent: tuple[str, ...]
    customer: tuple[str, ...]
    greeting: tuple[str, ...]
    greeting_within: int = 3
    same_speaker_gap_s: float = 0.3
    clause_pause_s: float = 0.25        # a pause this long between words ends a clause
    voice_clusters: bool = True          # group clauses by pitch and level (off: cues only)
    min_voice_separation: float = 1.0    # cluster centres this many pooled standard deviations apart, else cues
    min_clause_s: float = 0.3            # shorter clauses take their neighbour's voice

    @classmethod
    def load(cls, path: Path) -> SpeakerCues:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        extra = {k: data[k] for k in ("clause_pause_s", "voice_clusters", "min_voice_separation", "min_clause_s")
                 if k in data}
        return replace(cls(tuple(data["agent"]), tuple(data["customer"]), tuple(data["greeting"]),
                           int(data.get("greeting_within", 3)), float(data.get("same_speaker_gap_s", 0.3))), **extra)


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


def voice_features(audio: np.ndarray, start: float, end: float) -> tuple[float, float] | None:
    """(log median pitch, level dB / 10) of audio[start:end], None when too little is voiced.

    Pitch by normalised autocorrelation on 40 ms frames (70-400 Hz); frames whose peak is under
    0.45 are unvoiced. (A mean log-mel envelope instead did worse on the samples: 56.9% vs 61-82%.)
    """
    piece = audio[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)].astype(np.float64)
    frame, hop = 640, 160
    if piece.size < frame:
        return None
    idx = np.arange(0, piece.size - frame, hop)[:, None] + np.arange(frame)[None, :]
    frames = piece[idx] * np.hanning(frame)
    frames -= frames.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(frames, 2 * frame)
    ac = np.fft.irfft(spec * np.conj(spec))[:, :frame]
    energy = ac[:, :1]
    lo, hi = SAMPLE_RATE // 400, SAMPLE_RATE // 70
    norm = ac[:, lo:hi] / np.maximum(energy, 1e-12)
    voiced = (norm.max(axis=1) > 0.45) & (energy[:, 0] > 1e-6 * frame)
    if voiced.sum() < 3:
        return None
    lags = norm[voiced].argmax(axis=1) + lo
    pitch = float(np.log(np.median(SAMPLE_RATE / lags)))
    level = float(10 * np.log10(np.mean(frames[voiced] ** 2) + 1e-12))
    return pitch, level / 10


def _two_means(x: np.ndarray, iters: int = 30) -> tuple[np.ndarray, float]:
    """Labels 0/1 of 2-means on rows of x (standardised), and the centres' separation in pooled stds."""
    z = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-9)
    order = np.argsort(z[:, 0])
    centres = np.stack([z[order[: len(z) // 2]].mean(axis=0), z[order[len(z) // 2:]].mean(axis=0)])
    labels = np.zeros(len(z), dtype=int)
    for _ in range(iters):
        labels = np.argmin(((z[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        if labels.min() == labels.max():
            return labels, 0.0
        centres = np.stack([z[labels == k].mean(axis=0) for k in (0, 1)])
    within = np.sqrt(sum(((z[labels == k] - centres[k]) ** 2).sum() for k in (0, 1)) / len(z) + 1e-12)
    return labels, float(np.linalg.norm(centres[0] - centres[1]) / within)


def roles_by_voice(texts: list[str], times: list[tuple[float, float]], audio: np.ndarray | None,
                   cues: SpeakerCues) -> list[str] | None:
    """Roles of clauses from two voice clusters named by their cues; None when the voices do not separate."""
    by_cues = None
    if audio is None or not cues.voice_clusters or len(texts) < 4:
        return by_cues
    feats = [voice_features(audio, a, b) if b - a >= cues.min_clause_s else None for a, b in times]
    known = [i for i, f in enumerate(feats) if f is not None]
    if len(known) < 4:
        return by_cues
    labels, separation = _two_means(np.array([feats[i] for i in known]))
    if separation < cues.min_voice_separation:
        return by_cues
    score = [0.0, 0.0]
    for pos, i in enumerate(known):
        agent = _score(texts[i], cues.agent) + 3 * _score(texts[i], cues.greeting) * (i < cues.greeting_within)
        score[labels[pos]] += agent - _score(texts[i], cues.customer)
    if score[0] == score[1]:
        first = labels[0]
        agent_label = first
    else:
        agent_label = 0 if score[0] > score[1] else 1
    roles: list[str | None] = [None] * len(texts)
    for pos, i in enumerate(known):
        roles[i] = "agent" if labels[pos] == agent_label else "customer"
    for i in range(len(roles)):  # clauses too short to hear: the nearest heard clause in time
        if roles[i] is None:
            near = min(known, key=lambda k: min(abs(times[k][0] - times[i][1]), abs(times[i][0] - times[k][1])))
            roles[i] = roles[near]
    return [r or "agent" for r in roles]
