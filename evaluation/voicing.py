"""Dialogue files voiced into call recordings for `callintel eval e2e`, once, under var/.

The voicing is scripts/voice_samples.py in its own environment (.venv-tts, TensorFlow; made by
scripts/voice_samples.sh on first use): seeded, so the same calls give the same audio on every machine.
A voiced set lives in a folder named for the dialogues file's content and the voicing script's, so
an edited file or script voices afresh and nothing stale is scored. Calls already voiced are kept:
asking for more calls (a larger --limit) voices only the new ones.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from callintel.files import file_sha256
from callintel.settings import PROJECT_ROOT

VOICE_SCRIPT = PROJECT_ROOT / "scripts" / "voice_samples.py"
VOICE_SETUP = PROJECT_ROOT / "scripts" / "voice_samples.sh"
MANIFEST_COLUMNS = ("call_id", "audio_path", "caller_number", "agent_id", "started_at", "channel_layout")


class VoicingError(RuntimeError):
    """The voicing environment or script failed; the message says what to run by hand."""


def set_folder(cache: Path, dialogues_path: Path) -> Path:
    """var/e2e/<data folder>-<digest of the dialogues and of the voicing script>."""
    digest = file_sha256(dialogues_path)[:8] + file_sha256(VOICE_SCRIPT)[:4]
    return cache / f"{dialogues_path.parent.name}-{digest}"


def chosen_calls(dialogues: list[dict[str, Any]], limit: int | None, mono_every: int) -> list[dict[str, Any]]:
    """The first `limit` calls (all when None), every `mono_every`-th of them recorded mono (0: none).

    A night links repeat callers to their earlier calls, so a subset is a prefix in file order, not a sample.
    """
    calls = [dict(c) for c in (dialogues[:limit] if limit else dialogues)]
    for i, call in enumerate(calls):
        if mono_every and i % mono_every == mono_every - 1:
            call["channel_layout"] = "mono"
    return calls


def voiced_truth(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / "truth.json"
    if not path.exists():
        return {}
    return {c["call_id"]: c for c in json.loads(path.read_text(encoding="utf-8"))["calls"]}


def voice(calls: list[dict[str, Any]], folder: Path, log=print) -> dict[str, dict[str, Any]]:
    """Voice the calls not yet in `folder` (audio under calls/, timings in truth.json); returns the truth by call.

    The truth of a voiced call holds each turn's start/end seconds and channel, so utterances can be mapped
    back to turns by time.
    """
    folder.mkdir(parents=True, exist_ok=True)
    done = voiced_truth(folder)
    missing = [c["call_id"] for c in calls if c["call_id"] not in done
               or not (folder / done[c["call_id"]]["audio_path"]).exists()
               or done[c["call_id"]]["channel_layout"] != c["channel_layout"]]
    if missing:
        subset = folder / "dialogues.json"
        subset.write_text(json.dumps({"calls": calls}, ensure_ascii=False), encoding="utf-8")
        log(f"voicing {len(missing)} call(s) into {folder} (about 1 s of CPU per second of speech)")
        cmd = ["bash", str(VOICE_SETUP), "--dialogues", str(subset), "--out", str(folder)]
        if len(missing) < len(calls):
            cmd += ["--only", *missing]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise VoicingError(f"voicing failed (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}\n"
                               f"run it by hand to see why: {' '.join(cmd)}")
        sys.stderr.write(proc.stderr[-400:] if proc.stderr else "")
        done = voiced_truth(folder)
    return {c["call_id"]: done[c["call_id"]] for c in calls}


def write_manifest(path: Path, truth: dict[str, dict[str, Any]], audio_root: Path) -> Path:
    """A night's manifest of the voiced calls (audio under `audio_root`): what the telephony system knows, no
    queue (the text eval lands none either, so intent and topics come from what was said)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for call in truth.values():
            row = {k: call.get(k) or "" for k in MANIFEST_COLUMNS}
            writer.writerow({**row, "audio_path": str((audio_root / call["audio_path"]).resolve())})
    return path
