"""Repeat callers on a synthetic month of real STC-3 dialogues: every repeat found, with the exact gap.

STC-3 dialogues are assigned to synthetic callers, agents, topics and start times (seeded), plus the
awkward cases on purpose: a gap of exactly the window and one second more, a call spanning midnight,
withheld numbers, the same call loaded twice, a call that ends before it starts. The expectation is
computed here independently of the SQL, then the outcomes step runs night by night (so links cross
nights) and once more over the whole month (a rerun must change nothing).
"""

from __future__ import annotations

import itertools
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from callintel.flows.steps import BY_NAME, run_step
from callintel.privacy import caller_hash, normalise_number
from callintel.records import CallRecord, Transcript, Utterance
from callintel.warehouse.calls import write_call
from callintel.warehouse.db import connect, table_counts

TZ = ZoneInfo("Asia/Shanghai")
MONTH = datetime(2026, 11, 1, tzinfo=TZ)
WINDOW_S = 7 * 86400
N_TOPICS = 4


def _dialogues(shared_data: Path, n: int) -> list[list[tuple[str, str]]]:
    out = []
    with (shared_data / "stc3" / "dialogues.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            out.append([("agent" if t["sender"] == "helpdesk" else "customer", " ".join(t["utterances"]))
                        for t in d["turns"]])
            if len(out) == n:
                break
    return out


def _plan(seed: int = 7) -> list[dict]:
    """The month's calls: (call_id, number, agent, start, duration, topic, sha) with the edge cases."""
    rng = random.Random(seed)
    calls: list[dict] = []

    def add(number, start, duration=300.0, topic=None, agent=None, sha=None):
        i = len(calls)
        calls.append({"call_id": f"C{i:04d}", "number": number, "start": start, "duration": duration,
                      "topic": rng.randrange(N_TOPICS) if topic is None else topic,
                      "agent": agent or f"A{rng.randrange(6):02d}", "sha": sha or f"sha-{i:04d}"})
        return calls[-1]

    for k in range(70):  # ordinary callers: 1-5 calls each, anywhere in the month, 07:00-23:59
        number = f"139{k:08d}"
        for _ in range(rng.choice([1, 1, 2, 2, 3, 5])):
            add(number, MONTH + timedelta(days=rng.randrange(30), hours=rng.randrange(7, 24),
                                          minutes=rng.randrange(60), seconds=rng.randrange(60)))
    edge = MONTH + timedelta(days=3, hours=10)
    add("+86 13800000001", edge, topic=1)                                  # window edge: exactly 7 days ...
    add("138-0000-0001", edge + timedelta(seconds=WINDOW_S), topic=1)      # ... is a repeat (same number, other format)
    add("13800000001", edge + timedelta(seconds=2 * WINDOW_S + 1), topic=1)  # 7 days + 1 s: not a repeat
    late = datetime(2026, 11, 20, 23, 58, tzinfo=TZ)                       # spans midnight (15 min call)
    add("13800000002", late, duration=900.0, topic=2, agent="A01")
    add("13800000002", late + timedelta(minutes=7), topic=2, agent="A01")  # next night, 7 minutes later
    for d in (5, 6, 8):                                                    # withheld: never a repeat
        add(None, MONTH + timedelta(days=d, hours=9), topic=0)
    first = add("13800000003", MONTH + timedelta(days=12, hours=15), topic=3)
    add("13800000003", first["start"], topic=3, sha=first["sha"])          # the same call loaded twice
    add("13800000003", first["start"] + timedelta(days=2), topic=0)        # a real repeat, other topic
    add("13800000004", MONTH + timedelta(days=14, hours=11), duration=-120.0, topic=2)  # ends before it starts
    add("13800000004", MONTH + timedelta(days=15, hours=11), topic=2)
    return calls


def _expected(calls: list[dict], settings) -> dict[str, tuple[str | None, int | None, bool | None]]:
    """call_id -> (previous call within the window, exact gap in seconds, same topic), computed naively."""
    by_caller: dict[str, list[dict]] = {}
    seen: dict[tuple, str] = {}
    for c in calls:
        h = caller_hash(c["number"], settings)
        if h is None:
            continue
        key_sha, key_start = (h, c["sha"]), (h, c["start"])
        if key_sha in seen or key_start in seen:
            continue  # duplicate of an earlier (smaller) call_id
        seen[key_sha] = seen[key_start] = c["call_id"]
        by_caller.setdefault(h, []).append(c)
    out: dict[str, tuple] = {c["call_id"]: (None, None, None) for c in calls}
    for chain in by_caller.values():
        chain.sort(key=lambda c: (c["start"], c["call_id"]))
        for a, b in itertools.pairwise(chain):
            gap = int((b["start"] - a["start"]).total_seconds())
            if 1 <= gap <= WINDOW_S:
                out[b["call_id"]] = (a["call_id"], gap, a["topic"] == b["topic"])
    return out


def _load_month(con, calls: list[dict], dialogues, settings) -> None:
    for i, c in enumerate(calls):
        turns = dialogues[i % len(dialogues)]
        utts = [Utterance(s, 10.0 * j, 10.0 * j + 8, t) for j, (s, t) in enumerate(turns)]
        record = CallRecord(c["call_id"], Path(f"/calls/{c['call_id']}.wav"), c["number"], c["agent"], c["start"],
                            "stereo_agent_left", c["start"].astimezone(TZ).date(), i + 2)
        write_call(con, record, Transcript(c["call_id"], c["sha"], c["duration"], utts, f"k{i}"), "test",
                   caller_hash(c["number"], settings), False, "test")
    # Hot-question topics as the topics step lays them out (questions -> question_topics, by call_id).
    con.executemany("""INSERT INTO questions (question_id, call_id, seq, part, night, asked_at, text, core, cue,
                       text_sha256) VALUES (?, ?, 1, 0, ?, ?, '我想问一下', '问一下', 'test', 'sha')""",
                    [(f"Q{c['call_id']}", c["call_id"], c["start"].astimezone(TZ).date(), c["start"]) for c in calls])
    con.executemany("""INSERT INTO question_topics (question_id, topic_id, similarity, method, assigned_night)
                       VALUES (?, ?, 1.0, 'test', ?)""",
                    [(f"Q{c['call_id']}", c["topic"], c["start"].astimezone(TZ).date()) for c in calls])
    # ... and the call's main topic, which outcomes read (call_topics).
    con.executemany("""INSERT INTO call_topics (call_id, night, topic_id, method, score, questions, unclustered,
                       assigned_at) VALUES (?, ?, ?, 'questions', 1.0, 1, 0, now())""",
                    [(c["call_id"], c["start"].astimezone(TZ).date(), c["topic"]) for c in calls])


@pytest.fixture(scope="module")
def month(shared_data, tmp_path_factory):
    from callintel.settings import load_settings

    settings = load_settings()
    calls = _plan()
    db = tmp_path_factory.mktemp("month") / "x.duckdb"
    con = connect(db)
    _load_month(con, calls, _dialogues(shared_data, 400), settings)
    nights = sorted({c["start"].astimezone(TZ).date() for c in calls})
    # night by night, as the cron does
    results = [run_step(BY_NAME['outcomes'], con, [night], settings) for night in nights]
    yield con, calls, settings, nights, results
    con.close()


def test_every_repeat_is_found_with_the_exact_gap(month):
    con, calls, settings, _, _ = month
    expected = _expected(calls, settings)
    got = {r[0]: r[1:] for r in con.execute(
        "SELECT call_id, prev_call_id, gap_prev_s, same_topic_prev FROM repeat_contacts").fetchall()}
    assert set(got) == {c["call_id"] for c in calls}
    assert got == expected
    repeats = sum(1 for v in expected.values() if v[0])
    assert repeats > 40  # the month really has repeats
    # next links mirror previous links exactly
    nxt = dict(con.execute("SELECT call_id, next_call_id FROM repeat_contacts WHERE next_call_id IS NOT NULL")
               .fetchall())
    assert {v[0]: k for k, v in expected.items() if v[0]} == nxt


def test_awkward_calls_have_defined_behaviour(month):
    con, calls, _, _, _ = month
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT call_id, flag, duplicate_of, prev_call_id, gap_prev_s, is_repeat, has_repeat FROM repeat_contacts")
        .fetchall()}
    ids = {c["call_id"]: c for c in calls}
    edge = [c["call_id"] for c in calls if c["number"] and normalise_number(c["number"]) == "13800000001"]
    assert len(edge) == 3
    assert rows[edge[1]][2:4] == (edge[0], 7 * 86400)        # exactly the window: a repeat
    assert rows[edge[2]][2] is None and not rows[edge[2]][4]  # one second more: not a repeat
    late = [c["call_id"] for c in calls if c["number"] == "13800000002"]
    assert rows[late[1]][2:4] == (late[0], 420)              # across midnight and into the next night
    assert ids[late[0]]["start"].date() != ids[late[1]]["start"].date()
    withheld = [c["call_id"] for c in calls if c["number"] is None]
    assert all(rows[w][0] == "withheld" and not rows[w][4] and not rows[w][5] for w in withheld)
    dup = [c["call_id"] for c in calls if c["number"] == "13800000003"]
    assert rows[dup[1]][0:2] == ("duplicate", dup[0]) and not rows[dup[1]][4]
    assert rows[dup[2]][2:4] == (dup[0], 2 * 86400)          # the repeat links to the kept call, not the copy
    skew = [c["call_id"] for c in calls if c["number"] == "13800000004"]
    assert rows[skew[0]][0] == "clock_skew" and rows[skew[1]][2] == skew[0]
    handle = con.execute("SELECT handle_s FROM call_outcomes WHERE call_id = ?", [skew[0]]).fetchone()[0]
    assert handle is None


def test_fcr_is_kept_apart_from_the_calls_own_resolution(month):
    """A repeat about the same matter after a call left open is an FCR failure; the label stays what the dialogue
    says, and a repeat after a call resolved in the dialogue is no failure (issue 22: neither meaning overwrites
    the other)."""
    con, calls, settings, _, _ = month
    expected = _expected(calls, settings)
    topic_only = settings["outcomes"]["fcr_same_topic_only"]
    came_back = {v[0] for v in expected.values() if v[0] and (v[2] or not topic_only)}
    buying = {c for (c,) in con.execute("SELECT call_id FROM call_outcomes WHERE purchase_call").fetchall()}
    nxt = {p: c for c, (p, _, _) in expected.items() if p}
    to_buy = {c for c in came_back if c in buying and nxt[c] in buying}  # a callback to buy after a sales call
    rows = con.execute("SELECT call_id, fcr_failed, fcr_override, dialogue_label, label, resolved_in_call "
                       "FROM call_outcomes").fetchall()
    assert len(rows) == len(calls)
    for call_id, failed, override, dialogue_label, label, resolved in rows:
        assert failed == (call_id in came_back and dialogue_label != "resolved" and call_id not in to_buy), call_id
        assert override == failed and label == dialogue_label
        assert resolved == {"resolved": True, "unresolved": False}.get(dialogue_label)
    assert any(f for _, f, *_ in rows)
    assert any(c in came_back and d == "resolved" and not f for c, f, _, d, _, _ in rows)  # came back, no failure
    # how sure the verdict is: the window of a call in the last 7 days of the data is still open
    latest = max(c["start"] for c in calls)
    withheld = {c["call_id"] for c in calls if c["number"] is None}
    status = dict(con.execute("SELECT call_id, fcr_status FROM call_outcomes").fetchall())
    flags = dict(con.execute("SELECT call_id, flag FROM repeat_contacts").fetchall())
    for c in calls:
        cid = c["call_id"]
        want = ("failed" if cid in {r[0] for r in rows if r[1]} else "unknown" if cid in withheld
                or flags[cid] == "duplicate" else "pending" if (latest - c["start"]).total_seconds() < WINDOW_S
                else "achieved")
        assert status[cid] == want, cid
    view = con.execute("SELECT count(*) FILTER (WHERE fcr_resolved), count(*) FILTER (WHERE fcr_failed), "
                       "count(*) FILTER (WHERE successful) FROM v_call_resolution").fetchone()
    assert view == (sum(1 for s in status.values() if s == "achieved"), sum(1 for r in rows if r[1]),
                    sum(1 for _, f, _, d, _, _ in rows if d == "resolved" and not f))


def test_rerun_changes_nothing(month):
    con, _, settings, nights, _ = month
    before = table_counts(con)
    snapshot = con.execute("SELECT * EXCLUDE (scored_at) FROM call_outcomes ORDER BY call_id").fetchall()
    links = con.execute("SELECT * FROM repeat_contacts ORDER BY call_id").fetchall()
    run_step(BY_NAME['outcomes'], con, nights, settings)  # the whole month at once, after night by night
    assert table_counts(con) == before
    assert con.execute("SELECT * EXCLUDE (scored_at) FROM call_outcomes ORDER BY call_id").fetchall() == snapshot
    assert con.execute("SELECT * FROM repeat_contacts ORDER BY call_id").fetchall() == links


def test_repeat_caller_views(month):
    con, calls, settings, _, _ = month
    expected = _expected(calls, settings)
    repeaters = {caller_hash(c["number"], settings) for c in calls if expected[c["call_id"]][0]}
    top = con.execute("SELECT caller_hash, caller_calls, repeat_calls, avg_gap_hours, usual_hour, escalated_calls "
                      "FROM v_repeat_callers").fetchall()
    assert {r[0] for r in top} == repeaters
    assert [r[1] for r in top] == sorted((r[1] for r in top), reverse=True)
    assert all(r[2] >= 1 and r[3] is not None and 0 <= r[4] <= 23 for r in top)
    groups = {r[0]: r[1:] for r in con.execute(
        "SELECT caller_group, callers, calls, unresolved_share FROM v_repeat_vs_one_time").fetchall()}
    assert set(groups) == {"repeat caller", "one-time caller", "withheld"}
    assert groups["withheld"][1] == 3 and groups["repeat caller"][0] == len(repeaters)


def test_low_resolution_topics_view(month):
    con, _, _, _, _ = month
    rows = con.execute("SELECT rank, topic_id, topic_calls, unresolved_calls, unresolved_share, repeat_share, "
                       "example_call_ids FROM v_low_resolution_topics").fetchall()
    assert len(rows) == N_TOPICS and [r[0] for r in rows] == list(range(1, N_TOPICS + 1))
    for _, topic, n, unresolved, share, repeat_share, examples in rows:
        assert n >= 20 and share == round(unresolved / n, 3) and 0 <= repeat_share <= 1
        assert 0 < len(examples) <= 3
        kept = con.execute("SELECT bool_and(label = 'unresolved' OR (label = 'unknown' AND fcr_failed)), "
                           "list(DISTINCT CAST(topic_id AS INTEGER)) FROM call_outcomes JOIN call_topics "
                           "USING (call_id) WHERE call_id IN (SELECT unnest(?))", [examples]).fetchone()
        assert kept == (True, [topic])  # calls left open: unresolved in the call, or unknown and came back
    con.execute("UPDATE step_params SET value = '100000' WHERE step = 'outcomes' AND name = 'min_topic_calls'")
    assert con.execute("SELECT count(*) FROM v_low_resolution_topics").fetchone()[0] == 0  # minimum support
    con.execute("UPDATE step_params SET value = '20' WHERE step = 'outcomes' AND name = 'min_topic_calls'")


def test_withheld_only_night_and_empty_night(tmp_path, settings):
    con = connect(tmp_path / "x.duckdb")
    assert run_step(BY_NAME['outcomes'], con, [date(2026, 11, 1)], settings)["calls_scored"] == 0
    start = datetime(2026, 11, 2, 9, tzinfo=TZ)
    record = CallRecord("W1", Path("/w.wav"), None, None, start, "mono", start.date(), 2)
    write_call(con, record, Transcript("W1", "s", 60.0, [Utterance("agent", 0, 1, "您好")], "k"), "t", None, False, "t")
    result = run_step(BY_NAME['outcomes'], con, [start.date()], settings)
    assert result["calls_scored"] == 1 and result["repeat_calls"] == 0
    assert con.execute("SELECT label, flag FROM call_outcomes JOIN repeat_contacts USING (call_id)").fetchone() == \
        ("unknown", "withheld")
