"""What `callintel topics suggest` reads from a warehouse: every topic with its questions and calls.

Read-only; the draft itself is written by nlp/taxonomy_draft.py. Questions are the masked cores the
night stored (never raw speech); follow-ups, family refinements, questions the call's main topic filled (call) and
weak matches the call overruled (call_weak) are left out (their topic came from another question of the call, not
from their own words).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from callintel.nlp.novelty import reference_sample
from callintel.nlp.taxonomy_draft import FoundTopic, OtherCall


@dataclass(frozen=True)
class DraftRows:
    """All a draft reads from a warehouse: read first, so the connection is closed before the slow part (tokenizing
    the words of the calls under 其他) and a night's writer is never kept waiting on the draft."""

    found: list[FoundTopic]
    other: list[OtherCall]
    background: list[str]


def load_draft_rows(con: duckdb.DuckDBPyConnection, settings) -> DraftRows:
    """The rows of a warehouse the draft is made from ([topics.suggest])."""
    from callintel.nlp.taxonomy_draft import DraftOptions

    opts = DraftOptions.from_settings(settings["topics"]["suggest"])
    other, background = load_other_calls(con, opts.other_calls, settings["topics"]["novelty"]["reference_calls"])
    return DraftRows(load_found(con, max(opts.examples, 1) * 4), other, background)


def draft_text(rows: DraftRows, settings, source: str) -> str:
    """The taxonomy draft as `callintel topics suggest` writes it (TOML text; [topics.suggest]), from rows read
    with `load_draft_rows`; `source` names the warehouse in the draft's header."""
    from callintel.nlp.taxonomy import load_taxonomy
    from callintel.nlp.taxonomy_draft import DraftOptions, draft, other_call_lines
    from callintel.nlp.tokenize import tokenizer_from_settings

    opts = DraftOptions.from_settings(settings["topics"]["suggest"])
    tok = tokenizer_from_settings(settings)
    terms = frozenset(tok.terms)
    return draft(rows.found, load_taxonomy(settings), opts, tok.flag, tok.words, terms, source,
                 other_call_lines(rows.other, rows.background, tok.tokens, tok.flag, terms, opts.other_words))


def load_found(con: duckdb.DuckDBPyConnection, per_topic: int) -> list[FoundTopic]:
    """Every topic that holds a question or a call, its `per_topic` most central own questions first."""
    calls = dict(con.execute("SELECT topic_id, count(*) FROM call_topics GROUP BY 1").fetchall())
    asking: dict[int, int] = {}
    questions: dict[int, list[str]] = {}
    rows = con.execute("""
        SELECT qt.topic_id, q.core, q.call_id FROM v_question_topics qt JOIN questions q USING (question_id)
        WHERE q.question_id NOT IN (SELECT question_id FROM question_follow_ups)
          AND qt.method NOT IN ('context', 'family', 'call', 'call_weak')
        ORDER BY qt.topic_id, qt.similarity DESC, q.question_id""").fetchall()
    seen_calls: dict[int, set[str]] = {}
    for topic_id, core, call_id in rows:
        seen_calls.setdefault(topic_id, set()).add(call_id)
        bucket = questions.setdefault(topic_id, [])
        if len(bucket) < per_topic and core not in bucket:
            bucket.append(core)
    asking = {t: len(c) for t, c in seen_calls.items()}
    novel = {t for (t,) in con.execute(
        "SELECT DISTINCT topic_id FROM question_topics WHERE method = 'novel'").fetchall()}   # nlp/novelty.py
    out = []
    for topic_id, slug, label, source, keywords in con.execute(
            "SELECT topic_id, slug, label, coalesce(source, 'discovered'), keywords FROM topics ORDER BY 1").fetchall():
        if topic_id not in calls and topic_id not in asking:
            continue
        kw = [(str(w), float(s)) for w, s in json.loads(keywords or "[]")]
        out.append(FoundTopic(int(topic_id), slug, label, source, kw, questions.get(topic_id, []),
                              int(calls.get(topic_id, 0)), int(asking.get(topic_id, 0)),
                              source == "discovered" and topic_id in novel))
    return out


def load_other_calls(con: duckdb.DuckDBPyConnection, limit: int,
                     background: int) -> tuple[list[OtherCall], list[str]]:
    """(the calls whose main topic is the "other" topic, newest last, at most `limit`; the customer text of up to
    `background` calls of the warehouse, evenly strided, that their words are set against)."""
    if limit <= 0:
        return [], []
    kept = con.execute("""
        SELECT c.call_id, c.night, string_agg(u.text, '，' ORDER BY u.seq)
        FROM call_topics c JOIN topics t USING (topic_id)
        JOIN utterances u ON u.call_id = c.call_id AND u.speaker = 'customer'
        WHERE t.source = 'other' GROUP BY c.call_id, c.night ORDER BY c.night DESC, c.call_id DESC LIMIT ?""",
        [limit]).fetchall()[::-1]
    if not kept:
        return [], []
    first = dict(con.execute("""
        SELECT call_id, arg_min(core, seq * 100 + part) FROM questions
        WHERE call_id IN (SELECT unnest(?)) AND question_id NOT IN (SELECT question_id FROM question_follow_ups)
        GROUP BY call_id""", [[cid for cid, _, _ in kept]]).fetchall())
    calls = [OtherCall(cid, str(night), first.get(cid, ""), text or "") for cid, night, text in kept]
    ids = reference_sample([c for (c,) in con.execute("SELECT call_id FROM calls ORDER BY call_id").fetchall()],
                           background)
    texts = [t for (t,) in con.execute("""
        SELECT string_agg(text, '，' ORDER BY seq) FROM utterances
        WHERE speaker = 'customer' AND call_id IN (SELECT unnest(?)) GROUP BY call_id ORDER BY call_id""",
        [ids]).fetchall()]
    return calls, texts
