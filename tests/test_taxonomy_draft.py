"""`callintel topics suggest`: a taxonomy draft from a warehouse, passed back as [topics] taxonomy_file."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from callintel.evaluation import calls as ev
from callintel.flows.cli import app
from callintel.nlp.labels import is_topic_name
from callintel.nlp.taxonomy import Taxonomy
from callintel.nlp.taxonomy_draft import DraftOptions, FoundTopic, OtherCall, draft, other_call_lines
from callintel.nlp.tokenize import tokenizer_from_settings
from callintel.settings import CONFIG_DIR, load_settings
from callintel.warehouse.db import connect
from callintel.warehouse.taxonomy_draft import draft_text, load_draft_rows

TOPIC_STEPS = {"night": {"steps": ["questions", "topics", "call_topics"]},
               "privacy": {"caller_hash_builtin_key": True}}
OPTS = DraftOptions(examples=2, min_calls=2, max_phrases=3, other_calls=50, other_words=3)


@pytest.fixture(scope="module")
def tok():
    return tokenizer_from_settings(load_settings())


def test_draft_keeps_the_taxonomy_and_names_discovered_topics_by_the_rule(tok, tmp_path):
    taxonomy = Taxonomy.load(CONFIG_DIR / "topic_taxonomy.toml")
    found = [
        FoundTopic(1, "claim_status", "理赔进度查询", "taxonomy", [], ["理赔款这周能到吗", "我的理赔到哪一步了"], 4, 5),
        # a label that breaks the naming rule (a plate) is renamed from the keywords that keep it
        FoundTopic(20, None, "鄂A5M27X", "discovered", [("A5M27X", 0.9), ("晚上", 0.8), ("申诉书", 0.5), ("拒赔", 0.4)],
                   ["拒赔了申诉书往哪交", "申诉书要写什么"], 2, 3, novel=True),
        FoundTopic(21, None, "不能一条", "discovered", [("不能", 0.5), ("一条", 0.4)], ["不能一条"], 0, 3),  # fillers
        FoundTopic(22, None, "体检", "discovered", [("体检", 0.5)], ["体检怎么约"], 0, 1),  # one call: not yet
    ]
    text = draft(found, taxonomy, OPTS, tok.flag, tok.words, tok.terms, "w.duckdb")
    path = tmp_path / "draft.toml"
    path.write_text(text, encoding="utf-8")
    got = Taxonomy.load(path)
    slugs = [t.slug for t in got.topics]
    assert slugs[: len(taxonomy.topics)] == [t.slug for t in taxonomy.topics]
    assert slugs[len(taxonomy.topics):] == ["found_20"]
    new = got.topics[-1]
    # 拒赔 and 申诉书 are said apart (拒赔了申诉书往哪交): no phrase, so the best keyword names it alone
    assert new.name == "申诉书" and is_topic_name(new.name, tok.flag, tok.words, tok.terms)
    assert new.phrases == ("申诉书", "拒赔") and new.examples == ("拒赔了申诉书往哪交", "申诉书要写什么")
    claim = next(t for t in got.topics if t.slug == "claim_status")
    shipped = next(t for t in taxonomy.topics if t.slug == "claim_status")
    # the warehouse's questions join the examples once (我的理赔到哪一步了 is one already), phrases stay
    assert claim.examples == (*shipped.examples, "理赔款这周能到吗") and claim.strong == shipped.strong
    assert "calls = 4" in text and "1 discovered topic(s) left out" in text
    assert text.count("# novel:") == 1 and "calls = 2" in text   # a topic of novel calls says so, with its calls


def test_calls_filed_under_other_are_listed_with_their_own_words(tok, tmp_path):
    """A matter nobody listed comes one call at a time: the draft lists those calls with the nouns their callers
    said that the other callers did not, as comments, and still loads."""
    background = ["我想查一下理赔进度，理赔款什么时候到账", "扣款失败了，银行卡换了怎么办", "我要退保，现金价值多少",
                  "理赔材料要准备哪些，发票要原件吗", "保费扣了两次，银行卡上少了钱"]
    calls = [OtherCall("C1", "2026-09-07", "体检怎么预约", "你好，我收到短信说有一次免费体检，体检中心怎么预约"),
             OtherCall("C2", "2026-09-08", "", "嗯，好的，谢谢")]
    lines = other_call_lines(calls, background + [c.customer_text for c in calls], tok.tokens, tok.flag, tok.terms,
                             3)
    assert lines[0].startswith("# Calls filed under 其他 (2)") and all(line.startswith("#") for line in lines)
    first = next(line for line in lines if "C1" in line)
    assert "体检" in first and "理赔" not in first and first.endswith("| 体检怎么预约")
    assert next(line for line in lines if "C2" in line).endswith("(2026-09-08): -")   # no noun of its own
    assert other_call_lines([], background, tok.tokens, tok.flag, tok.terms, 3) == []
    taxonomy = Taxonomy.load(CONFIG_DIR / "topic_taxonomy.toml")
    path = tmp_path / "draft.toml"
    path.write_text(draft([], taxonomy, OPTS, tok.flag, tok.words, tok.terms, "w.duckdb", lines), encoding="utf-8")
    assert [t.slug for t in Taxonomy.load(path).topics] == [t.slug for t in taxonomy.topics]
    assert path.read_text(encoding="utf-8").rstrip().endswith(lines[-1])


@pytest.mark.slow  # two evaluations of a development set
def test_suggest_on_calls_health_and_the_draft_passed_back(shared_data, tmp_path, tok):
    """The draft of a warehouse of the health insurer's calls loads, keeps every taxonomy topic, names what it
    adds by the rule, and used as [topics] taxonomy_file leaves the topic figures no worse (coverage within one
    question's worth: discovered clusters of fillers, counted as covered before, are not drafted)."""
    dialogues = ev.load_dialogues(ev.dialogues_file(shared_data / "calls_health"))
    scorers = [ev.score_question_topics, ev.score_call_topics]
    settings = load_settings(overrides=TOPIC_STEPS)
    before = ev.evaluate(dialogues, settings, tmp_path / "w.duckdb", scorers)
    out = tmp_path / "draft.toml"
    result = CliRunner().invoke(app, ["topics", "suggest", "--db", str(tmp_path / "w.duckdb"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    drafted = Taxonomy.load(out)
    shipped = Taxonomy.load(CONFIG_DIR / "topic_taxonomy.toml")
    assert {t.slug for t in shipped.topics} <= {t.slug for t in drafted.topics}
    for t in drafted.topics:
        if t.slug.startswith("found_"):
            assert is_topic_name(t.name, tok.flag, tok.words, tok.terms), t.name
            assert t.examples and t.phrases
    # the topics made of novel calls (nlp/novelty.py) that came up in enough calls are drafted, each marked
    con = connect(tmp_path / "w.duckdb")
    try:
        novel = {t for (t,) in con.execute("""SELECT topic_id FROM question_topics q JOIN questions USING (question_id)
                                              WHERE method = 'novel' AND topic_id IN
                                                (SELECT topic_id FROM topics WHERE source = 'discovered')
                                              GROUP BY topic_id HAVING count(DISTINCT call_id) >= 2""").fetchall()}
    finally:
        con.close()
    text = out.read_text(encoding="utf-8")
    con = connect(tmp_path / "w.duckdb")   # the calls filed under 其他 are listed for the analyst, each once
    try:
        con_other = con.execute("""SELECT count(*) FROM call_topics JOIN topics USING (topic_id)
                                   WHERE source = 'other'""").fetchone()[0]
    finally:
        con.close()
    other = [line for line in text.splitlines() if line.startswith("#   B")]
    assert len(other) == con_other and (not con_other or f"Calls filed under 其他 ({con_other})" in text)
    for t in novel:
        assert f'slug = "found_{t}"' in text
    # the draft is made from rows read first: the warehouse is closed before the words are tokenized
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        rows = load_draft_rows(con, settings)
    finally:
        con.close()
    again = tmp_path / "again.toml"
    again.write_text(draft_text(rows, settings, "w.duckdb"), encoding="utf-8")
    assert [t.slug for t in Taxonomy.load(again).topics] == [t.slug for t in drafted.topics]
    assert text.count("# novel:") <= len(novel)
    after = ev.evaluate(dialogues, settings.with_overrides({"topics": {"taxonomy_file": str(out)}}),
                        tmp_path / "again.duckdb", scorers)
    assert after["call_topic_ari"] >= before["call_topic_ari"]
    assert after["question_topic_ari"] >= before["question_topic_ari"]
    assert after["topic_coverage"] >= before["topic_coverage"] - 0.02
