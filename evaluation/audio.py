"""Audio files written for evaluation: test cases, telephone-band copies, long calls built from clips."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def write_audio(path: Path, channels: list[np.ndarray], rate: int = 16000, codec: str = "pcm_s16le",
                fmt: str = "wav") -> Path:
    """Float channels (shorter ones padded with silence) written with PyAV, e.g. codec "pcm_mulaw" at 8 kHz."""
    n = max(len(c) for c in channels)
    data = np.stack([np.pad(c, (0, n - len(c))) for c in channels])
    pcm = (np.clip(data, -1, 1) * 32767).astype(np.int16)
    layout = LAYOUTS[len(channels)]
    with av.open(str(path), "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(pcm.T.reshape(1, -1).copy(), format="s16", layout=layout)
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
