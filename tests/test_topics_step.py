"""The topics step end to end on a temporary warehouse, with the real m3e-small model:
sample calls over three nights, reruns (same rows, same ids, no re-embedding), and the eval task."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import SAMPLES

from callintel.flows.steps import BY_NAME, run_step, run_steps
from callintel.warehouse.db import connect, table_counts

TOPIC_TABLES = ("questions", "question_topics", "question_follow_ups",
                "call_question_topics", "topics", "topic_daily", "embedding_cache",
                "call_topics")


def _load_calls(con, calls: list[dict]) -> None:
    for c in calls:
        st = datetime.fromisoformat(c["started_at"])
        con.execute("""INSERT INTO calls (call_id, night, started_at, channel_layout, audio_path, audio_sha256,
                       n_utterances, run_id, processed_at) VALUES (?, ?, ?, 'stereo_agent_left', 'x.wav', 'x', ?, 't',
                       now())""", [c["call_id"], st.date(), st, len(c["turns"])])
        con.executemany("INSERT INTO utterances (call_id, seq, speaker, start_s, end_s, text) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        [(c["call_id"], i, t["speaker"], 5.0 * i, 5.0 * i + 4, t["text"])
                         for i, t in enumerate(c["turns"])])


def _sample_calls() -> list[dict]:
    path = SAMPLES / "dialogues.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return json.loads(path.read_text(encoding="utf-8"))["calls"]


def _bq_calls(shared_data: Path, groups: int, nights: list[date]) -> list[dict]:
    """BQ groups as one-question calls spread over `nights` (a group's questions on different nights)."""
    calls = []
    with (shared_data / "bq" / "clusters.jsonl").open(encoding="utf-8") as fh:
        for g, line in zip(range(groups), fh, strict=False):
            for i, q in enumerate(json.loads(line)["questions"]):
                night = nights[(g + i) % len(nights)]
                calls.append({"call_id": f"B{g:04d}-{i:02d}", "started_at": f"{night}T10:00:00+08:00",
                              "turns": [{"speaker": "agent", "text": "您好，请讲。"},
                                        {"speaker": "customer", "text": q + ("" if q.endswith("？") else "？")}]})
    return calls


def _run(con, nights, settings) -> dict:
    """The questions and topics steps, their figures in one dict (the topics step's win on shared keys)."""
    out = run_steps(con, nights, settings, ["questions", "topics", "call_topics"])
    return {**out["call_topics"], **out["topics"], **out["questions"],
            "nights": out["topics"]["nights"]}


def _counts(con) -> dict[str, int]:
    counts = table_counts(con)
    return {t: counts[t] for t in TOPIC_TABLES}


@pytest.mark.slow
def test_sample_nights_give_topics_and_rerun_is_idempotent(tmp_path, settings):
    con = connect(tmp_path / "x.duckdb")
    _load_calls(con, _sample_calls())
    nights = [n for (n,) in con.execute("SELECT DISTINCT night FROM calls ORDER BY 1").fetchall()]
    first = _run(con, nights, settings)
    assert first["questions"] >= 30
    # the sample questions land in at least 3 topics (known taxonomy topics first, discovered beside them)
    assert con.execute("SELECT count(DISTINCT topic_id) FROM question_topics").fetchone()[0] >= 3
    # only customer turns: no agent sentence became a question
    agent = con.execute("""SELECT count(*) FROM questions q JOIN utterances u USING (call_id, seq)
                           WHERE u.speaker <> 'customer'""").fetchone()[0]
    assert agent == 0
    # the call_topics step reads each call's agent words (they weigh among the caller's topics), in turn order
    from callintel.warehouse.topics import load_call_topics
    agent_of = load_call_topics(con, nights[:1], settings).agent_of
    said = dict(con.execute("""SELECT u.call_id, string_agg(coalesce(u.text, ''), '。' ORDER BY u.seq) FROM utterances u
                               JOIN calls c USING (call_id) WHERE c.night = ? AND u.speaker = 'agent' GROUP BY 1""",
                            [nights[0]]).fetchall())
    assert agent_of and agent_of == said
    counts = _counts(con)
    topics = con.execute("SELECT topic_id, label, representative FROM topics ORDER BY 1").fetchall()
    # call topics redone for the earlier nights write the same rows: a family refinement (咨询购买 -> its specific
    # sibling) lives in the call_topics step's own table, over the topics step's row, which stays as it was
    snapshot = """SELECT question_id, q.topic_id, q.method, c.topic_id, c.method FROM question_topics q
                  FULL JOIN call_question_topics c USING (question_id) ORDER BY 1"""
    assigned = con.execute(snapshot).fetchall()
    assert any(r[4] == "family" and r[1] is not None and r[2] != "family" for r in assigned)
    for night in nights:
        run_step(BY_NAME["call_topics"], con, [night], settings)
    assert con.execute(snapshot).fetchall() == assigned
    again = _run(con, nights, settings)
    assert _counts(con) == counts
    assert con.execute("SELECT topic_id, label, representative FROM topics ORDER BY 1").fetchall() == topics
    assert again["embedded"] == 0  # every vector came from embedding_cache
    _run(con, nights[:1], settings)  # an earlier night: later nights are redone too
    assert _counts(con) == counts
    assert con.execute("SELECT topic_id, label, representative FROM topics ORDER BY 1").fetchall() == topics
    # the view: latest night, ranked, labelled, with examples; every label non-empty
    rows = con.execute("SELECT rank, night, topic_label, questions, trend, examples FROM v_hot_questions").fetchall()
    assert rows and rows[0][0] == 1 and rows[0][1] == nights[-1]
    assert all(r[2] for r in rows) and {r[4] for r in rows} <= {"new", "rising", "falling", "quiet", "steady"}
    # the size floor holds for discovered topics (a known taxonomy topic may have a single question)
    members = con.execute("""SELECT qt.topic_id, count(*) FROM question_topics qt JOIN topics t USING (topic_id)
                             WHERE t.source = 'discovered' GROUP BY 1""").fetchall()
    assert all(n >= settings["topics"]["cluster"]["min_size"] for _, n in members)


@pytest.mark.slow
def test_cross_night_assignment_and_trend(tmp_path, settings, shared_data):
    """BQ groups spread over nights: later nights reuse earlier topics; topic_daily has a trend per night.

    The question pool is what is tested: BQ's bank questions are one-question calls outside the insurance taxonomy,
    so with [topics.novelty] on most of them are novel calls and go to the call-level discovery instead (its
    cross-night reuse is tests/test_novelty.py's)."""
    nights = [date(2026, 11, d) for d in (1, 2, 3)]
    con = connect(tmp_path / "x.duckdb")
    _load_calls(con, _bq_calls(shared_data, 60, nights))
    settings = settings.with_overrides({"topics": {"novelty": {"enabled": False}}})
    out = _run(con, nights, settings)
    per = out["nights"]
    assert per[str(nights[2])]["kept_topics"] > 0 and per[str(nights[2])]["absorbed"] > 0
    ids_before = con.execute("SELECT topic_id, created_night FROM topics ORDER BY 1").fetchall()
    assert all(created <= nights[-1] for _, created in ids_before)
    daily = con.execute("SELECT night, count(*) FROM topic_daily GROUP BY 1 ORDER BY 1").fetchall()
    assert [d for d, _ in daily] == nights
    new = con.execute("SELECT count(*) FROM topic_daily WHERE trend = 'new' AND night = first_seen").fetchone()[0]
    assert new > 0
    # a new night with nothing in it changes no topic
    assert _run(con, [date(2026, 11, 4)], settings)["questions"] == 0
    assert con.execute("SELECT topic_id, created_night FROM topics ORDER BY 1").fetchall() == ids_before


@pytest.mark.slow
def test_eval_topics_on_bq_subset(shared_data, settings):
    from callintel.evaluation import topics

    res = topics.run(shared_data, settings, limit=120)
    for key in ("questions", "clusters_true", "clusters_found", "ari", "nmi", "v_measure", "noise_share", "seconds"):
        assert key in res
    assert res["ari"] > 0.1 and res["noise_share"] < 0.15
    assert res["ari"] > res["baselines"]["char_tfidf_same_clustering"]["ari"]
    # what ran and what it learnt from: nothing trained; whitening is off by default (m3e space)
    assert res["trained_on"].startswith("nothing") and res["cluster_space"] == "m3e"
    assert res["variant"] == "core text + m3e-small + m3e + average linkage"
    assert 0 < res["pair_precision"] <= 1 and 0 < res["pair_recall"] <= 1
    ceiling = res["label_ceiling"]
    assert 1.0 >= ceiling["identical_text"] >= ceiling["cosine_0.99"] >= ceiling["cosine_0.985"] > 0


def test_label_ceiling_and_pair_scores():
    """Merging groups that share a wording lowers the labels' own ARI; pair scores count pairs."""
    import numpy as np

    from callintel.evaluation.topics import label_ceiling, pair_scores

    truth = np.array([0, 0, 1, 1, 2, 2])
    X = np.eye(6, dtype=np.float32)
    X[3] = X[4] = np.array([0, 0, 0, 0.6, 0.8, 0], dtype=np.float32)  # groups 1 and 2 share a wording
    keys = ["a", "b", "c", "d", "d", "e"]
    got = label_ceiling(truth, X, keys, cosines=(0.99,))
    assert got["identical_text"] == got["cosine_0.99"] < 1.0
    assert label_ceiling(truth, np.eye(6, dtype=np.float32), list("abcdef"), (0.99,)) == {
        "identical_text": 1.0, "cosine_0.99": 1.0}
    # found: {0,1,2} and noise: 1 of 3 pairs is true (0-1); 1 of 3 true pairs found
    p, r = pair_scores(truth, np.array([0, 0, 0, -1, -1, -1]))
    assert abs(p - 1 / 3) < 1e-9 and abs(r - 1 / 3) < 1e-9


def _one_question_call(call_id: str, day: int, question: str) -> dict:
    return {"call_id": call_id, "started_at": f"2026-11-{day:02d}T10:00:00+08:00", "turns": [
        {"speaker": "agent", "text": "您好，很高兴为您服务，请问有什么可以帮您？"},
        {"speaker": "customer", "text": question},
        {"speaker": "agent", "text": "这个我帮您记录一下，稍后专员联系您。"},
        {"speaker": "customer", "text": "好的，谢谢。"}]}


@pytest.mark.slow
def test_a_topic_found_later_reaches_the_earlier_nights_calls(tmp_path, settings):
    """Night 1's lone question fits no topic (其他); night 2's pool makes a topic of it and two like it. Night 1's
    call then takes the new topic too, in call_topics and in everything that reads it (the views join it: nothing
    copies it, so night 1's outcome is not scored again)."""
    con = connect(tmp_path / "x.duckdb")
    _load_calls(con, [_one_question_call("P1", 10, "我在积分商城兑换的礼品一般多久发货？"),
                      _one_question_call("P2", 11, "积分兑换的礼品一直没发货是怎么回事？"),
                      _one_question_call("P3", 11, "积分商城换的东西什么时候发货？")])
    first = run_steps(con, [date(2026, 11, 10)], settings)
    other = con.execute("SELECT topic_id FROM call_topics WHERE call_id = 'P1'").fetchone()[0]
    assert con.execute("SELECT source FROM topics WHERE topic_id = ?", [other]).fetchone()[0] == "other"
    assert first["call_topics"]["calls"] == 1
    second = run_steps(con, [date(2026, 11, 11)], settings)
    assert second["topics"]["discovered"] == 3
    assert second["call_topics"]["nights"]["2026-11-10"]["changed_calls"] == 1  # night 1's call, redone
    assert second["outcomes"]["calls_scored"] == 2      # tonight's calls only: an outcome holds no topic
    topics = dict(con.execute("SELECT call_id, topic_id FROM call_topics").fetchall())
    assert topics["P1"] == topics["P2"] == topics["P3"] != other
    for view in ("v_calls", "v_call_resolution"):
        assert dict(con.execute(f"SELECT call_id, topic_id FROM {view}").fetchall()) == topics, view
    assert con.execute("SELECT count(*) FROM v_repeat_links l JOIN call_topics t USING (call_id) "
                       "WHERE l.topic_id IS DISTINCT FROM t.topic_id").fetchone()[0] == 0
    # nothing left to change: the call topics are what the question topics say
    assert run_step(BY_NAME["call_topics"], con, [date(2026, 11, 11)], settings)["changed_calls"] == 0


WRITTEN_AT = {"assigned_at", "scored_at", "created_at", "extracted_at", "processed_at",
              "run_at", "over_run_at"}  # topic_runs: when a run took its night back; a refinement: which run it used


def _contents(con) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that say when a row was written."""
    out = {}
    for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall():
        cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                          "ORDER BY column_index", [table]).fetchall() if c not in WRITTEN_AT]
        out[table] = con.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY ALL").fetchall()
    return out


@pytest.mark.slow
def test_rerun_of_the_first_dev_night_gives_the_same_assignments(tmp_path, settings, shared_data):
    """Rerunning night 1 redoes the later nights too: their taxonomy matches that call_topics refined within a
    family (咨询购买 -> 咨询购买医疗险) are matched and refined again, none lost, and every table is as before."""
    from callintel.evaluation.calls import dialogues_file, land, load_dialogues

    con = connect(tmp_path / "x.duckdb")
    nights = land(con, load_dialogues(dialogues_file(shared_data)), settings)
    for night in nights:
        run_steps(con, [night], settings)
    snapshot = """SELECT question_id, q.topic_id, q.method, c.topic_id, c.method FROM question_topics q
                  FULL JOIN call_question_topics c USING (question_id) ORDER BY 1"""
    assigned = con.execute(snapshot).fetchall()
    calls = con.execute("SELECT call_id, topic_id FROM call_topics ORDER BY 1").fetchall()
    assert con.execute("""SELECT count(*) FROM call_question_topics t JOIN questions q USING (question_id)
                          WHERE t.method = 'family' AND q.night > ?""", [nights[0]]).fetchone()[0] > 0
    tables = _contents(con)
    run_steps(con, nights[:1], settings)
    assert con.execute(snapshot).fetchall() == assigned
    assert _contents(con) == tables  # every table as the night-by-night run left it, but for when rows were written
    assert con.execute("SELECT call_id, topic_id FROM call_topics ORDER BY 1").fetchall() == calls


@pytest.mark.slow
def test_rerun_with_novel_calls_gives_the_same_tables(tmp_path, settings, shared_data):
    """On the health insurer's calls some calls are novel (nlp/novelty.py) and later nights revise earlier nights'
    novel questions; which calls are novel is judged again from the questions and turns, never read back from
    rows a rerun undoes, so rerunning the second night (and the later ones after it) gives the same novel questions
    grouped the same way under the same names. (Ids are compared as groups: on this set a rerun already hands the
    question-level discovered topics other ids with novelty off, which shifts the counter for what follows.)"""
    from callintel.evaluation.calls import dialogues_file, land, load_dialogues

    con = connect(tmp_path / "h.duckdb")
    nights = land(con, load_dialogues(dialogues_file(shared_data / "calls_health")), settings)
    for night in nights:
        run_steps(con, [night], settings)
    groups = """SELECT t.label, list(q.question_id ORDER BY q.question_id) FROM question_topics q
                JOIN topics t USING (topic_id) WHERE q.method = 'novel' GROUP BY q.topic_id, t.label ORDER BY 2"""
    novel = con.execute(groups).fetchall()
    assert novel
    # novel calls are grouped by their agent's words as well as their customer's: those texts were embedded
    from callintel.nlp.call_topics import call_text
    from callintel.nlp.embed import text_key

    grouped = {q.rsplit(":", 2)[0] for _, qs in novel for q in qs}
    agent: dict[str, list[tuple[int, str]]] = {}
    for c, seq, text in con.execute("SELECT call_id, seq, text FROM utterances WHERE speaker = 'agent' "
                                    "ORDER BY call_id, seq").fetchall():
        agent.setdefault(c, []).append((seq, text))
    cached = {k for (k,) in con.execute("SELECT text_sha256 FROM embedding_cache").fetchall()}
    assert {text_key(call_text(agent[c])) for c in grouped} <= cached
    run_steps(con, nights[1:2], settings)
    assert con.execute(groups).fetchall() == novel


@pytest.mark.slow
def test_a_cluster_no_keyword_can_name_is_no_topic(tmp_path, settings, shared_data):
    """On the health insurer's calls, questions that share only a way of asking (能不能给我个准话, 你们就不能…)
    cluster; with [topics] keep_unnamed off (the default) such a cluster is no topic: its questions take their
    call's topic, and every discovered topic has a name."""
    from callintel.evaluation.calls import dialogues_file, land, load_dialogues
    from callintel.nlp.labels import UNNAMED

    def labels(keep: bool) -> list[str]:
        con = connect(tmp_path / f"{keep}.duckdb")
        chosen = settings.with_overrides({"topics": {"keep_unnamed": keep}})
        for night in land(con, load_dialogues(dialogues_file(shared_data / "calls_health")), chosen):
            run_steps(con, [night], chosen)
        return [r[0] for r in con.execute("SELECT label FROM topics WHERE source = 'discovered'").fetchall()]

    assert UNNAMED in labels(True)
    named = labels(False)
    assert named and UNNAMED not in named


OWNED = {"questions": {"questions"},
         "topics": {"topics", "question_topics", "question_follow_ups", "topic_runs", "embedding_cache"},
         "call_topics": {"call_question_topics", "call_topics", "topic_daily", "step_params", "embedding_cache"}}


@pytest.mark.slow
def test_each_topic_table_has_one_writing_step(tmp_path, settings):
    """Run on their own, night by night, each step changes only its own tables (embedding_cache is the shared
    cache of vectors by content); a rerun of the topics step alone leaves the call_topics step's tables as they
    were (their rows of the redone nights go stale, and v_question_topics leaves them out), the call_topics
    step's rerun then redoes them; run again, none changes anything."""
    con = connect(tmp_path / "x.duckdb")
    _load_calls(con, _sample_calls())
    nights = [n for (n,) in con.execute("SELECT DISTINCT night FROM calls ORDER BY 1").fetchall()]

    def changed_by(name: str, on: list) -> set[str]:
        before = _contents(con)
        run_step(BY_NAME[name], con, on, settings)
        after = _contents(con)
        return {t for t in after if after[t] != before[t]}

    for night in nights:
        for name, tables in OWNED.items():
            assert changed_by(name, [night]) <= tables, name
    assert con.execute("SELECT count(*) FROM question_follow_ups").fetchone()[0] > 0
    first = _contents(con)
    refined = con.execute("SELECT count(*) FROM call_question_topics").fetchone()[0]
    assert refined > 0
    view = "SELECT * FROM v_question_topics ORDER BY ALL"
    for night in nights:
        touched = changed_by("topics", [night])
        assert touched <= OWNED["topics"] and "call_question_topics" not in touched, night
        # the redone nights' refinements are kept but stale: the view shows what the words alone say
        stale = con.execute("SELECT count(*) FROM call_question_topics WHERE assigned_night >= ?", [night]).fetchone()
        assert con.execute("SELECT count(*) FROM v_question_topics WHERE method IN ('family', 'context', 'call', "
                           "'call_weak')").fetchone()[0] == refined - stale[0], night
        assert changed_by("call_topics", [night]) <= OWNED["call_topics"], night
        assert _contents(con) == first, night  # the topics and call_topics reruns leave the first run's rows
    shown = con.execute(view).fetchall()
    run_steps(con, nights, settings, list(OWNED))
    assert _contents(con) == first
    assert con.execute(view).fetchall() == shown
