"""Resolution's two meanings and the script library from successful cases, on the sample warehouse (real DuckDB,
the sample calls' text landed as nights land it, every analytics step run)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from callintel.evaluation.calls_outcomes import fcr_truth
from callintel.flows.steps import BY_NAME, run_step
from callintel.warehouse.db import connect

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "dialogues.json"


def _copy(sample_warehouse, tmp_path):
    path, settings = sample_warehouse
    shutil.copy(path, tmp_path / "w.duckdb")
    return connect(tmp_path / "w.duckdb"), settings


def test_label_is_the_dialogues_and_fcr_fails_only_calls_left_open(sample_warehouse, tmp_path):
    """A resolved call followed by a callback (to buy, to ask when the refund arrives) keeps its label and does not
    fail FCR; the calls the truth says failed are found."""
    con, _ = _copy(sample_warehouse, tmp_path)
    rows = con.execute("SELECT call_id, label, dialogue_label, resolved_in_call, fcr_failed, fcr_next_call_id "
                       "FROM call_outcomes").fetchall()
    assert all(label == dialogue for _, label, dialogue, *_ in rows)
    failed = {r[0] for r in rows if r[4]}
    assert all(r[2] != "resolved" and r[5] for r in rows if r[4])
    calls = json.loads(SAMPLES.read_text(encoding="utf-8"))
    calls = calls["calls"] if isinstance(calls, dict) else calls
    truth = fcr_truth(calls)
    assert failed & truth and len(failed & truth) / len(failed) >= 0.75
    resolved_came_back = {c["truth"]["repeat_of"] for c in calls if c["truth"].get("repeat_of")} - truth
    assert resolved_came_back and not failed & resolved_came_back
    view = dict(con.execute("SELECT call_id, fcr_resolved FROM v_call_resolution").fetchall())
    assert all(view[c] is False for c in failed)


def test_library_holds_only_replies_that_worked_and_follows_later_outcomes(sample_warehouse, tmp_path):
    con, settings = _copy(sample_warehouse, tmp_path)
    lib = con.execute("SELECT call_id, reply_turn, resolved_in_call, fcr_failed, followed, call_label "
                      "FROM v_script_library").fetchall()
    assert lib
    for call_id, _, resolved, failed, followed, label in lib:
        assert resolved and not failed and followed != "rejected" and label == "resolved", call_id
    names = [n for (n,) in con.execute("SELECT reasons_zh FROM v_script_library").fetchall()]
    assert all(n and not re.search(r"[A-Za-z]", n) for n in names), names  # reasons in words, not code names
    unsuccessful = {c for (c,) in con.execute("SELECT call_id FROM call_outcomes WHERE NOT coalesce("
                                              "resolved_in_call, false) OR fcr_failed").fetchall()}
    assert unsuccessful and not unsuccessful & {r[0] for r in lib}
    # A later night finds this call failed after all: the next replies run (of any night) drops its scripts.
    gone = lib[0][0]
    con.execute("UPDATE call_outcomes SET fcr_failed = true WHERE call_id = ?", [gone])
    last = con.execute("SELECT max(night) FROM calls WHERE call_id <> ?", [gone]).fetchone()[0]
    run_step(BY_NAME["replies"], con, [last], settings)
    assert con.execute("SELECT count(*) FROM v_script_library WHERE call_id = ?", [gone]).fetchone()[0] == 0
    assert con.execute("SELECT bool_and(fcr_failed) FROM v_reply_candidates WHERE call_id = ?", [gone]).fetchone()[0]
    assert not con.execute("SELECT bool_or(worked) FROM reply_candidates WHERE call_id = ?", [gone]).fetchone()[0]


def test_escalation_counts_callers_who_asked_to_complain(sample_warehouse, tmp_path):
    """In the samples only the caller who says 我要投诉 escalated (not 昨天投诉过, not 相关部门核实过了)."""
    con, _ = _copy(sample_warehouse, tmp_path)
    escalated = [c for (c,) in con.execute("SELECT call_id FROM call_outcomes WHERE escalated").fetchall()]
    assert escalated == ["C20261121-001"]


def test_agent_rates_follow_the_dialogue_not_the_callbacks(sample_warehouse, tmp_path):
    """Each agent's resolved calls equal the samples' truth (a callback to buy no longer flips a resolved call), and
    a topic none of whose calls stayed unresolved is not listed as a low-resolution topic."""
    con, _ = _copy(sample_warehouse, tmp_path)
    calls = json.loads(SAMPLES.read_text(encoding="utf-8"))
    calls = calls["calls"] if isinstance(calls, dict) else calls
    truth: dict[str, tuple[int, int]] = {}
    for c in calls:
        resolved, n = truth.get(c["agent_id"], (0, 0))
        truth[c["agent_id"]] = (resolved + bool(c["truth"]["resolved"]), n + 1)
    view = {a: (r, n) for a, n, r in con.execute(
        "SELECT agent_id, agent_calls, resolved_calls FROM v_resolution_by_agent").fetchall()}
    assert view == truth
    low = con.execute("SELECT topic_name, unresolved_calls FROM v_low_resolution_topics").fetchall()
    assert low and all(n > 0 for _, n in low), low


def test_every_reason_a_reply_can_be_given_has_a_name_the_library_shows():
    """The script library shows 得分依据 from the replies' one list of names: every feature of the shipped ranker
    has one, so no code (answer_rank, content_share) reaches a QA lead."""
    from callintel.nlp.replies import call_cues_from_settings
    from callintel.nlp.reply_ranker import RankerModel
    from callintel.settings import load_settings
    from callintel.warehouse.script_library import reason_names

    settings = load_settings()
    names = reason_names(settings)
    cues = call_cues_from_settings(settings)
    assert names == cues.reason_names
    ranker = RankerModel.from_settings(settings)
    assert ranker is not None
    missing = {f for f in ranker.weights if f not in names and f != "intercept"}
    assert not missing, missing
