"""The nightly flow: manifest -> speech -> warehouse -> analytics steps -> exports.

Transcription fans out through the task runner (threads on one machine, Dask on a
cluster); everything that touches DuckDB runs in the flow's own process, which holds
the only write connection. Read it top to bottom: it is the table of contents of a night.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

import callintel
from callintel.flows.environment import WORKER_PREFECT_VARS, nanny_environ, restored_environ
from callintel.flows.steps import Step, check_night_settings, each_step, run_step
from callintel.flows.workers import WorkerWatch
from callintel.input_files import InputFileError, audio_root, check_file, sha256_within
from callintel.manifest import Manifest, read_manifest
from callintel.model_files import model_versions, whisper_model_dir
from callintel.privacy import caller_hash, caller_hash_key, key_fingerprint
from callintel.records import CallRecord, Failure, Transcript
from callintel.settings import Settings, load_settings
from callintel.speech.decode import SpeechError
from callintel.speech.redact import RedactionRules
from callintel.speech.stage import cache_key, transcribe_call, transcript_from_json, transcript_to_json
from callintel.speech.text import TextCleaner, mask_attributes
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
    """The people's files from a published warehouse, read-only (readers are never blocked)."""
    con = connect(db_path, read_only=True)
    try:
        written = export_night(con, out_dir, settings)
        try:  # a damaged review store costs the library and the period report tonight, never the night
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
    """Hash every audio or transcript file once: the hash keys the cache and detects a changed file.

    Only regular files inside the audio folder, within the size limit, are read, each within a time limit
    (callintel/input_files.py): one bad row fails its call, never hangs the night or reads /etc/passwd.
    """
    planned, failures = [], []
    night = settings["night"]
    root = audio_root(night["audio_root"], manifest.path)
    text_digest = text_settings_digest(settings) if any(c.transcript_path for c in manifest.calls) else ""
    for call in manifest.calls:
        if call.transcript_path is not None:
            path, stage, column = call.transcript_path, "import", "transcript_path"
        else:
            assert call.audio_path is not None
            path, stage, column = call.audio_path, "decode", "audio_path"
        try:
            check_file(path, root, night["max_file_mb"], column)
            sha = sha256_within(path, night["plan_timeout_s"])
        except InputFileError as exc:
            failures.append(Failure(call.call_id, stage, str(exc), call_id=call.call_id))
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


# How often the night looks at its workers and rewrites its progress while calls are out (a heartbeat for
# `callintel status`), in seconds.
WATCH_EVERY_S = 10.0


def task_runner(settings: Settings, api_url: str | None = None):
    """Threads, or Dask: a LocalCluster whose workers report to `api_url` (the night's Prefect server) and never
    start a Prefect server of their own (each did, orphaned when the worker was killed), or a cluster's address."""
    night = settings["night"]
    if night["task_runner"] == "dask":
        from prefect_dask import DaskTaskRunner

        if night.get("dask_address"):
            # workers started with `python -m callintel.flows.environment` variables (docs/operations-dask.md)
            return DaskTaskRunner(address=night["dask_address"])
        import dask

        # Dask pins OpenMP to one thread and trims malloc in its workers: same threads as this process, no
        # trimming (see environment.py)
        spawn = nanny_environ(settings, dask.config.get("distributed.nanny.pre-spawn-environ"), api_url)
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


@dataclass
class NightRun:
    """What the stages of one night share: its files and settings, the manifest, and the figures so far."""

    files: NightFiles
    settings: Settings
    run_id: str
    manifest: Manifest
    manifest_key: str
    nights: list
    models: dict[str, str]
    calls_in: int
    wall_start: float
    failures: list[Failure] = field(default_factory=list)
    folded: list[Manifest] = field(default_factory=list)   # unfinished runs' manifests taken in (_fold_unfinished)
    open_elsewhere: list[Failure] = field(default_factory=list)   # filed under another manifest (_fold_unfinished)
    ok: int = 0
    n_cached: int = 0
    audio_s: float = 0.0
    proc_s: float = 0.0
    timings: list[tuple[str, float, float]] = field(default_factory=list)

    @property
    def night_names(self) -> list[str]:
        return [str(n) for n in self.nights]

    def progress(self, **fields: Any) -> None:
        write_progress(self.files, run_id=self.run_id, **fields)


def _night(files: NightFiles, manifest_path: str, settings: Settings, label: str) -> dict[str, Any]:
    """The table of contents of a night: start, plan, land, transcribe, analyse, publish, then export.

    Exports run after publication, from the published file: a failed export is recorded (exit 3, `callintel
    status` lists it) and never withholds a night whose calls all landed.
    """
    log = get_run_logger()
    run, con = _start(files, manifest_path, settings, label, log)
    try:
        cached, texts, todo = _plan(run, con, log)
        _land_ready(run, con, cached, texts, log)
        _transcribe_all(run, con, todo, log)
        _write_failures(run, con)
        con.close()
        steps = _analyse(run, log)
        status, summary, review, counts = _publish(run, log)
    except BaseException as exc:
        con.close()
        _record_failure(run, exc)
        raise
    exports, export_error = _export(run, log)
    run.progress(status=status, stage="published" if not export_error else "exports failed", summary=summary,
                 exports_error=export_error)
    log.info("night %s: %s", status, summary)
    exit_code = runs.EXIT_CODES[status]
    if export_error:
        exit_code = max(exit_code, runs.EXIT_CODES["partial"])
    return {"run_id": run.run_id, "db": str(files.published), "nights": run.night_names, "calls_ok": int(run.ok),
            "calls_failed": len(run.failures),
            "failures": [(f.item, f.stage, f.reason) for f in (*run.failures, *run.open_elsewhere)],
            "steps": steps, "exports": exports, "exports_error": export_error, "tables": counts, "status": status,
            "exit_code": exit_code, "summary": summary, "to_review": review}


def _start(files: NightFiles, manifest_path: str, settings: Settings, label: str, log) -> tuple[NightRun, Any]:
    """Read the manifest, take the working copy, open the run record; returns the run and a write connection."""
    wall_start = time.monotonic()
    check_night_settings(settings)   # a scheduled night (serve) comes here without run_night
    manifest = _read_masked(manifest_path, settings)
    if not manifest.calls and not manifest.failures:
        log.warning("the manifest %s lists no calls: nothing to land", manifest_path)
    run_id = f"{label}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    if any(c.transcript_path is None for c in manifest.calls):  # a night of transcripts needs no Whisper
        whisper_model_dir(settings)  # assemble/verify once, before any worker needs it
    run = NightRun(files, settings, run_id, manifest, str(Path(manifest_path).resolve()),
                   sorted({c.night for c in manifest.calls}), model_versions(settings),
                   len(manifest.calls) + len(manifest.failures), wall_start)
    hash_key = caller_hash_key(settings)  # no run without a caller-hash key of its own (demo/tests: built-in)
    copy = prepare_working_copy(files)
    if copy.discarded:
        log.warning("%s", copy.discarded)
    con = connect(files.work)
    try:
        claim_key(con, key_fingerprint(hash_key), run_id)  # refuses a key other than the warehouse's
    except BaseException:
        con.close()
        raise
    for dead in runs.mark_interrupted(con, run_id, read_progress(files)):
        log.warning("run %s did not finish (killed or crashed): marked interrupted; continuing its work", dead)
    if copy.resumed:
        log.info("continuing in the working copy %s left by an unfinished night", files.work)
        for dead, status, path in runs.unpublished_runs(con):
            _fold_unfinished(run, con, dead, status, path, log)
    runs.start_run(con, run_id, label, run.manifest_key, run.night_names, run.calls_in, settings.fingerprint(),
                   run.models, callintel.__version__)
    runs.record_process(con, run_id, socket.gethostname(), os.getpid())
    run.progress(status="running", stage="planning", started_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                 manifest=run.manifest_key, nights=run.night_names, calls_in=run.calls_in, done=0, cached=0,
                 failed=0)
    return run, con


def _read_masked(manifest_path: str | Path, settings: Settings) -> Manifest:
    """The manifest read in the night's time zone and audio folder, extra columns masked unless kept."""
    night = settings["night"]
    manifest = read_manifest(manifest_path, night["timezone"], audio_root(night["audio_root"], Path(manifest_path)))
    rules = RedactionRules.from_settings(settings)
    keep = settings["privacy"]["keep_manifest_columns"]  # extra columns reach calls.attributes masked unless kept
    manifest.calls = [replace(c, attributes=mask_attributes(c.attributes, keep, rules)) for c in manifest.calls]
    return manifest


def _fold_unfinished(run: NightRun, con, dead: str, status: str, path: str | None, log) -> None:
    """A killed run's manifest taken into this night when it was another; a crashed one's named as open.

    Why: the working copy holds what the unfinished night landed, and this night publishes it; with another manifest
    its calls still to transcribe were never done and its nights got no analytics, yet the night said succeeded.
    A killed run's (interrupted) calls join this night, planned in their own manifest's folder (this manifest's row
    wins for a call in both; calls that landed come from the speech cache, not transcribed again), and its nights
    are analysed with this night's. A run that failed is not taken in (what broke it could break this night too,
    and every night after): it is a failure filed under its manifest, as is a killed run's manifest that cannot be
    read any more; each is open until that manifest is run again.
    """
    if not path or path == run.manifest_key:
        return
    other = None
    if status == "interrupted":
        try:
            other = _read_masked(path, run.settings)
        except (OSError, ValueError) as exc:
            reason = f"its manifest cannot be read ({exc})"
    else:
        reason = "it failed before publishing (`callintel status` has why)"
    if other is None:
        what = (f"the unfinished run {dead} of manifest {path} is not continued: {reason}; its calls that had not "
                "landed, and the analytics of its nights, wait for that manifest to run again")
        failure = Failure(f"run {dead}", "manifest", what, source=path)
        runs.write_failures(con, [failure], path, run.run_id)
        run.open_elsewhere.append(failure)   # the night is partial: something it holds is not finished
        log.warning("%s", what)
        return
    taken = {c.call_id for m in (run.manifest, *run.folded) for c in m.calls}
    other.calls = [c for c in other.calls if c.call_id not in taken]
    runs.write_failures(con, other.failures, path, run.run_id)   # its bad rows, under its own manifest
    run.folded.append(other)
    run.calls_in += len(other.calls)
    run.nights = sorted({*run.nights, *(c.night for c in other.calls)})
    log.warning("unfinished run %s: %d calls of its manifest %s are taken into this night", dead, len(other.calls),
                path)


def _write_failures(run: NightRun, con) -> None:
    """The night's call failures, each under the manifest that lists its call: a folded run's call that fails here
    is its manifest's to run again, and `callintel status` names that one."""
    manifest_of = {c.call_id: str(m.path.resolve()) for m in run.folded for c in m.calls}
    by_manifest: dict[str, list[Failure]] = {}
    for f in run.failures:
        by_manifest.setdefault(manifest_of.get(f.call_id or f.item, run.manifest_key), []).append(f)
    for key, failures in by_manifest.items():
        runs.write_failures(con, failures, key, run.run_id)


def _plan(run: NightRun, con, log) -> tuple[list[tuple[Planned, Transcript]], list[Planned], list[Planned]]:
    """Manifest failures, then every call's file checked and hashed: (cached transcripts, transcripts to import,
    recordings to transcribe)."""
    manifest = run.manifest
    runs.clear_manifest_failures(con, run.manifest_key, {f.item for f in manifest.failures})
    run.failures = list(manifest.failures)
    for f in manifest.failures:
        log.warning("manifest: %s", f.reason)
    planned, missing = plan(manifest, run.settings)
    for other in run.folded:   # each in its own manifest's folder
        more, lost = plan(other, run.settings)
        planned, missing = planned + more, missing + lost
    run.failures += missing
    cached = speech_cache.cached_transcripts(con, [p.key for p in planned])
    texts = [p for p in planned if p.key not in cached and p.call.transcript_path is not None]
    todo = [p for p in planned if p.key not in cached and p.call.transcript_path is None]
    run.n_cached = len(planned) - len(todo) - len(texts)
    log.info("%d calls in manifest: %d cached, %d to transcribe, %d transcripts to import, %d not usable",
             len(planned) + len(missing), run.n_cached, len(todo), len(texts), len(missing) + len(manifest.failures))
    return [(p, transcript_from_json(cached[p.key])) for p in planned if p.key in cached], texts, todo


def _land_ready(run: NightRun, con, from_cache: list[tuple[Planned, Transcript]], texts: list[Planned],
                log) -> None:
    """Calls whose words are at hand land first: cached transcripts, then transcripts made elsewhere."""
    run.ok += _land_many(con, from_cache, run.run_id, run.settings, run.models, cache=False)
    run.audio_s += sum(t.duration_s for _, t in from_cache)
    imported = []
    for p, result in zip(texts, import_transcripts(texts, run.settings) if texts else [], strict=True):
        if isinstance(result, Transcript):
            imported.append((p, result))
        else:
            run.failures.append(result)
            log.warning("%s failed at import: %s", p.call.call_id, result.reason)
    run.ok += _land_many(con, imported, run.run_id, run.settings, run.models, cache=True)
    run.audio_s += sum(t.duration_s for _, t in imported)   # as a rerun counts them from the cache


def _transcribe_all(run: NightRun, con, todo: list[Planned], log) -> None:
    """Fan the recordings out through the task runner; each call lands as soon as it is back.

    While calls are out the night watches its Dask workers (a lost one is logged and listed in the progress,
    which is rewritten every WATCH_EVERY_S as a heartbeat); when no call has come back for
    [night] stall_timeout_s (every worker lost, say), the calls still out fail with that reason.
    """
    context = FlowRunContext.get()
    # the watch lists the workers before any call goes out: one lost while calls are being submitted is named too;
    # with nothing to transcribe (every call cached or imported) no cluster is connected or started for none
    watch = WorkerWatch.of(context.task_runner if context else None) if todo else None
    run.progress(stage="transcribing", done=run.ok, cached=run.n_cached, failed=len(run.failures),
                 to_transcribe=len(todo))
    if not todo:
        return
    transcriber = transcribe_task(run.settings)
    futures = {transcriber.submit(p.call, run.settings, p.sha256): p for p in todo}
    back: queue.Queue = queue.Queue()
    for future in futures:
        future.add_done_callback(back.put)
    stall_s = run.settings["night"]["stall_timeout_s"]
    last_back = last_watch = time.monotonic()
    done = 0
    while done < len(futures):
        try:
            future = back.get(timeout=WATCH_EVERY_S)
        except queue.Empty:
            future = None
        now = time.monotonic()
        if now - last_watch >= WATCH_EVERY_S:
            last_watch = now
            for line in watch.changes() if watch else []:
                log.warning("%s", line)
            run.progress(done=run.ok, failed=len(run.failures), workers_lost=watch.lost if watch else [])
        if future is None:
            if stall_s and now - last_back > stall_s:
                _fail_stalled(run, futures, stall_s, watch, log)
                return
            continue
        done += 1
        last_back = now
        p = futures[future]
        futures[future] = None
        result = future.result(raise_on_failure=False)
        if isinstance(result, Transcript):
            _land(con, p, result, run.run_id, run.settings, run.models, cache=True)
            run.ok += 1
            run.audio_s += result.duration_s
            run.proc_s += result.processing_s
            run.timings.append((p.call.call_id, result.duration_s, result.processing_s))
            log.info("[%d/%d] %s: %d utterances, %.1f s audio in %.1f s%s", done, len(todo), p.call.call_id,
                     len(result.utterances), result.duration_s, result.processing_s,
                     f" (warning: {'; '.join(result.warnings)})" if result.warnings else "")
        else:
            failure = _task_failure(p, result, run.settings)
            run.failures.append(failure)
            log.warning("[%d/%d] %s failed at %s: %s", done, len(todo), p.call.call_id, failure.stage,
                        failure.reason)
        run.progress(done=run.ok, failed=len(run.failures), last_call=p.call.call_id)


def _fail_stalled(run: NightRun, futures: dict, stall_s: float, watch: WorkerWatch | None, log) -> None:
    """No call came back for [night] stall_timeout_s: the calls still out fail with a reason (the night goes on)."""
    for line in watch.changes() if watch else []:  # a last look, so a worker lost since the last beat is named
        log.warning("%s", line)
    lost = f"; Dask workers lost: {', '.join(watch.lost)}" if watch and watch.lost else ""
    for future, p in futures.items():
        if p is None:
            continue
        futures[future] = None
        reason = (f"no call came back for {stall_s:g} s ([night] stall_timeout_s){lost}: the call was not "
                  "transcribed; check the workers and rerun (calls that landed come from the cache)")
        run.failures.append(Failure(p.call.call_id, "transcribe", reason, call_id=p.call.call_id))
        log.warning("%s failed: %s", p.call.call_id, reason)
        wrapped = getattr(future, "wrapped_future", None)
        if wrapped is not None:
            wrapped.cancel()
    run.progress(done=run.ok, failed=len(run.failures), workers_lost=watch.lost if watch else [])


def _analyse(run: NightRun, log) -> list:
    """The analytics steps, in the order their `requires` give, on the working copy."""
    run.progress(stage="analytics")

    def analytics(step: Step, ran: list) -> dict[str, Any]:
        summary = analytics_step(step, run.files.work, ran, run.settings)
        log.info("step %s: %s", step.name, {k: v for k, v in summary.items() if k != "nights"})
        return summary

    return each_step(run.settings["night"]["steps"], run.nights, analytics)


def _publish(run: NightRun, log) -> tuple[str, dict[str, Any], list, dict[str, int]]:
    """Close the run record in the working copy and swap it in for readers: (status, summary, review, counts)."""
    con = connect(run.files.work)
    try:
        status = "succeeded" if not (run.failures or run.open_elsewhere) else "partial"
        review = runs.calls_to_review(con, run.settings["review"]["min_call_s"], run.night_names)
        for night, call_id, _, reason in review:
            log.warning("needs a look: %s (%s): %s", call_id, night, reason)
        summary = runs.summarize(run.calls_in, run.ok, run.n_cached, len(run.failures), len(review), run.audio_s,
                                 time.monotonic() - run.wall_start, run.timings,
                                 run.settings["review"]["slowest_calls"])
        runs.finish_run(con, run.run_id, status, calls_ok=int(run.ok), calls_cached=run.n_cached,
                        calls_failed=len(run.failures), audio_seconds=round(run.audio_s, 2),
                        processing_seconds=round(run.proc_s, 2))
        runs.close_run(con, run.run_id, summary, runs.EXIT_CODES[status])
        runs.record_publication(con, run.run_id, run.night_names, status)
        try:  # the QA leads' decisions, for analysts (the store stays theirs; exports read it too)
            reviews.sync_to_warehouse(con, reviews.store_path(run.settings))
        except reviews.ReviewStoreError as exc:  # a damaged store costs the review table tonight, never the night
            log.warning("script reviews not copied into the warehouse: %s", exc)
        counts = table_counts(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    run.progress(stage="publishing")
    publish(run.files)
    run.progress(status=status, stage="exporting", summary=summary)
    return status, summary, review, counts


def _export(run: NightRun, log) -> tuple[dict[str, str], str | None]:
    """The people's files, read from the published night: (written, None), or ({}, why) when they failed."""
    if not run.nights:
        return {}, None
    target = run.settings.path("exports") / str(max(run.nights))
    try:
        exports = export(run.files.published, target, run.settings)
    except Exception as exc:  # the night is published: a failed export is reported, never undoes it
        reason = (f"exports to {target} failed: {type(exc).__name__}: {exc}; the night is published; "
                  "fix the cause and run `callintel export people`")
        log.error("%s", reason)
        return {}, reason
    for name, path in exports.items():
        log.info("export %s: %s", name, path)
    return exports, None


def _record_failure(run: NightRun, exc: BaseException) -> None:
    """A night that broke before publishing: the run record in the working copy and the progress file say why."""
    if not run.files.work.exists():  # already published: nothing left to record the failure in
        return
    with connect(run.files.work) as failed:
        runs.finish_run(failed, run.run_id, "failed")
        runs.close_run(failed, run.run_id, {"wall_seconds": round(time.monotonic() - run.wall_start, 1)},
                       runs.EXIT_CODES["failed"], note=f"{type(exc).__name__}: {exc}"[:2000])
    run.progress(status="failed", stage="failed", error=f"{type(exc).__name__}: {exc}"[:2000])


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
                          run_id, privacy["keep_caller_number"], store.TurnJoin.from_settings(settings))
    return len(landed)


def run_night(manifest_path: str | Path, config: str | None = None, label: str = "night",
              overrides: dict | None = None) -> dict[str, Any]:
    """Run the flow with the task runner the settings ask for."""
    from prefect.settings import PREFECT_API_URL

    from callintel.flows.prefect_server import start_temporary_server

    settings = load_settings(config, overrides)
    caller_hash_key(settings)  # refuse before Prefect starts a flow run: the error says how to set a key
    check_night_settings(settings)   # the steps and the taxonomy: exit 2 before any call is read
    with night_lock(NightFiles(settings.path("warehouse"))):  # a busy warehouse: a clear error before Prefect starts
        # tied to this process: a killed night leaves no server behind; Dask workers report to it
        api_url = start_temporary_server() or PREFECT_API_URL.value()
        with restored_environ(*WORKER_PREFECT_VARS):
            return night_flow.with_options(task_runner=task_runner(settings, api_url))(str(manifest_path), config,
                                                                                       label, overrides)
