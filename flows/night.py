"""The nightly flow: manifest -> speech -> warehouse -> analytics steps -> exports.

Transcription fans out through the task runner (threads on one machine, Dask on a
cluster); everything that touches DuckDB runs in the flow's own process, which holds
the only write connection. Read it top to bottom: it is the table of contents of a night.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

import callintel
from callintel.files import file_sha256
from callintel.flows.environment import nanny_environ
from callintel.flows.steps import Step, each_step, run_step
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
from callintel.warehouse import reviews, runs, speech_cache
from callintel.warehouse.db import connect, table_counts
from callintel.warehouse.export import export_night
from callintel.warehouse.period_report import default_period, write_period_report
from callintel.warehouse.privacy import claim_key
from callintel.warehouse.publish import (
    NightFiles,
    night_lock,
    prepare_working_copy,
    publish,
    read_progress,
    write_progress,
)
from callintel.warehouse.script_library import export_script_library


@dataclass
class Planned:
    call: CallRecord
    sha256: str
    key: str


@task(name="transcribe", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2,
      task_run_name="transcribe-{call.call_id}")
def transcribe(call: CallRecord, settings: Settings, sha256: str) -> Transcript | Failure:
    """Bad input comes back as a Failure (no retry can fix it); a crash is retried (see transcribe_task)."""
    try:
        return transcribe_call(call, settings, sha256)
    except SpeechError as exc:
        return Failure(call.call_id, exc.stage, exc.reason, exc.detail, call.call_id)


def _retry_unless_timeout(task, task_run, state) -> bool:
    """A call that ran out of time would run out again: only other errors (I/O, memory) are retried."""
    exc = state.result(raise_on_failure=False)
    return not isinstance(exc, TimeoutError)


class _ThreadTimeoutNotice(logging.Filter):
    """Prefect warns, once per task, that a timeout cannot interrupt a worker thread mid-call: it takes effect
    when the thread returns to Python, which Whisper does between windows (seconds). Said once in the docs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "running in a worker thread" not in record.getMessage()


logging.getLogger("prefect.task_runs").addFilter(_ThreadTimeoutNotice())


def transcribe_task(settings: Settings):
    """`transcribe` with [night]'s retries (exponential backoff) and per-call timeout."""
    night = settings["night"]
    retries = night["call_retries"]
    return transcribe.with_options(
        retries=retries, retry_delay_seconds=exponential_backoff(night["call_retry_backoff_s"])(retries),
        retry_jitter_factor=0.2, retry_condition_fn=_retry_unless_timeout,
        timeout_seconds=night["call_timeout_s"] or None)


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
        try:  # a damaged review store costs the library and the period report tonight, never the night
            reviews.sync_to_warehouse(con, reviews.store_path(settings))  # the QA leads' decisions, for analysts
            period = default_period(con, int(settings["exports"]["report_days"]))  # the week up to this night
            written["report_period"] = str(write_period_report(con, out_dir / "report_period.html", settings,
                                                               period))
            written.update(export_script_library(con, out_dir, settings))
        except reviews.ReviewStoreError as exc:
            get_run_logger().warning("script library and period report not written: %s", exc)
        return written
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
            # workers started with `python -m callintel.flows.environment` variables (docs/operations-dask.md)
            return DaskTaskRunner(address=night["dask_address"])
        import dask

        # Dask pins OpenMP to one thread and trims malloc in its workers: same threads as this process, no
        # trimming (see environment.py)
        spawn = nanny_environ(settings, dask.config.get("distributed.nanny.pre-spawn-environ"))
        dask.config.set({"distributed.nanny.pre-spawn-environ": spawn})
        return DaskTaskRunner(cluster_kwargs={"n_workers": night["dask_workers"], "threads_per_worker": 1,
                                              "processes": True})
    return ThreadPoolTaskRunner(max_workers=night["max_concurrent_calls"])


@flow(name="callintel-night", log_prints=True)
def night_flow(manifest_path: str, config: str | None = None, label: str = "night",
               overrides: dict | None = None) -> dict[str, Any]:
    """Process one manifest: every good call lands, every bad one lands in `failures`.

    The night writes a private working copy of the warehouse and publishes it whole at the end
    (warehouse/publish.py): readers never wait for it, never block it, never see half a night.
    """
    settings = load_settings(config, overrides)
    files = NightFiles(settings.path("warehouse"))
    with night_lock(files):
        return _night(files, manifest_path, settings, label)


def _night(files: NightFiles, manifest_path: str, settings: Settings, label: str) -> dict[str, Any]:
    log = get_run_logger()
    wall_start = time.monotonic()
    db_path = files.work
    manifest = read_manifest(manifest_path, settings["night"]["timezone"])
    manifest_key = str(Path(manifest_path).resolve())
    nights = sorted({c.night for c in manifest.calls})
    night_names = [str(n) for n in nights]
    run_id = f"{label}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    if any(c.transcript_path is None for c in manifest.calls):  # a night of transcripts needs no Whisper
        whisper_model_dir(settings)  # assemble/verify once, before any worker needs it
    models = model_versions(settings)
    hash_key = caller_hash_key(settings)  # no run without a caller-hash key of its own (demo/tests: built-in)
    resumed = prepare_working_copy(files)
    calls_in = len(manifest.calls) + len(manifest.failures)
    con = connect(db_path)
    try:
        claim_key(con, key_fingerprint(hash_key), run_id)  # refuses a key other than the warehouse's
    except BaseException:
        con.close()
        raise
    for dead in runs.mark_interrupted(con, run_id, read_progress(files)):
        log.warning("run %s did not finish (killed or crashed): marked interrupted; continuing its work", dead)
    if resumed:
        log.info("continuing in the working copy %s left by an unfinished night", db_path)
    runs.start_run(con, run_id, label, manifest_key, night_names, calls_in, settings.fingerprint(), models,
                   callintel.__version__)
    runs.record_process(con, run_id, socket.gethostname(), os.getpid())

    def progress(**fields: Any) -> None:
        write_progress(files, run_id=run_id, **fields)

    progress(status="running", stage="planning", started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             manifest=manifest_key, nights=night_names, calls_in=calls_in, done=0, cached=0, failed=0)
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
        n_cached = len(planned) - len(todo) - len(texts)
        log.info("%d calls in manifest: %d cached, %d to transcribe, %d transcripts to import, %d not usable",
                 len(manifest.calls), n_cached, len(todo), len(texts), len(missing) + len(manifest.failures))

        audio_s = proc_s = 0.0
        timings: list[tuple[str, float, float]] = []
        from_cache = [(p, transcript_from_json(cached[p.key])) for p in planned if p.key in cached]
        ok = _land_many(con, from_cache, run_id, settings, models, cache=False)
        audio_s += sum(t.duration_s for _, t in from_cache)
        imported = []
        for p, result in zip(texts, import_transcripts(texts, settings) if texts else [], strict=True):
            if isinstance(result, Transcript):
                imported.append((p, result))
            else:
                failures.append(result)
                log.warning("%s failed at import: %s", p.call.call_id, result.reason)
        ok += _land_many(con, imported, run_id, settings, models, cache=True)
        progress(stage="transcribing", done=ok, cached=n_cached, failed=len(failures), to_transcribe=len(todo))
        transcriber = transcribe_task(settings)
        futures = {transcriber.submit(p.call, settings, p.sha256): p for p in todo}
        for done, future in enumerate(as_completed(list(futures)), start=1):
            p = futures[future]
            result = future.result(raise_on_failure=False)
            if isinstance(result, Transcript):
                _land(con, p, result, run_id, settings, models, cache=True)
                ok += 1
                audio_s += result.duration_s
                proc_s += result.processing_s
                timings.append((p.call.call_id, result.duration_s, result.processing_s))
                log.info("[%d/%d] %s: %d utterances, %.1f s audio in %.1f s%s", done, len(todo), p.call.call_id,
                         len(result.utterances), result.duration_s, result.processing_s,
                         f" (warning: {'; '.join(result.warnings)})" if result.warnings else "")
            else:
                failure = _task_failure(p, result, settings)
                failures.append(failure)
                log.warning("[%d/%d] %s failed at %s: %s", done, len(todo), p.call.call_id, failure.stage,
                            failure.reason)
            progress(done=ok, failed=len(failures), last_call=p.call.call_id)
        runs.write_failures(con, failures, manifest_key, run_id)
        con.close()

        progress(stage="analytics")

        def analytics(step: Step, ran: list) -> dict[str, Any]:
            summary = analytics_step(step, db_path, ran, settings)
            log.info("step %s: %s", step.name, {k: v for k, v in summary.items() if k != "nights"})
            return summary

        steps = each_step(settings["night"]["steps"], nights, analytics)

        progress(stage="exports")
        exports = export(db_path, settings.path("exports") / str(max(nights)), settings) if nights else {}
        for name, path in exports.items():
            log.info("export %s: %s", name, path)

        con = connect(db_path)
        status = "succeeded" if not failures else "partial"
        review = runs.calls_to_review(con, settings["review"]["min_call_s"], night_names)
        for night, call_id, _, reason in review:
            log.warning("needs a look: %s (%s): %s", call_id, night, reason)
        summary = runs.summarize(calls_in, ok, n_cached, len(failures), len(review), audio_s,
                                 time.monotonic() - wall_start, timings, settings["review"]["slowest_calls"])
        runs.finish_run(con, run_id, status, calls_ok=int(ok), calls_cached=n_cached,
                         calls_failed=len(failures), audio_seconds=round(audio_s, 2),
                         processing_seconds=round(proc_s, 2))
        runs.close_run(con, run_id, summary, runs.EXIT_CODES[status])
        runs.record_publication(con, run_id, night_names, status)
        counts = table_counts(con)
        con.execute("CHECKPOINT")
        con.close()
        progress(stage="publishing")
        publish(files)
    except BaseException as exc:
        con.close()
        if not db_path.exists():  # already published: nothing left to record the failure in
            raise
        with connect(db_path) as failed:
            runs.finish_run(failed, run_id, "failed")
            runs.close_run(failed, run_id, {"wall_seconds": round(time.monotonic() - wall_start, 1)},
                           runs.EXIT_CODES["failed"], note=f"{type(exc).__name__}: {exc}"[:2000])
        progress(status="failed", stage="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    progress(status=status, stage="published", summary=summary)
    log.info("night %s: %s", status, summary)
    return {"run_id": run_id, "db": str(files.published), "nights": night_names, "calls_ok": int(ok),
            "calls_failed": len(failures), "failures": [(f.item, f.stage, f.reason) for f in failures],
            "steps": steps, "exports": exports, "tables": counts, "status": status,
            "exit_code": runs.EXIT_CODES[status], "summary": summary, "to_review": review}


def _task_failure(p: Planned, result: Any, settings: Settings) -> Failure:
    """A Failure for a call whose task did not return a transcript (bad input, timeout, a crash after retries)."""
    if isinstance(result, Failure):
        return result
    if isinstance(result, TimeoutError):
        return Failure(p.call.call_id, "transcribe", f"transcription took longer than "
                       f"{settings['night']['call_timeout_s']} s ([night] call_timeout_s): a very long or damaged "
                       "recording, or an overloaded machine; check the file, raise the limit and rerun",
                       repr(result), p.call.call_id)
    return Failure(p.call.call_id, "transcribe", f"unexpected error while transcribing (after "
                   f"{settings['night']['call_retries']} retries): {result!r}", repr(result), p.call.call_id)


def _land(con, p: Planned, transcript: Transcript, run_id: str, settings: Settings, models: dict[str, str],
          cache: bool) -> None:
    _land_many(con, [(p, transcript)], run_id, settings, models, cache)


def _land_many(con, landed: list[tuple[Planned, Transcript]], run_id: str, settings: Settings,
               models: dict[str, str], cache: bool) -> int:
    """Write calls (and cache their transcripts) [night] land_batch at a time: one transaction per batch.

    The cache first: a kill between the two writes leaves a cached transcript, never a call the cache lacks.
    """
    privacy, size = settings["privacy"], settings["night"]["land_batch"]
    for i in range(0, len(landed), size):
        batch = landed[i:i + size]
        if cache:
            # the stage hashes the bytes it read: a file rewritten since planning is cached under its new key
            speech_cache.cache_transcripts(con, [(t.cache_key or p.key, p.call.call_id, t.audio_sha256 or p.sha256,
                                                  transcript_to_json(t)) for p, t in batch])
        store.write_calls(con, [(p.call, t, caller_hash(p.call.caller_number, settings),
                                 models["asr"] if t.source == "asr" else None) for p, t in batch],
                          run_id, privacy["keep_caller_number"])
    return len(landed)


def run_night(manifest_path: str | Path, config: str | None = None, label: str = "night",
              overrides: dict | None = None) -> dict[str, Any]:
    """Run the flow with the task runner the settings ask for."""
    from callintel.flows.prefect_server import start_temporary_server

    settings = load_settings(config, overrides)
    caller_hash_key(settings)  # refuse before Prefect starts a flow run: the error says how to set a key
    with night_lock(NightFiles(settings.path("warehouse"))):  # a busy warehouse: a clear error before Prefect starts
        start_temporary_server()  # tied to this process: a killed night leaves no server behind
        return night_flow.with_options(task_runner=task_runner(settings))(str(manifest_path), config, label,
                                                                          overrides)
