"""The profiles and leads steps' compute on hand-made typed inputs (pure: no warehouse), and the opt-out rule."""

from __future__ import annotations

from datetime import UTC, date, datetime

from callintel.nlp.intent import LeadCall, LeadInputs, LeadResult
from callintel.nlp.intent import compute as intent_compute
from callintel.nlp.opt_out import OptOutFile, parse_opt_out
from callintel.nlp.profiles import Fact, ProfileCall, ProfileInputs, ProfileResult
from callintel.nlp.profiles import compute as profiles_compute
from callintel.settings import load_settings

SETTINGS = load_settings()
HASH = "0123456789abcdef0123456789abcdef"
BUYER = [("agent", "您好，请问有什么可以帮您？"), ("customer", "你好，我想给孩子买份重疾险，五岁能买吗？一年多少钱？"),
         ("agent", "可以的，刘先生。"), ("customer", "那你给我出个方案吧，晚上发我。")]
DO_NOT_CALL = [("customer", "你们别再给我打电话推销了，我不需要。")]


def test_profiles_compute_keeps_each_calls_keys_and_drops_facts_below_the_floor():
    started = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
    id_read = [("agent", "请报一下您的身份证号。"), ("customer", "我的身份证号是[身份证号]。")]
    calls = [ProfileCall("P1", HASH, started, BUYER + id_read, {len(BUYER) + 1: 42}),
             ProfileCall("P2", None, started, [], {})]
    result = profiles_compute(ProfileInputs(calls), SETTINGS)
    assert isinstance(result, ProfileResult)
    assert [(c.call_id, c.caller_hash, c.started_at) for c in result.calls] == [("P1", HASH, started),
                                                                                 ("P2", None, started)]
    first = result.calls[0].facts
    # the age the masked ID number gave (utterances.stated_age) reaches the facts with its turn
    assert {("gender", "男"), ("age", "42")} <= {(f.field, f.value) for f in first}
    assert next(f.turn for f in first if f.field == "age") == len(BUYER) + 1
    assert result.calls[1].facts == []
    floor = min(f.confidence for f in first) + 1e-6
    strict = SETTINGS.with_overrides({"profiles": {"min_confidence": floor}})
    kept = profiles_compute(ProfileInputs(calls[:1]), strict).calls[0].facts
    assert kept == [f for f in first if f.confidence >= floor] and len(kept) < len(first)


def test_intent_compute_scores_each_call_and_reads_the_opt_out_list():
    night = date(2026, 11, 21)
    started = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    facts = [Fact("insured_person", "child", 0.8, 1, BUYER[1][1], "customer")]
    inputs = LeadInputs([LeadCall("L1", HASH, night, started, BUYER, facts),
                         LeadCall("L2", None, night, started, DO_NOT_CALL, [])],
                        OptOutFile("opt.txt", f"# who said no\n{HASH.upper()}\n13800138000\n"))
    result = intent_compute(inputs, SETTINGS)
    assert isinstance(result, LeadResult)
    buyer, dnc = result.calls
    assert (buyer.call_id, buyer.caller_hash, buyer.night, buyer.started_at) == ("L1", HASH, night, started)
    assert buyer.intent.band == "high" and buyer.intent.product == "重疾险"
    assert dnc.intent.excluded and dnc.intent.exclude_reason == "do_not_call"
    assert result.opt_out.caller_hashes == [HASH]
    assert result.opt_out.problems == ["opt.txt: line 3 not a caller hash (32 hex characters); skipped"]


def test_opt_out_lines_that_are_not_hashes_are_named_by_line_never_echoed():
    parsed = parse_opt_out(OptOutFile("o.txt", f"\n  {HASH}  \n#{HASH}\n{HASH}0\n13800138000\n"))
    assert parsed.caller_hashes == [HASH]
    assert parsed.problems and "line 4, line 5" in parsed.problems[0] and "13800138000" not in parsed.problems[0]
    missing = parse_opt_out(OptOutFile("/nowhere/o.txt", None))
    assert missing.caller_hashes == []
    assert "not found" in missing.problems[0] and "[leads].opt_out" in missing.problems[0]


def test_a_caller_opted_out_by_hand_stays_out_whatever_the_file_says(settings):
    from callintel.warehouse.db import connect
    from callintel.warehouse.leads import store

    con = connect(settings.path("warehouse"))
    try:
        con.execute("INSERT INTO marketing_opt_out VALUES (?, 'QA: phoned in', now())", [HASH])
        other = "f" * 32

        def load_file(text: str) -> dict:
            opt_out = parse_opt_out(OptOutFile("/site/opt_out.txt", text))
            return store(con, LeadResult([], opt_out), settings)

        assert load_file(f"{HASH}\n{other}\n{other}\n")["opt_out"] == 2
        rows = dict(con.execute("SELECT caller_hash, source FROM marketing_opt_out").fetchall())
        assert rows == {HASH: "QA: phoned in", other: "/site/opt_out.txt"}
        load_file("")  # both taken off the file: the hand-made row stays
        assert con.execute("SELECT caller_hash, source FROM marketing_opt_out").fetchall() == [(HASH, "QA: phoned in")]
    finally:
        con.close()
