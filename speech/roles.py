"""Speaker roles for mono calls, best effort.

Stereo calls need no guessing: the layout says which channel is the agent. A mono call
has one voice track, so each segment is scored against agent and customer cue phrases
(configs/speaker_cues.toml); the speaker who greets with 您好/很高兴为您服务 anchors
the agent, and segments with no cue take the opposite role of the previous one.
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

    @classmethod
    def load(cls, path: Path) -> SpeakerCues:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        return cls(tuple(data["agent"]), tuple(data["customer"]), tuple(data["greeting"]))


def _score(text: str, cues: tuple[str, ...]) -> int:
    return sum(text.count(c) for c in cues)


def assign_roles(texts: list[str], cues: SpeakerCues) -> list[str]:
    """One of agent/customer per segment, in order."""
    roles: list[str] = []
    for i, text in enumerate(texts):
        agent = _score(text, cues.agent) + 3 * _score(text, cues.greeting) * (i < 3)
        customer = _score(text, cues.customer)
        if agent > customer:
            roles.append("agent")
        elif customer > agent:
            roles.append("customer")
        elif roles:
            roles.append("customer" if roles[-1] == "agent" else "agent")
        else:
            roles.append("agent")  # the agent answers the phone: the first voice is usually theirs
    return roles
