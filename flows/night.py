"""The nightly flow: manifest -> speech -> warehouse -> analytics steps -> exports.

Transcription fans out through the task runner (threads on one machine, Dask on a
cluster); everything that touches DuckDB runs in the flow's own process, which holds
the only write connection. Read it top to bottom: it is the table of contents of a night.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner

import callintel
from callintel.files import file_sha256
from callintel.flows.environment import thread_environ
from callintel.flows.steps import Step, ordered, run_step
from callintel.manifest import Manifest, read_manifest
from callintel.model_files import model_versions, whisper_model_dir
from callintel.privacy import caller_hash, caller_hash_key, key_fingerprint
from callintel.records import CallRecord, Failure, Transcript
from callintel.settings import Settings, load_settings
from callintel.speech.decode import SpeechError
from callintel.speech.stage import cache_key, transcribe_call, transcript_from_json, transcript_to_json
from callintel.speech.text import TextCleaner
from callintel.speech.transcripts import (
    Labels,
    TranscriptError,
    import_transcript,
    text_settings_digest,
    transcript_cache_key,
)
from callintel.warehouse import calls as store
from callintel.warehouse import runs, speech_cache
from callintel.warehouse.db import connect, table_counts
from callintel.warehouse.export import export_night
from callintel.warehouse.privacy import claim_key
from callintel.warehouse.script_library import export_script_library


@dataclass
class Planned:
    call: CallRecord
    sha256: str
    key: str


@task(name="transcribe", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2,
      task_run_name="transcribe-{call.call_id}")
def transcribe(call: CallRecord, settings: Settings, sha256: str) -> Transcript | Failure:
    """Bad input comes back as a Failure (no retry can fix it); a crash is retried once."""
    try:
        return transcribe_call(call, settings, sha256)
    except SpeechError as exc:
        return Failure(call.call_id, exc.stage, exc.reason, exc.detail, call.call_id)


@task(name="analytics-step", cache_policy=NO_CACHE, task_run_name="step-{step.name}")
def analytics_step(step: Step, db_path: Path, nights: list, settings: Settings) -> dict[str, Any]:
    con = connect(db_path)
    try:
        return run_step(step, con, nights, settings)
    finally:
        con.close()


@task(name="export", cache_policy=NO_CACHE)
def export(db_path: Path, out_dir: Path, settings: Settings) -> dict[str, str]:
    con = connect(db_path)
    try:
        written = export_night(con, out_dir, settings)
        return {**written, **export_script_library(con, out_dir)}
    finally:
        con.close()


def plan(manifest: Manifest, settings: Settings) -> tuple[list[Planned], list[Failure]]:
    """Hash every audio or transcript file once: the hash keys the cache and detects a changed file."""
    planned, failures = [], []
    text_digest = text_settings_digest(settings) if any(c.transcript_path for c in manifest.calls) else ""
    for call in manifest.calls:
        if call.transcript_path is not None:
            path, stage, column = call.transcript_path, "import", "transcript_path"
        else:
            assert call.audio_path is not None
            path, stage, column = call.audio_path, "decode", "audio_path"
        try:
            sha = file_sha256(path)
        except FileNotFoundError:
            failures.append(Failure(call.call_id, stage, f"{column.split('_')[0]} file not found: {path}; "
                                    f"check the manifest's {column} (relative paths are from the manifest's folder)",
                                    call_id=call.call_id))
            continue
        except (IsADirectoryError, PermissionError) as exc:
            failures.append(Failure(call.call_id, stage, f"cannot read {path}: {exc}", call_id=call.call_id))
            continue
        key = (transcript_cache_key(sha, call.transcript_format, text_digest) if call.transcript_path is not None
               else cache_key(sha, call.channel_layout, settings))
        planned.append(Planned(call, sha, key))
    return planned, failures


@task(name="import-transcripts", cache_policy=NO_CACHE)
def import_transcripts(calls: list[Planned], settings: Settings) -> list[Transcript | Failure]:
    """Transcripts made elsewhere, read and cleaned in this process (text is fast: no fan-out needed)."""
    cleaner, labels = TextCleaner.from_settings(settings), Labels.from_settings(settings)
    digest = text_settings_digest(settings)
    results: list[Transcript | Failure] = []
    for p in calls:
        t0 = time.perf_counter()
        try:
            result = import_transcript(p.call, settings, p.sha256, digest, cleaner, labels)
            result.processing_s = round(time.perf_counter() - t0, 4)
            results.append(result)
        except (TranscriptError, OSError) as exc:
            results.append(Failure(p.call.call_id, "import", str(exc), call_id=p.call.call_id))
    return results


def task_runner(settings: Settings):
    night = settings["night"]
    if night["task_runner"] == "dask":
        from prefect_dask import DaskTaskRunner

        if night.get("dask_address"):
            return DaskTaskRunner(address=night["dask_address"])  # start its workers with thread_environ()
        import dask

        # Dask pins OpenMP to one thread in its workers; use the same count as this process (see environment.py)
        spawn = dict(dask.config.get("distributed.nanny.pre-spawn-environ")) | thread_environ(settings)
        dask.config.set({"distributed.nanny.pre-spawn-environ": spawn})
        return DaskTaskRunner(cluster_kwargs={"n_workers": night["dask_workers"], "threads_per_worker": 1,
                                              "processes": True})
    return ThreadPoolTaskRunner(max_workers=night["max_concurrent_calls"])


@flow(name="callintel-night", log_prints=True)
def night_flow(manifest_path: str, config: str | None = None, label: str = "night",
               overrides: dict | None = None) -> dict[str, Any]:
    """Process one manifest: every good call lands, every bad one lands in `failures`."""
    log = get_run_logger()
    settings = load_settings(config, overrides)
    db_path = settings.path("warehouse")
    manifest = read_manifest(manifest_path, settings["night"]["timezone"])
    manifest_key = str(Path(manifest_path).resolve())
    nights = sorted({c.night for c in manifest.calls})
    run_id = f"{label}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    if any(c.transcript_path is None for c in manifest.calls):  # a night of transcripts needs no Whisper
        whisper_model_dir(settings)  # assemble/verify once, before any worker needs it
    models = model_versions(settings)
    hash_key = caller_hash_key(settings)  # no run without a caller-hash key of its own (demo/tests: built-in)
    con = connect(db_path)
    try:
        claim_key(con, key_fingerprint(hash_key), run_id)  # refuses a key other than the warehouse's
    except BaseException:
        con.close()
        raise
    runs.start_run(con, run_id, label, manifest_key, [str(n) for n in nights], len(manifest.calls) +
                    len(manifest.failures), settings.fingerprint(), models, callintel.__version__)
    try:
        runs.clear_manifest_failures(con, manifest_key, {f.item for f in manifest.failures})
        failures = list(manifest.failures)
        for f in manifest.failures:
            log.warning("manifest: %s", f.reason)

        planned, missing = plan(manifest, settings)
        failures += missing
        cached = speech_cache.cached_transcripts(con, [p.key for p in planned])
        texts = [p for p in planned if p.key not in cached and p.call.transcript_path is not None]
        todo = [p for p in planned if p.key not in cached and p.call.transcript_path is None]
        log.info("%d calls in manifest: %d cached, %d to transcribe, %d transcripts to import, %d not usable",
                 len(manifest.calls), len(planned) - len(todo) - len(texts), len(todo), len(texts),
                 len(missing) + len(manifest.failures))

        ok = audio_s = proc_s = 0.0
        ok += _land_many(con, [(p, transcript_from_json(cached[p.key])) for p in planned if p.key in cached],
                         run_id, settings, models, cache=False)
        imported = []
        for p, result in zip(texts, import_transcripts(texts, settings) if texts else [], strict=True):
            if isinstance(result, Transcript):
                imported.append((p, result))
            else:
                failures.append(result)
                log.warning("%s failed at import: %s", p.call.call_id, result.reason)
        ok += _land_many(con, imported, run_id, settings, models, cache=True)
        futures = {transcribe.submit(p.call, settings, p.sha256): p for p in todo}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            p = futures[future]
            result = future.result(raise_on_failure=False)
            if isinstance(result, Transcript):
                _land(con, p, result, run_id, settings, models, cache=True)
                ok += 1
                audio_s += result.duration_s
                proc_s += result.processing_s
                log.info("[%d/%d] %s: %d utterances, %.1f s audio in %.1f s%s", done, len(todo), p.call.call_id,
                         len(result.utterances), result.duration_s, result.processing_s,
                         f" (warning: {'; '.join(result.warnings)})" if result.warnings else "")
            else:
                failure = result if isinstance(result, Failure) else Failure(
                    p.call.call_id, "transcribe", f"unexpected error while transcribing: {result!r}",
                    call_id=p.call.call_id)
                failures.append(failure)
                log.warning("[%d/%d] %s failed at %s: %s", done, len(todo), p.call.call_id, failure.stage,
                            failure.reason)
        runs.write_failures(con, failures, manifest_key, run_id)
        con.close()

        steps: dict[str, Any] = {}
        for step in ordered(settings["night"]["steps"]):
            steps[step.name] = analytics_step(step, db_path, nights, settings)
            log.info("step %s: %s", step.name, {k: v for k, v in steps[step.name].items() if k != "nights"})

        exports = export(db_path, settings.path("exports") / str(max(nights)), settings) if nights else {}
        for name, path in exports.items():
            log.info("export %s: %s", name, path)

        con = connect(db_path)
        status = "succeeded" if not failures else "partial"
        runs.finish_run(con, run_id, status, calls_ok=int(ok), calls_cached=len(planned) - len(todo) - len(texts),
                         calls_failed=len(failures), audio_seconds=round(audio_s, 2),
                         processing_seconds=round(proc_s, 2))
        counts = table_counts(con)
    except BaseException:
        con.close()
        with connect(db_path) as failed:
            runs.finish_run(failed, run_id, "failed")
        raise
    con.close()
    return {"run_id": run_id, "db": str(db_path), "nights": [str(n) for n in nights], "calls_ok": int(ok),
            "calls_failed": len(failures), "failures": [(f.item, f.stage, f.reason) for f in failures],
            "steps": steps, "exports": exports, "tables": counts}


def _land(con, p: Planned, transcript: Transcript, run_id: str, settings: Settings, models: dict[str, str],
          cache: bool) -> None:
    _land_many(con, [(p, transcript)], run_id, settings, models, cache)


def _land_many(con, landed: list[tuple[Planned, Transcript]], run_id: str, settings: Settings,
               models: dict[str, str], cache: bool) -> int:
    """Write calls (and cache their transcripts) [night] land_batch at a time: one transaction per batch."""
    privacy, size = settings["privacy"], settings["night"]["land_batch"]
    for i in range(0, len(landed), size):
        batch = landed[i:i + size]
        store.write_calls(con, [(p.call, t, caller_hash(p.call.caller_number, settings),
                                 models["asr"] if t.source == "asr" else None) for p, t in batch],
                          run_id, privacy["keep_caller_number"])
        if cache:
            # the stage hashes the bytes it read: a file rewritten since planning is cached under its new key
            speech_cache.cache_transcripts(con, [(t.cache_key or p.key, p.call.call_id, t.audio_sha256 or p.sha256,
                                           transcript_to_json(t)) for p, t in batch])
    return len(landed)


def run_night(manifest_path: str | Path, config: str | None = None, label: str = "night",
              overrides: dict | None = None) -> dict[str, Any]:
    """Run the flow with the task runner the settings ask for."""
    settings = load_settings(config, overrides)
    caller_hash_key(settings)  # refuse before Prefect starts a flow run: the error says how to set a key
    return night_flow.with_options(task_runner=task_runner(settings))(str(manifest_path), config, label, overrides)
