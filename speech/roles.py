"""Speaker roles for mono calls, best effort.

Stereo calls need no guessing: the layout says which channel is the agent. A mono call has
one voice track and no speaker model ships offline, so roles come from what is said and when:

1. each utterance is scored against agent and customer cue phrases (configs/speaker_cues.toml);
   a greeting (您好, 很高兴为您服务, 工号...) in the first few utterances anchors the agent;
2. an utterance without a clear cue continues the previous speaker when it follows within
   `same_speaker_gap_s` (one breath: the VAD splits turns at longer pauses), and otherwise
   takes the other role, since a call is mostly alternating turns;
3. the first voice, if nothing else is known, is the agent's (the agent answers the phone).

Measured on ../shared/data/audio/derived_two_party_8k (bench/bench_speech_roles.py).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SpeakerCues:
    agent: tuple[str, ...]
    customer: tuple[str, ...]
    greeting: tuple[str, ...]
    greeting_within: int = 3
    same_speaker_gap_s: float = 0.3

    @classmethod
    def load(cls, path: Path) -> SpeakerCues:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return cls(tuple(data["agent"]), tuple(data["customer"]), tuple(data["greeting"]),
                   int(data.get("greeting_within", 3)), float(data.get("same_speaker_gap_s", 0.3)))


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


def split_segment(segment, cues: SpeakerCues) -> list:
    """Placeholder: the segment unchanged."""
    return [segment]
