"""The nightly flow: manifest -> speech -> warehouse -> analytics steps -> exports.

Transcription fans out through the task runner (threads on one machine, Dask on a
cluster); everything that touches DuckDB runs in the flow's own process, which holds
the only write connection. Read it top to bottom: it is the table of contents of a night.
"""

from __future__ import annotations

import importlib
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
from callintel.flows.environment import thread_environ
from callintel.manifest import Manifest, read_manifest
from callintel.model_files import model_versions, whisper_model_dir
from callintel.privacy import caller_hash
from callintel.records import CallRecord, Failure, Transcript
from callintel.settings import Settings, load_settings
from callintel.speech.decode import SpeechError, file_sha256
from callintel.speech.stage import cache_key, transcribe_call, transcript_from_json, transcript_to_json
from callintel.warehouse import calls as store
from callintel.warehouse.db import connect, table_counts
from callintel.warehouse.export import export_night


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


@task(name="analytics-step", cache_policy=NO_CACHE, task_run_name="step-{name}")
def analytics_step(name: str, db_path: Path, nights: list, settings: Settings) -> dict[str, Any]:
    module = importlib.import_module(f"callintel.flows.{name}_step")
    con = connect(db_path)
    try:
        return module.run(con, nights, settings)
    finally:
        con.close()


@task(name="export", cache_policy=NO_CACHE)
def export(db_path: Path, out_dir: Path, settings: Settings) -> dict[str, str]:
    cfg = settings["exports"]
    con = connect(db_path)
    try:
        return export_night(con, out_dir, cfg["views"], cfg["max_rows"], cfg["report_rows"], cfg.get("titles", {}),
                            settings["night"]["timezone"])
    finally:
        con.close()


def plan(manifest: Manifest, settings: Settings) -> tuple[list[Planned], list[Failure]]:
    """Hash every audio file once: the hash keys the cache and detects a changed recording."""
    planned, failures = [], []
    for call in manifest.calls:
        try:
            sha = file_sha256(call.audio_path)
        except FileNotFoundError:
            failures.append(Failure(call.call_id, "decode", f"audio file not found: {call.audio_path}; "
                                    "check the manifest's audio_path (relative paths are from the manifest's folder)",
                                    call_id=call.call_id))
            continue
        except (IsADirectoryError, PermissionError) as exc:
            failures.append(Failure(call.call_id, "decode", f"cannot read {call.audio_path}: {exc}",
                                    call_id=call.call_id))
            continue
        planned.append(Planned(call, sha, cache_key(sha, call.channel_layout, settings)))
    return planned, failures


def task_runner(settings: Settings):
    night = settings["night"]
    if night["task_runner"] == "dask":
        from prefect_dask import DaskTaskRunner

        if night.get("dask_address"):
            # workers started with `python -m callintel.flows.environment` variables (docs/operations-dask.md)
            return DaskTaskRunner(address=night["dask_address"])
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
    whisper_model_dir(settings)  # assemble/verify once, before any worker needs it
    models = model_versions(settings)
    con = connect(db_path)
    store.start_run(con, run_id, label, manifest_key, [str(n) for n in nights], len(manifest.calls) +
                    len(manifest.failures), settings.fingerprint(), models, callintel.__version__)
    try:
        store.clear_manifest_failures(con, manifest_key, {f.item for f in manifest.failures})
        failures = list(manifest.failures)
        for f in manifest.failures:
            log.warning("manifest: %s", f.reason)

        planned, missing = plan(manifest, settings)
        failures += missing
        cached = store.cached_transcripts(con, [p.key for p in planned])
        todo = [p for p in planned if p.key not in cached]
        log.info("%d calls in manifest: %d cached, %d to transcribe, %d not usable",
                 len(manifest.calls), len(planned) - len(todo), len(todo), len(missing) + len(manifest.failures))

        ok = audio_s = proc_s = 0.0
        for p in planned:
            if p.key in cached:
                _land(con, p, transcript_from_json(cached[p.key]), run_id, settings, models, cache=False)
                ok += 1
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
        store.write_failures(con, failures, manifest_key, run_id)
        con.close()

        steps: dict[str, Any] = {}
        for name in settings["night"].get("steps", []):
            steps[name] = analytics_step(name, db_path, nights, settings)
            log.info("step %s: %s", name, steps[name])

        exports = export(db_path, settings.path("exports") / str(max(nights)), settings) if nights else {}
        for name, path in exports.items():
            log.info("export %s: %s", name, path)

        con = connect(db_path)
        status = "succeeded" if not failures else "partial"
        store.finish_run(con, run_id, status, calls_ok=int(ok), calls_cached=len(planned) - len(todo),
                         calls_failed=len(failures), audio_seconds=round(audio_s, 2),
                         processing_seconds=round(proc_s, 2))
        counts = table_counts(con)
    except BaseException:
        con.close()
        with connect(db_path) as failed:
            store.finish_run(failed, run_id, "failed")
        raise
    con.close()
    return {"run_id": run_id, "db": str(db_path), "nights": [str(n) for n in nights], "calls_ok": int(ok),
            "calls_failed": len(failures), "failures": [(f.item, f.stage, f.reason) for f in failures],
            "steps": steps, "exports": exports, "tables": counts}


def _land(con, p: Planned, transcript: Transcript, run_id: str, settings: Settings, models: dict[str, str],
          cache: bool) -> None:
    privacy = settings["privacy"]
    store.write_call(con, p.call, transcript, run_id, caller_hash(p.call.caller_number, settings),
                     privacy["keep_caller_number"], models["asr"])
    if cache:
        # the stage hashes the bytes it decoded: a file rewritten since planning is cached under its new key
        store.cache_transcript(con, transcript.cache_key or p.key, p.call.call_id, transcript.audio_sha256 or p.sha256,
                               transcript_to_json(transcript))


def run_night(manifest_path: str | Path, config: str | None = None, label: str = "night",
              overrides: dict | None = None) -> dict[str, Any]:
    """Run the flow with the task runner the settings ask for."""
    settings = load_settings(config, overrides)
    return night_flow.with_options(task_runner=task_runner(settings))(str(manifest_path), config, label, overrides)
