"""An operator's probe (2026-12-07): inputs and reruns that stopped a night or landed wrong data. Each test reproduced
its fault on the code before the fix."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from conftest import SAMPLES


def _sample_calls() -> list[dict]:
    return json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]


def test_a_call_moved_to_another_night_lands_there_and_the_night_runs(settings):
    """A manifest corrects a call's start time to the day before (or reuses its id later): its questions and call
    topic follow it, instead of a duplicate question_id stopping its new night on every rerun."""
    from callintel.evaluation.calls import land
    from callintel.flows.steps import run_steps
    from callintel.warehouse.db import connect

    calls = _sample_calls()
    con = connect(settings.path("warehouse"))
    run_steps(con, land(con, calls, settings), settings)
    moved = next(c for c in calls if con.execute("SELECT count(*) FROM questions WHERE call_id = ?",
                                                 [c["call_id"]]).fetchone()[0])
    old = con.execute("SELECT night FROM calls WHERE call_id = ?", [moved["call_id"]]).fetchone()[0]
    asked = con.execute("SELECT count(*) FROM questions WHERE call_id = ?", [moved["call_id"]]).fetchone()[0]
    moved["started_at"] = "2026-11-01T09:00:00+08:00"   # a night of its own, before every sample night
    run_steps(con, land(con, [moved], settings), settings)
    (night,) = con.execute("SELECT night FROM calls WHERE call_id = ?", [moved["call_id"]]).fetchone()
    assert str(night) == "2026-11-01" and night != old
    assert con.execute("SELECT DISTINCT night FROM questions WHERE call_id = ?", [moved["call_id"]]).fetchall() == \
        [(night,)]
    assert con.execute("SELECT count(*) FROM questions WHERE call_id = ?", [moved["call_id"]]).fetchone()[0] == asked
    assert con.execute("SELECT night FROM call_topics WHERE call_id = ?", [moved["call_id"]]).fetchall() == [(night,)]
    assert not con.execute("""SELECT count(*) FROM question_topics WHERE question_id NOT IN
                              (SELECT question_id FROM questions)""").fetchone()[0]
    # the daily counts are recomputed whole after the run: the old night no longer counts the call, the new one does
    daily = dict(con.execute("SELECT night, sum(questions) FROM topic_daily GROUP BY 1").fetchall())
    held = dict(con.execute("""SELECT q.night, count(*) FROM questions q JOIN v_question_topics USING (question_id)
                               GROUP BY 1""").fetchall())
    assert {n: v for n, v in daily.items() if v} == held and held.get(night)
    # and back again: the same call on its first night
    moved["started_at"] = next(c["started_at"] for c in _sample_calls() if c["call_id"] == moved["call_id"])
    run_steps(con, land(con, [moved], settings), settings)
    assert con.execute("SELECT DISTINCT night FROM questions WHERE call_id = ?", [moved["call_id"]]).fetchall() == \
        [(old,)]
    con.close()


def test_caller_numbers_a_spreadsheet_or_a_float_column_wrote_hash_as_the_caller_or_fail(tmp_path: Path, settings):
    """13867405519.0 (a JSON number, a float column) is the caller's number; 1.38674E+10 (Excel) has lost its digits
    and would hash as another caller, or as one shared by every number with those leading digits."""
    from callintel.manifest import read_manifest
    from callintel.privacy import caller_hash

    (tmp_path / "t.json").write_text("{}", encoding="utf-8")
    head = "call_id,transcript_path,caller_number,agent_id,started_at\n"
    (tmp_path / "m.csv").write_text(head + "C1,t.json,13867405519.0,A1,2026-12-10T09:00:00+08:00\n"
                                    "C2,t.json,1.38674E+10,A1,2026-12-10T09:00:00+08:00\n"
                                    "C3,t.json,+86 138-6740-5519,A1,2026-12-10T09:00:00+08:00\n", encoding="utf-8")
    rows = [{"call_id": "J1", "transcript_path": "t.json", "caller_number": 13867405519.0, "agent_id": "A1",
             "started_at": "2026-12-10T09:00:00+08:00"},
            {"call_id": "J2", "transcript_path": "t.json", "caller_number": 13867405519, "agent_id": "A1",
             "started_at": "2026-12-10T09:00:00+08:00"},
            {"call_id": "J3", "transcript_path": "t.json", "caller_number": 0, "agent_id": "A1",
             "started_at": "2026-12-10T09:00:00+08:00"}]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    csv_m, json_m = read_manifest(tmp_path / "m.csv"), read_manifest(tmp_path / "m.jsonl")
    numbers = {c.call_id: c.caller_number for c in csv_m.calls + json_m.calls}
    assert numbers == {"C1": "13867405519", "C3": "+86 138-6740-5519", "J1": "13867405519", "J2": "13867405519",
                       "J3": None}   # a JSON 0: withheld, as before
    assert len({caller_hash(n, settings, "k" * 32) for n in numbers.values() if n}) == 1
    (failed,) = csv_m.failures
    assert failed.item == "C2" and "scientific notation" in failed.reason and "as text" in failed.reason


def test_steps_and_taxonomy_settings_stop_the_run_before_any_call_with_exit_2(tmp_path: Path):
    """[night] steps without a required step or with an unknown one, and a taxonomy file that is missing or not a
    taxonomy, were found by the step after every call of the night had been read (exit 4, a working copy left)."""
    from test_faults import _callintel

    (tmp_path / "t.json").write_text(json.dumps({"turns": [{"speaker": "agent", "text": "您好"}]}), encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,transcript_path,caller_number,agent_id,started_at\n"
                        "C1,t.json,13905710231,A1,2026-12-10T09:00:00+08:00\n", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("[[topic]]\nname = 'no slug'\n", encoding="utf-8")
    cases = {'[night]\nsteps = ["topics"]\n': ("requires", "'questions'"),
             '[night]\nsteps = ["questions", "bogus"]\n': ("bogus", "known:"),
             f'[topics]\ntaxonomy_file = "{tmp_path / "missing.toml"}"\n': ("[topics] taxonomy_file", "missing.toml"),
             f'[topics]\ntaxonomy_file = "{tmp_path / "bad.toml"}"\n': ("[topics] taxonomy_file", "bad.toml")}
    for i, (text, wanted) in enumerate(cases.items()):
        config = tmp_path / f"c{i}.toml"
        config.write_text(f'[paths]\nwarehouse = "{tmp_path / f"w{i}.duckdb"}"\n' + text, encoding="utf-8")
        run = _callintel("run", str(manifest), "--config", str(config))
        said = " ".join(run.stderr.split())
        assert run.returncode == 2, (text, run.stdout + run.stderr)
        assert all(w in said for w in wanted), (text, said)
        assert not (tmp_path / f"w{i}.duckdb").exists() and not (tmp_path / f"w{i}.work.duckdb").exists(), text


def test_a_manifest_without_its_columns_is_a_usage_error_with_nothing_started():
    from rich.console import Console

    from callintel.flows.outcome import failed_night
    from callintel.manifest import ManifestError

    console = Console(record=True, width=200)
    assert failed_night(ManifestError("m.csv: missing column(s) call_id"), console) == 2
    assert "nothing started" in console.export_text() and "continues" not in console.export_text()


def test_a_call_with_one_side_only_is_listed_for_review_with_why(settings):
    """Diarisation that gave every sentence one speaker (or a transcript with the agent's channel only) landed as a
    call of agent turns alone: no question, topic or profile, and nobody told."""
    from callintel.evaluation.calls import land
    from callintel.warehouse import runs
    from callintel.warehouse.db import connect

    calls = _sample_calls()[:3]
    for t in calls[0]["turns"]:
        t["speaker"] = "agent"
    calls[1]["turns"] = [t for t in calls[1]["turns"] if t["speaker"] == "customer"]
    con = connect(settings.path("warehouse"))
    land(con, calls, settings)
    listed = {c: reason for _, c, _, _, _, reason in con.execute("SELECT * FROM v_calls_to_review").fetchall()}
    assert set(listed) == {calls[0]["call_id"], calls[1]["call_id"]}
    assert "no customer turn" in listed[calls[0]["call_id"]] and "no agent turn" in listed[calls[1]["call_id"]]
    review = {c: reason for _, c, _, reason in runs.calls_to_review(con, 0.0)}
    assert review == listed
    con.close()


def test_report_out_naming_a_folder_is_a_usage_error_not_a_traceback(tmp_path: Path):
    from test_faults import _callintel

    run = _callintel("report", "--out", str(tmp_path), "--db", str(tmp_path / "w.duckdb"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert "is a folder" in " ".join(run.stderr.split()) and "Traceback" not in run.stderr


def _transcript_night(folder: Path, name: str, calls: list[dict]) -> Path:
    """A manifest of callintel-format transcripts of `calls` in `folder`."""
    lines = ["call_id,transcript_path,caller_number,agent_id,started_at"]
    for c in calls:
        (folder / f"{c['call_id']}.json").write_text(json.dumps({"turns": c["turns"]}, ensure_ascii=False),
                                                     encoding="utf-8")
        lines.append(f"{c['call_id']},{c['call_id']}.json,1390571{len(lines):04d},A1,{c['started_at']}")
    manifest = folder / name
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


@pytest.mark.slow  # nights through the real flow
@pytest.mark.parametrize("ended", ["killed", "crashed", "killed_with_a_bad_call"])
def test_an_unfinished_night_is_finished_or_named_by_the_next_night_of_another_manifest(tmp_path: Path, night,
                                                                                        monkeypatch, ended):
    """A night that was killed (or crashed) half-way left its working copy; the next run, of another manifest in
    another folder, published the calls that had landed without their analytics and never did the rest, yet said
    succeeded. Killed: its manifest is taken in, planned in its own folder. Crashed: what broke it could break
    every night after, so it is named as open (the night is partial) until that manifest runs again."""
    import duckdb
    from nightproc import crash_after_the_first_write

    from callintel.warehouse import calls as store
    from callintel.warehouse.publish import NightFiles

    calls = _sample_calls()
    first_night = calls[0]["started_at"][:10]
    a = [c for c in calls if c["started_at"][:10] == first_night][:3]
    b = next(c for c in calls if c["started_at"][:10] != first_night)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    manifest_a = _transcript_night(tmp_path / "a", "m.csv", a)
    manifest_b = _transcript_night(tmp_path / "b", "m.csv", [b])
    over = {"paths": {"warehouse": str(tmp_path / "w.duckdb"), "exports": str(tmp_path / "exports")},
            "night": {"max_concurrent_calls": 1, "land_batch": 1}}
    landed, real_write = crash_after_the_first_write(monkeypatch)
    with pytest.raises(OSError, match="simulated crash"):
        night.run_night(manifest_a, overrides=over)
    monkeypatch.setattr(store, "write_calls", real_write)
    assert landed and len(landed) < len(a)
    if ended.startswith("killed"):   # a kill leaves the run `running` in the working copy (the crash: `failed`)
        with duckdb.connect(str(NightFiles(tmp_path / "w.duckdb").work)) as work:
            work.execute("UPDATE pipeline_runs SET status = 'running'")
    bad = next(c["call_id"] for c in reversed(a) if c["call_id"] not in landed)
    if ended == "killed_with_a_bad_call":   # a call of the killed run's that fails when this night imports it
        (tmp_path / "a" / f"{bad}.json").write_text("{not json", encoding="utf-8")

    result = night.run_night(manifest_b, overrides=over)
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    stored = [r[0] for r in con.execute("SELECT call_id FROM calls ORDER BY 1").fetchall()]
    topics = {r[0] for r in con.execute("SELECT call_id FROM call_topics").fetchall()}
    open_failures = con.execute("SELECT item, manifest, reason FROM failures").fetchall()
    con.close()
    if ended == "killed_with_a_bad_call":   # filed under its own manifest, the one to run again
        assert result["status"] == "partial"
        ((item, manifest, reason),) = open_failures
        assert item == bad and manifest == str(manifest_a.resolve()), open_failures
        assert bad not in stored and set(stored) == {c["call_id"] for c in [*a, b]} - {bad}
    elif ended == "killed":
        assert result["status"] == "succeeded", result["failures"]
        assert stored == sorted(c["call_id"] for c in [*a, b]) and {c["call_id"] for c in a} <= topics
        assert first_night in result["nights"] and not open_failures
    else:
        assert result["status"] == "partial"
        ((item, manifest, reason),) = open_failures
        assert item.startswith("run ") and manifest == str(manifest_a.resolve()) and "not continued" in reason
        rerun = night.run_night(manifest_a, overrides=over)   # the operator runs it again: finished, failure gone
        assert rerun["status"] == "succeeded", rerun["failures"]
        con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
        assert not con.execute("SELECT count(*) FROM failures").fetchone()[0]
        assert {c["call_id"] for c in a} <= {r[0] for r in con.execute("SELECT call_id FROM call_topics").fetchall()}
        con.close()
    # a night of transcripts imported for the first time counts their hours, as its rerun from the cache does
    c = next(c for c in calls if c["call_id"] not in {x["call_id"] for x in [*a, b]})
    (tmp_path / "c").mkdir()
    fresh = night.run_night(_transcript_night(tmp_path / "c", "m.csv", [c]), overrides=over)
    again = night.run_night(tmp_path / "c" / "m.csv", overrides=over)
    assert fresh["summary"]["audio_hours"] == again["summary"]["audio_hours"] > 0


def test_status_says_when_a_published_night_died_writing_its_exports():
    """Killed while exporting: pipeline_runs says succeeded (it was published first), the exports folder is missing,
    and status said nothing."""
    from rich.console import Console

    from callintel.flows.status import _show_progress

    progress = {"run_id": "night-1", "status": "succeeded", "stage": "exporting", "updated_at": "2026-12-07T02:00"}
    console = Console(record=True, width=300)
    _show_progress(progress, False, console)
    said = console.export_text()
    assert "never finished" in said and "callintel export people" in said
    console = Console(record=True, width=300)
    _show_progress(progress, True, console)   # still exporting: nothing wrong yet
    assert "never finished" not in console.export_text()


def test_a_very_long_imported_turn_is_stored_as_turns_of_bounded_length(settings):
    """One 200,000-character turn (a system that wrote a whole side of a call as one turn, or looped) took a night
    172 s and 3.4 GB more, and a 60,000-character run-on became one "question"."""
    from callintel.speech.text import cut_long_turn, transcript_from_turns

    limit = settings["night"]["max_turn_chars"]
    sentence = "我想问一下我那个意外险的理赔，材料都交了，手机是13905710231。"
    turns = [{"speaker": "agent", "start": 0, "end": 3, "text": "您好，请问有什么可以帮您？"},
             {"speaker": "customer", "start": 3, "end": 603, "text": sentence * 200},
             {"speaker": "customer", "start": 603, "end": 700, "text": "喂" * 5000}]   # no punctuation at all
    t = transcript_from_turns("L1", turns, settings)
    long = [u for u in t.utterances if u.speaker == "customer"]
    assert len(long) > 2 and all(len(u.text) <= limit for u in t.utterances)
    assert all(a.end <= b.start + 0.01 for a, b in itertools.pairwise(long))
    assert long[0].start == 3 and abs(long[-1].end - 700) < 0.01
    masked = [u.text for u in long if "[" in u.text]
    assert masked and all(u.count("[") == u.count("]") for u in masked)   # never cut inside a mask
    assert "".join(cut_long_turn("[手机号]" * 300, 102)) == "[手机号]" * 300
    assert all(len(p) <= 100 and p.count("[") == p.count("]") for p in cut_long_turn("[手机号]" * 300, 102))
    assert cut_long_turn("短句。", 1000) == ["短句。"] and cut_long_turn("x" * 50, 0) == ["x" * 50]
    for n in range(limit - 8, limit):   # a name across the limit is masked whole, then cut (never half a name)
        said = [{"speaker": "customer", "text": "嗯" * n + "我叫王建国，我想问一下理赔" + "嗯" * 300}]
        assert not any("建国" in u.text or u.text.endswith("王") for u in transcript_from_turns("N", said,
                                                                                               settings).utterances)


def test_the_reflexive_is_the_caller_only_where_no_one_else_is_named_before_it():
    """The first-person class read from [person] self (咱, 阿拉 too) but not its reflexive where a clause
    opens: 我妈自己六十八了 is the mother's age (a review of the change found it read as the caller's)."""
    from callintel.nlp.profiles import extract, lexicon_from_settings
    from callintel.settings import load_settings

    lex = lexicon_from_settings(load_settings())

    def age(said: str) -> list[str]:
        return [f.value for f in extract([("customer", said)], lex, None, {}) if f.field == "age"]

    assert age("我妈自己六十八了") == age("他自己七十了还在上班") == age("我儿子他自己二十岁了") == []
    assert age("我自己六十八了") == ["68"] and age("咱今年五十二了") == ["52"] and age("阿拉今年六十一了") == ["61"]
