"""Which decoded channel is whose voice, from the manifest's channel layout.

Stereo call recorders put the agent on one side and the customer on the other; the layout
(`stereo_agent_left` / `stereo_agent_right`) says which, so no guessing is needed. Anything
else (a mono file, a stereo file with one side silent, a multi-channel file) is transcribed as
one mixed track and speaker roles are inferred (speech.roles), with a warning saying why.

So is a stereo file whose two sides carry the same signal (a recorder that duplicated a mono
line into both channels): read as agent and customer it gave every sentence twice, once under
each role. Sides whose samples correlate above `same_min_corr` (0.99) count as the same; on
real stereo calls the sides hardly correlate at all (0.00 on the shared two-party call, whose
sides hold different speakers), while a duplicated line stays at 1.00 through mu-law.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from callintel.speech.decode import SAMPLE_RATE, DecodedAudio

SIDES = ("left", "right")


@dataclass
class Channel:
    index: int
    role: str  # agent / customer / unknown (mixed: roles are inferred per utterance)
    samples: np.ndarray

    @property
    def side(self) -> str:
        return SIDES[self.index] if self.role != "unknown" else "mixed"


def side_correlation(left: np.ndarray, right: np.ndarray, blocks: int = 200, block_s: float = 1.0) -> float:
    """Pearson correlation of the two sides over up to `blocks` evenly spaced 1 s blocks (0 if one is flat)."""
    n = min(left.size, right.size)
    size = min(n, int(block_s * SAMPLE_RATE))
    if size == 0:
        return 0.0
    starts = np.linspace(0, n - size, num=max(1, min(blocks, n // size)), dtype=np.int64)
    a = np.concatenate([left[s:s + size] for s in starts]).astype(np.float64)
    b = np.concatenate([right[s:s + size] for s in starts]).astype(np.float64)
    a -= a.mean()
    b -= b.mean()
    denom = np.sqrt(np.dot(a, a) * np.dot(b, b))
    return float(np.dot(a, b) / denom) if denom > 0 else 0.0


def assign_channels(audio: DecodedAudio, layout: str,
                    same_min_corr: float = 0.99) -> tuple[list[Channel], list[str]]:
    """(channels to transcribe, warnings)."""
    warnings: list[str] = []
    if layout != "mono" and len(audio.channels) == 2:
        corr = side_correlation(*audio.channels)
        if corr > same_min_corr:
            warnings.append(f"manifest says {layout} but both channels carry the same audio (correlation "
                            f"{corr:.3f}); transcribed once as one mixed track with speaker roles inferred")
            both = (audio.channels[0].astype(np.float32) + audio.channels[1].astype(np.float32)) / 2
            return [Channel(0, "unknown", both)], warnings
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
