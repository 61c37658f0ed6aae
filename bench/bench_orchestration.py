"""Orchestration overhead: the same night through Prefect vs the same stage functions called directly.

Usage: .venv/bin/python bench/bench_orchestration.py [--calls 300] [--reps 2] [--cache-db PATH]

Whisper is taken out of both variants (the loaded 2-core machine needs ~10 s per sample call, so a real
300-call night would take most of an hour per variant): every call's transcript comes from a real
night of the 18 sample calls (run once into --cache-db), returned by the stage function in place of
decoding. Both variants then do identical work per call (hash the file, plan, land the call in DuckDB,
failures, analytics steps, exports, publish), one through Prefect tasks (threads runner, the temporary
server, task states), one with a plain thread pool. The difference is Prefect's cost; it is printed per
call and as a share of a real night (the same calls with their measured Whisper time).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import duckdb

from callintel.flows.environment import configure
from callintel.settings import PROJECT_ROOT, load_settings


def build_manifest(folder: Path, n: int) -> Path:
    """n calls cycling over the sample calls (fresh call ids, same audio files)."""
    lines = (PROJECT_ROOT / "samples/manifest.csv").read_text().splitlines()
    header, rows = lines[0], [r for r in lines[1:] if r.strip()]
    out = [header]
    for i in range(n):
        cols = rows[i % len(rows)].split(",")
        cols[0] = f"B{i:05d}"
        cols[1] = str(PROJECT_ROOT / "samples" / cols[1])
        out.append(",".join(cols))
    path = folder / f"bench_{n}.csv"
    path.write_text("\n".join(out) + "\n")
    return path


def transcripts(cache_db: Path, night) -> dict[str, tuple[str, float]]:
    """audio sha256 -> (transcript JSON, Whisper processing s) for the sample calls; transcribes them once."""
    if not cache_db.exists():
        night.run_night(PROJECT_ROOT / "samples/manifest.csv", label="bench",
                        overrides={"paths": {"warehouse": str(cache_db), "exports": str(cache_db.parent / "bx")},
                                   "privacy": {"caller_hash_builtin_key": True}})  # invented callers
    con = duckdb.connect(str(cache_db), read_only=True)
    rows = con.execute("SELECT audio_sha256, transcript, CAST(transcript->>'processing_s' AS DOUBLE) "
                       "FROM speech_cache").fetchall()
    con.close()
    return {sha: (blob, proc) for sha, blob, proc in rows}


def direct_night(manifest: Path, settings, night) -> dict:
    """The night's stages without Prefect: same functions, same order, a plain thread pool."""
    from callintel.flows.steps import run_steps
    from callintel.manifest import read_manifest
    from callintel.model_files import model_versions
    from callintel.warehouse import runs, speech_cache
    from callintel.warehouse.db import connect
    from callintel.warehouse.export import export_night
    from callintel.warehouse.publish import NightFiles, acquire_night_lock, prepare_working_copy, publish

    files = NightFiles(settings.path("warehouse"))
    lock = acquire_night_lock(files)
    prepare_working_copy(files)
    m = read_manifest(str(manifest), settings["night"]["timezone"])
    nights = sorted({c.night for c in m.calls})
    models = model_versions(settings)
    con = connect(files.work)
    run_id = f"direct-{time.time_ns()}"
    runs.start_run(con, run_id, "bench", str(manifest), [str(n) for n in nights], len(m.calls), "", models, "")
    planned, failures = night.plan(m, settings)
    speech_cache.cached_transcripts(con, [p.key for p in planned])
    with ThreadPoolExecutor(settings["night"]["max_concurrent_calls"]) as pool:
        futures = {pool.submit(night.transcribe_call, p.call, settings, p.sha256): p for p in planned}
        for f in as_completed(futures):
            night._land(con, futures[f], f.result(), run_id, settings, models, cache=True)
    runs.write_failures(con, failures, str(manifest), run_id)
    run_steps(con, nights, settings)
    export_night(con, settings.path("exports") / str(max(nights)), settings)
    runs.finish_run(con, run_id, "succeeded", calls_ok=len(planned))
    runs.record_publication(con, run_id, [str(n) for n in nights], "succeeded")
    con.execute("CHECKPOINT")
    con.close()
    publish(files)
    lock.close()
    return {"calls_ok": len(planned)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--cache-db", type=Path, default=PROJECT_ROOT / "var/bench-orchestration-cache.duckdb")
    args = parser.parse_args()
    configure(load_settings())
    night = importlib.import_module("callintel.flows.night")
    from callintel.flows.prefect_server import start_temporary_server
    from callintel.speech.stage import transcript_from_json
    from callintel.warehouse import speech_cache

    t0 = time.perf_counter()
    start_temporary_server()
    server_s = time.perf_counter() - t0
    known = transcripts(args.cache_db, night)
    night.transcribe_call = lambda call, settings, sha: transcript_from_json(known[sha][0])
    speech_cache.cached_transcripts = lambda con, keys: {}  # every call goes through the transcription path
    times: dict[str, list[float]] = {"prefect": [], "direct": []}
    with tempfile.TemporaryDirectory() as tmp:
        manifest = build_manifest(Path(tmp), args.calls)
        for rep in range(args.reps):
            for variant in ("direct", "prefect") if rep % 2 else ("prefect", "direct"):
                over = {"paths": {"warehouse": f"{tmp}/{variant}{rep}.duckdb", "exports": f"{tmp}/x{variant}{rep}"},
                        "night": {"audio_root": str(PROJECT_ROOT / "samples")},
                        "privacy": {"caller_hash_builtin_key": True}}  # invented callers
                settings = load_settings(overrides=over)
                t = time.perf_counter()
                if variant == "prefect":
                    result = night.run_night(manifest, overrides=over, label="bench")
                else:
                    result = direct_night(manifest, settings, night)
                times[variant].append(time.perf_counter() - t)
                assert result["calls_ok"] == args.calls, result
                print(f"rep {rep} {variant:8s} {times[variant][-1]:7.1f} s")
    settings = load_settings()
    prefect, direct = statistics.median(times["prefect"]), statistics.median(times["direct"])
    per_call_ms = (prefect - direct) / args.calls * 1000
    whisper = statistics.mean(p for _, p in known.values())
    real_night = args.calls * whisper / settings["night"]["max_concurrent_calls"] + direct
    print(f"calls: {args.calls}; temporary Prefect server start-up: {server_s:.1f} s "
          "(once per night, not in the walls)")
    print(f"wall, median of {args.reps}: prefect {prefect:.1f} s, direct {direct:.1f} s, "
          f"ratio {prefect / direct:.2f} (transcription stubbed out)")
    print(f"Prefect cost per call: {per_call_ms:.0f} ms")
    print(f"real night estimate ({whisper:.1f} s Whisper per sample call measured in --cache-db, "
          f"{settings['night']['max_concurrent_calls']} at once): {real_night:.0f} s; "
          f"orchestration overhead {(prefect - direct + server_s) / real_night:.1%} of it (server start included)")


if __name__ == "__main__":
    main()
