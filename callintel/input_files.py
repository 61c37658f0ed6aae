"""The files a manifest names, checked before anything reads them: inside `[night] audio_root`, regular
files (not /dev/zero, a FIFO or a folder, which would hang or fill memory), no larger than
`[night] max_file_mb`, and hashed within `[night] plan_timeout_s` (a stalled network mount fails
that call, not the night). Each problem is an InputFileError whose message says what to fix.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from pathlib import Path

BLOCK = 1 << 20


class InputFileError(ValueError):
    """A manifest's file cannot be used: outside the audio folder, not a regular file, too big, too slow."""


def audio_root(setting: str, manifest: Path) -> Path:
    """The folder a manifest's files must be inside: `[night] audio_root`, or the manifest's folder when empty;
    relative to the manifest's folder when relative."""
    folder = Path(manifest).resolve().parent
    root = Path(setting).expanduser() if setting else folder
    return (root if root.is_absolute() else folder / root).resolve()


def check_file(path: Path, root: Path, max_mb: float, column: str) -> os.stat_result:
    """Refuse a path outside `root` (after following links), a non-regular file or one over `max_mb` (0: no
    limit); returns its stat. Never opens the file."""
    real = Path(path).resolve()
    if not real.is_relative_to(root):
        raise InputFileError(f"{path} is outside the audio folder {root} ([night] audio_root); callintel reads "
                             f"only files inside it: move the file there or fix the manifest's {column}")
    try:
        st = real.stat()
    except FileNotFoundError:
        raise InputFileError(f"{column.split('_')[0]} file not found: {path}; check the manifest's {column} "
                             f"(relative paths are from {root})") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "a device, pipe or socket"
        raise InputFileError(f"{path} is {kind}, not a regular file; the manifest's {column} must name a file")
    if max_mb and st.st_size > max_mb * 1024 * 1024:
        raise InputFileError(f"{path} is {st.st_size / 1024 / 1024:.0f} MB, over the {max_mb:g} MB limit "
                             "([night] max_file_mb); split the recording or raise the limit")
    return st


def sha256_within(path: Path, timeout_s: float) -> str:
    """sha256 of a file's bytes, or InputFileError when reading takes longer than `timeout_s` (0: no limit).

    The read runs in a daemon thread, so even a read that blocks in the kernel (a hung mount) cannot hold
    the night; the loop also stops by itself once the time is up.
    """
    deadline = time.monotonic() + timeout_s if timeout_s else None
    result: dict[str, object] = {}

    def read() -> None:
        digest = hashlib.sha256()
        try:
            with Path(path).open("rb") as fh:
                while block := fh.read(BLOCK):
                    digest.update(block)
                    if deadline is not None and time.monotonic() > deadline:
                        return
            result["sha256"] = digest.hexdigest()
        except OSError as exc:
            result["error"] = exc

    worker = threading.Thread(target=read, name=f"hash {Path(path).name}", daemon=True)
    worker.start()
    worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
    if "error" in result:
        raise InputFileError(f"cannot read {path}: {result['error']}")
    if "sha256" not in result:
        raise InputFileError(f"reading {path} took longer than {timeout_s:g} s ([night] plan_timeout_s): a stalled "
                             "disk or network mount; check it and rerun")
    return str(result["sha256"])
