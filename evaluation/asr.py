"""`callintel eval asr`: character error rate and real-time factor of the production speech stage.

Every file with a reference in `references.tsv` goes through `speech.stage.transcribe_call`
with the night's settings, so the figure is what a night gets. CER is computed after removing
punctuation and spaces and mapping both sides to Simplified (../shared/EVALUATION.md).

`cer_telephone` is the same clips passed through a telephone channel first (resampled to
8 kHz, mu-law encoded, decoded again; made with PyAV in a temporary folder), which is what
call-centre audio sounds like. When `derived_two_party_8k/segments.tsv` is present, the
two-party call is scored too: CER per speaker on the stereo file, and on the mono mix, and
how many turns got the right role.
"""

from __future__ import annotations

import csv
import tempfile
import time
from datetime import datetime
from pathlib import Path

from callintel.evaluation import data_files
from callintel.evaluation.audio import write_audio
from callintel.evaluation.data_files import DataError
from callintel.records import CallRecord, Transcript
from callintel.settings import Settings
from callintel.speech.asr import AsrOptions, load_model
from callintel.speech.decode import SpeechError, decode
from callintel.speech.normalize import strip_for_scoring

TELEPHONE_RATE = 8000


def edit_distance(ref: str, hyp: str) -> int:
    """Levenshtein distance over characters."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def audio_dir(data_dir: Path) -> Path:
    """`data_dir` itself when it holds references.tsv, else its `audio/` folder."""
    data_dir = Path(data_dir)
    for candidate in (data_dir, data_dir / "audio"):
        if (candidate / "references.tsv").exists():
            return candidate
    raise FileNotFoundError(f"no references.tsv in {data_dir} or {data_dir / 'audio'}")


def read_references(folder: Path, problems: list[str] | None = None) -> list[tuple[Path, str]]:
    """(audio file, reference) of every row of `references.tsv` with a reference (a file without one is only
    transcribed elsewhere, e.g. the two-party call). A row whose file is missing or cannot be decoded is left out
    and said in `problems`: the data's fault, not recognition's, so it counts in no error rate."""
    problems = [] if problems is None else problems
    table = folder / "references.tsv"
    with table.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if not {"path", "reference"} <= set(reader.fieldnames or ()):
            raise DataError(f"{table}: needs the tab-separated columns path and reference "
                            f"(found: {', '.join(reader.fieldnames or ()) or 'none'})")
        rows = list(reader)
    out = []
    for line, row in enumerate(rows, start=2):
        ref, rel = (row.get("reference") or "").strip(), (row.get("path") or "").strip()
        if not ref:
            continue
        reason = _unusable(folder / rel) if rel else "no path"
        if reason:
            problems.append(f"{table} line {line}: {rel or '-'}: {reason}; left out")
            continue
        out.append((folder / rel, row["reference"]))
    return out


def _unusable(path: Path) -> str | None:
    """Why an audio file cannot be scored (missing, empty, or refused by the speech stage's own decoder: not audio,
    damaged, no samples), or None."""
    if not path.is_file():
        return "no such file"
    if path.stat().st_size == 0:
        return "an empty file"
    try:
        decode(path, want_stereo=False)
    except SpeechError as exc:
        return f"not decodable audio ({exc.reason})"
    return None


def call_record(path: Path, layout: str = "mono", call_id: str | None = None) -> CallRecord:
    now = datetime.now().astimezone()
    return CallRecord(call_id or path.stem, path, None, None, now, layout, now.date(), 0)  # type: ignore[arg-type]


def telephone_copy(src: Path, dst: Path) -> Path:
    """`src` through an 8 kHz mu-law channel (G.711), written as a WAV at `dst`."""
    from faster_whisper.audio import decode_audio

    return write_audio(dst, [decode_audio(str(src), sampling_rate=TELEPHONE_RATE)], TELEPHONE_RATE, "pcm_mulaw")


def hypothesis(t: Transcript, speaker: str | None = None) -> str:
    return "".join(u.text for u in t.utterances if speaker is None or u.speaker == speaker)


def score_files(files: list[tuple[Path, str]], settings: Settings, transcribe=None,
                names: list[str] | None = None) -> dict:
    """CER/RTF over `files`; `transcribe` defaults to the production stage; `names` are how the figures name each
    file (default its file name)."""
    if transcribe is None:
        from callintel.speech.stage import transcribe_call as transcribe
    per_file, errors, chars, audio_s, proc_s, failures = [], 0, 0, 0.0, 0.0, []
    for n, (path, ref) in enumerate(files):
        name = names[n] if names else path.name
        ref_s = strip_for_scoring(ref)
        t0 = time.perf_counter()
        try:
            t = transcribe(call_record(path), settings)
        except SpeechError as exc:
            failures.append({"file": name, "reason": exc.reason})
            errors += len(ref_s)
            chars += len(ref_s)
            continue
        elapsed = time.perf_counter() - t0
        hyp_s = strip_for_scoring(hypothesis(t))
        e = edit_distance(ref_s, hyp_s)
        errors += e
        chars += len(ref_s)
        audio_s += t.duration_s
        proc_s += elapsed
        per_file.append({"file": name, "cer": round(e / max(1, len(ref_s)), 4), "errors": e,
                         "chars": len(ref_s), "seconds": round(t.duration_s, 2),
                         "rtf": round(elapsed / t.duration_s, 3), "hypothesis": hyp_s})
    return {"files": len(files), "audio_seconds": round(audio_s, 2), "cer": round(errors / max(1, chars), 4),
            "rtf": round(proc_s / max(audio_s, 1e-9), 3), "chars": chars, "errors": errors,
            "per_file": per_file, "failures": failures}


def score_two_party(folder: Path, settings: Settings) -> dict | None:
    """CER per speaker and role accuracy on derived_two_party_8k, when it is there."""
    from callintel.speech.stage import transcribe_call

    call_dir = folder / "derived_two_party_8k"
    if not (call_dir / "segments.tsv").exists():
        return None
    with (call_dir / "segments.tsv").open(encoding="utf-8") as fh:
        turns = list(csv.DictReader(fh, delimiter="\t"))
    out: dict = {}
    for name, layout in (("stereo", "stereo_agent_left"), ("mono", "mono")):
        matches = sorted(call_dir.glob(f"call_{name}_*.wav"))
        if not matches:
            continue
        t = transcribe_call(call_record(matches[0], layout), settings)
        res: dict = {"utterances": len(t.utterances), "turns": len(turns)}
        for speaker in ("agent", "customer"):
            ref = strip_for_scoring("".join(x["text"] for x in turns if x["speaker"] == speaker))
            hyp = strip_for_scoring(hypothesis(t, speaker))
            res[f"cer_{speaker}"] = round(edit_distance(ref, hyp) / max(1, len(ref)), 4)
        # role accuracy: each true turn takes the role of the utterance overlapping it most
        right = 0
        for turn in turns:
            t0, t1 = float(turn["start_s"]), float(turn["end_s"])
            best = max(t.utterances, key=lambda u: min(u.end, t1) - max(u.start, t0), default=None)
            if best is not None and min(best.end, t1) - max(best.start, t0) > 0 and best.speaker == turn["speaker"]:
                right += 1
        res["turn_role_accuracy"] = round(right / max(1, len(turns)), 3)
        out[name] = res
    return out


def run(data_dir: Path, settings: Settings) -> dict:
    """The `eval asr` figures (keys: files, audio_seconds, cer, rtf, cer_telephone, ...)."""
    from callintel.model_files import whisper_model_dir

    folder = audio_dir(Path(data_dir))
    problems: list[str] = []
    files = read_references(folder, problems)
    if not files:
        raise DataError(f"{folder / 'references.tsv'}: no audio file with a reference to score "
                        f"({len(problems)} problem(s){': ' + problems[0] if problems else ''})")
    t0 = time.perf_counter()
    load_model(whisper_model_dir(settings), AsrOptions.from_settings(settings["speech"]))
    load_s = time.perf_counter() - t0
    names = [p.relative_to(folder).as_posix() for p, _ in files]   # two folders may hold one file name
    clean = score_files(files, settings, names=names)
    with tempfile.TemporaryDirectory(prefix="callintel-tel-") as tmp:
        tel_files = [(telephone_copy(p, Path(tmp) / f"{i:03d}_{p.stem}.wav"), ref) for i, (p, ref) in enumerate(files)]
        tel = score_files(tel_files, settings, names=names)
    result = {
        "files": clean["files"], "audio_seconds": clean["audio_seconds"], "cer": clean["cer"], "rtf": clean["rtf"],
        "cer_telephone": tel["cer"], "rtf_telephone": tel["rtf"], "chars": clean["chars"],
        "model_load_s": round(load_s, 2),
        "per_file": {f["file"]: f["cer"] for f in clean["per_file"]},
        "per_file_telephone": {f["file"]: f["cer"] for f in tel["per_file"]},
        "failures": clean["failures"] + tel["failures"],
        "vocabulary_mode": settings["speech"].get("vocabulary_mode", "off"),
        "data_problems": data_files.summary(problems),
    }
    two_party = score_two_party(folder, settings)
    if two_party is not None:
        result["two_party_call"] = two_party
    return result
