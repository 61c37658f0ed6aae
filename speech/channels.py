"""Which decoded channel is whose voice, from the manifest's channel layout.

Stereo call recorders put the agent on one side and the customer on the other; the layout
(`stereo_agent_left` / `stereo_agent_right`) says which, so no guessing is needed. Anything
else (a mono file, a stereo file with one side silent, a multi-channel file) is transcribed as
one mixed track and speaker roles are inferred (speech.roles), with a warning saying why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from speech.decode import DecodedAudio

SIDES = ("left", "right")


@dataclass
class Channel:
    index: int
    role: str  # agent / customer / unknown (mixed: roles are inferred per utterance)
    samples: np.ndarray

    @property
    def side(self) -> str:
        return SIDES[self.index] if self.role != "unknown" else "mixed"


def assign_channels(audio: DecodedAudio, layout: str) -> tuple[list[Channel], list[str]]:
    """(channels to transcribe, warnings)."""
    warnings: list[str] = []
    if layout != "mono" and len(audio.channels) == 2:
        agent = 0 if layout == "stereo_agent_left" else 1
        return [Channel(i, "agent" if i == agent else "customer", samples)
                for i, samples in enumerate(audio.channels)], warnings
    if layout != "mono":
        warnings.append(f"manifest says {layout} but the file has {audio.source_channels} channel(s); "
                        "transcribed as one mixed track with speaker roles inferred")
    if audio.source_channels > 2:
        warnings.append(f"file has {audio.source_channels} channels (not a 1- or 2-channel call recording); "
                        "they were mixed down to one track")
    return [Channel(0, "unknown", audio.channels[0])], warnings


def mixed(channels: list[Channel]) -> np.ndarray:
    """One track from several (the average), for role inference and benchmarks."""
    return np.mean(np.stack([c.samples for c in channels]), axis=0).astype(np.float32)
