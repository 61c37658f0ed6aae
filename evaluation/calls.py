"""`callintel eval calls`: the production text pipeline over scripted calls, scored against their truth.

Each call's turns land as the transcript of its night (night = local date of `started_at` in
[night].timezone) through the one text path (`speech.text.transcript_from_turns`, so they are
normalised and masked as Whisper's would be) and `warehouse.calls.write_call`, into a temporary
DuckDB warehouse. The analytics steps then run night by night, oldest first, exactly as a night
runs them (plain functions, no Prefect). Scores are read back from the warehouse tables; the
truth is read only here, for scoring.

`--data` is a folder with `calls/dialogues.json` (../shared/data) or with `dialogues.json`
itself (`--data samples` scores the bundled sample calls). Scoring is a list of scorer
functions `(dialogues, con) -> dict`, so other areas add theirs (evaluation/calls_profiles.py)
without touching the landing.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import duckdb
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from callintel.evaluation.calls_outcomes import score_fcr
from callintel.evaluation.calls_profiles import best_reply_scores, intent_scores, profile_scores
from callintel.evaluation.calls_truth import checked_calls, problem_summary
from callintel.evaluation.data_files import DataError
from callintel.evaluation.pii import leaked_numbers
from callintel.flows.dialogues import land_dialogues
from callintel.nlp.reply_ranker import RankerModel
from callintel.settings import Settings
from callintel.warehouse.db import connect

log = logging.getLogger(__name__)
Dialogues = list[dict[str, Any]]
Scorer = Callable[[Dialogues, duckdb.DuckDBPyConnection], dict[str, Any]]


def dialogues_file(data_dir: Path) -> Path:
    """`calls/dialogues.json` in `data_dir`, or `dialogues.json` in it (the samples folder)."""
    for candidate in (Path(data_dir) / "calls" / "dialogues.json", Path(data_dir) / "dialogues.json"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no calls/dialogues.json or dialogues.json in {data_dir}")


def load_dialogues(path: Path) -> Dialogues:
    """The calls of a dialogues file as written (a list, or an object whose `calls` is one); unchecked:
    `run` passes them through evaluation/calls_truth.py."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DataError(f"{path}: not a readable JSON file ({e})") from e
    calls = data.get("calls") if isinstance(data, dict) else data
    if not isinstance(calls, list):
        raise DataError(f"{path}: no list of calls (the file is a list of calls, or an object with a 'calls' list)")
    return calls


def land(con: duckdb.DuckDBPyConnection, dialogues: Dialogues, settings: Settings) -> list:
    """Write every call (what a night sees: ids, number, agent, start, turns) and return its nights, oldest first.

    Turns carry no times, so utterance i starts at second i (transcript_from_turns); `utterances.start_s`
    is therefore the turn index the truth refers to. Only speaker and text of a turn are passed on.
    """
    calls = [{**{k: c[k] for k in ("call_id", "started_at", "caller_number", "agent_id", "channel_layout") if k in c},
              "turns": [{"speaker": t["speaker"], "text": t["text"]} for t in c["turns"]]} for c in dialogues]
    return land_dialogues(con, calls, settings, run_id="eval-calls", source="transcript")


def run_steps(con: duckdb.DuckDBPyConnection, nights: list, settings: Settings) -> dict[str, Any]:
    """Every analytics step ([night] steps), night by night, as the nightly flow runs them."""
    from callintel.flows import steps

    return {str(night): steps.run_steps(con, [night], settings) for night in nights}


# ---- scorers: (dialogues, con) -> figures -------------------------------------------------------------

def _turn_questions(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], list[int | None]]:
    """(call_id, turn index) -> topic of each detected question sentence in that turn, in order."""
    rows = con.execute("""
        SELECT q.call_id, CAST(round(u.start_s) AS INTEGER), qt.topic_id FROM questions q
        JOIN utterances u ON u.call_id = q.call_id AND u.seq = q.seq
        LEFT JOIN v_question_topics qt USING (question_id)
        ORDER BY q.call_id, q.seq, q.part""").fetchall()
    out: dict[tuple[str, int], list[int | None]] = {}
    for call_id, turn, topic in rows:
        out.setdefault((call_id, turn), []).append(topic)
    return out


def _call_topic(call: dict[str, Any]) -> str | None:
    """A call's true topic slug (a file gives it as {slug, name} or as the slug alone)."""
    t = call["truth"]["topic"]
    return t["slug"] if isinstance(t, dict) else t


def _call_name(call: dict[str, Any]) -> str | None:
    """A call's true topic name, when the file gives one ({slug, name})."""
    t = call["truth"]["topic"]
    return t.get("name") if isinstance(t, dict) else None


def _truth_topic(call: dict[str, Any], q: dict[str, Any]) -> str | None:
    """A true question's topic slug; files without per-question topics (samples) use the call's topic."""
    return q["topic"] if "topic" in q else _call_topic(call)


def _singletons(labels: list[Any]) -> list[str]:
    return [f"t{v}" if v is not None else f"none{i}" for i, v in enumerate(labels)]


def score_questions(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Detection: a detected sentence in a true question turn is right (a turn counts once)."""
    found = _turn_questions(con)
    true_turns = {(c["call_id"], q["turn"]) for c in dialogues for q in c["truth"]["questions"]}
    sentences = sum(len(v) for v in found.values())
    right = sum(len(v) for k, v in found.items() if k in true_turns)
    hit = sum(1 for k in true_turns if k in found)
    return {"calls": len(dialogues), "questions_true": len(true_turns), "questions_found": sentences,
            "questions_precision": round(right / max(1, sentences), 4),
            "questions_recall": round(hit / max(1, len(true_turns)), 4)}


def score_question_topics(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """ARI of each true topical question's topic (most frequent of its turn's sentences, ties: first)."""
    found = _turn_questions(con)
    truth, got = [], []
    for c in dialogues:
        for q in c["truth"]["questions"]:
            slug = _truth_topic(c, q)
            if slug is None:
                continue
            topics = [t for t in found.get((c["call_id"], q["turn"]), []) if t is not None]
            truth.append(slug)
            got.append(Counter(topics).most_common(1)[0][0] if topics else None)
    covered = sum(1 for g in got if g is not None)
    return {"question_topic_ari": round(float(adjusted_rand_score(truth, _singletons(got))), 4) if truth else None,
            "topic_coverage": round(covered / max(1, len(got)), 4), "topical_questions": len(truth),
            "question_topic_confusion": confusion(truth, got, _labels(con))}


def _labels(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """topic_id -> the name analysts see, from v_topic_names (the one place a topic's name is chosen); a discovered
    topic's is marked, so it is not read as a listed one."""
    return {t: (f"{name} (discovered)" if source == "discovered" else name)
            for t, name, source in con.execute("""SELECT n.topic_id, n.topic_name, t.source FROM v_topic_names n
                                                  JOIN topics t USING (topic_id)""").fetchall()}


def confusion(truth: list[str], got: list[int | None], labels: dict[int, str]) -> dict[str, dict[str, int]]:
    """Each true topic -> how many of its items went to each topic found (by name; "-" for none), most first:
    where an ARI says how much is lost, this says to what (an analyst reads it to see which topics to edit)."""
    out: dict[str, Counter] = {}
    for t, g in zip(truth, got, strict=True):
        out.setdefault(t, Counter())[labels.get(g, "-")] += 1   # None (no topic) is no key: "-"
    return {t: dict(c.most_common()) for t, c in sorted(out.items())}


def score_call_topics(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """ARI of each call's main topic (call_topics) against its truth topic; a call the night gave no topic is a
    singleton, a call whose truth has none counts in no topic figure."""
    got = dict(con.execute("SELECT call_id, topic_id FROM call_topics").fetchall())
    topical = [c for c in dialogues if _call_topic(c) is not None]
    truth = [_call_topic(c) for c in topical]
    pred = [got.get(c["call_id"]) for c in topical]
    named = dict(con.execute("SELECT topic_id, label FROM topics").fetchall())
    return {"call_topic_ari": round(float(adjusted_rand_score(truth, _singletons(pred))), 4),
            "calls_with_topic": sum(1 for p in pred if p is not None),
            "call_topics_found": len({p for p in pred if p is not None}),
            "call_topic_names": dict(Counter(named.get(p, "-") for p in pred if p is not None).most_common()),
            "call_topic_confusion": confusion(truth, pred, _labels(con))}


def unlisted_topics(slugs: Iterable[str | None], listed: Collection[str], aliases: Mapping[str, str]) -> set[str]:
    """The true topic slugs a taxonomy of `listed` slugs lacks: neither the slug nor the taxonomy slug an [eval.calls]
    topic_aliases entry names for it is listed (what the benches and the novelty trainer call a novel topic)."""
    return {s for s in slugs if s is not None and aliases.get(s, s) not in listed}


def score_listed_calls(dialogues: Dialogues, con: duckdb.DuckDBPyConnection,
                       aliases: dict[str, str]) -> dict[str, Any]:
    """call_topic_ari apart for the calls whose true topic the night's taxonomy lists (by slug, by name, or by an
    [eval.calls] topic_aliases entry) and for the others: with 2-4 calls a topic, one listed call filed wrong costs
    about 0.1 of the whole figure, so what filing loses is told apart from what discovery does. None below 2 calls.

    Discovery's two errors, which an ARI over a few calls hides: `unlisted_kept_out`, the share of calls about a
    topic the taxonomy lacks that no listed topic took (they went to 其他 or to a topic of the night's own), and
    `listed_sent_out`, the share of calls about a listed topic that went there instead (false novelty);
    `unlisted_questions_kept_out` is the first for the true questions of unlisted topics. A call or question
    without any topic counts as out of the listed topics. None without such calls or questions.

    And which side holds the headroom: `call_topic_ari_if_listed_right` is the whole call_topic_ari had every listed
    call been filed under its own true topic (the rest as found), `call_topic_ari_if_unlisted_right` had every
    unlisted call been kept out and grouped by its true topic (the listed ones as found)."""
    rows = con.execute("SELECT topic_id, slug, label FROM topics WHERE source = 'taxonomy'").fetchall()
    slugs, labels, listed_ids = {s for _, s, _ in rows}, {label for _, _, label in rows}, {t for t, _, _ in rows}
    got = dict(con.execute("SELECT call_id, topic_id FROM call_topics").fetchall())

    def is_listed(slug: str | None, name: str | None = None) -> bool:
        return slug in slugs or name in labels or aliases.get(slug) in slugs

    def listed(call: dict[str, Any]) -> bool:
        return is_listed(_call_topic(call), _call_name(call))

    def share(flags: list[bool]) -> float | None:
        return round(sum(flags) / len(flags), 4) if flags else None

    out: dict[str, Any] = {}
    dialogues = [c for c in dialogues if _call_topic(c) is not None]
    for key, want in (("listed", True), ("unlisted", False)):
        calls = [c for c in dialogues if listed(c) == want]
        truth = [_call_topic(c) for c in calls]
        pred = _singletons([got.get(c["call_id"]) for c in calls])
        out[f"call_topic_ari_{key}"] = round(float(adjusted_rand_score(truth, pred)), 4) if len(calls) >= 2 else None
        out[f"calls_{key}"] = len(calls)
    # where the whole figure is lost: call_topic_ari with one side's calls each under its own true topic and the
    # other side's as found (the headroom of filing, and of discovery: keeping out and grouping what is not listed)
    truth_all = [_call_topic(c) for c in dialogues]
    found_all = _singletons([got.get(c["call_id"]) for c in dialogues])
    for key, want in (("listed", True), ("unlisted", False)):
        mixed = [f"truth:{t}" if listed(c) == want else f
                 for c, t, f in zip(dialogues, truth_all, found_all, strict=True)]
        out[f"call_topic_ari_if_{key}_right"] = (round(float(adjusted_rand_score(truth_all, mixed)), 4)
                                                 if len(dialogues) >= 2 else None)
    out["unlisted_kept_out"] = share([got.get(c["call_id"]) not in listed_ids for c in dialogues if not listed(c)])
    out["listed_sent_out"] = share([got.get(c["call_id"]) not in listed_ids for c in dialogues if listed(c)])
    found = _turn_questions(con)
    kept = []
    for c in dialogues:
        for q in c["truth"]["questions"]:
            slug = _truth_topic(c, q)
            if slug is not None and not is_listed(slug, None if "topic" in q else _call_name(c)):
                topics = [t for t in found.get((c["call_id"], q["turn"]), []) if t is not None]
                kept.append(not topics or Counter(topics).most_common(1)[0][0] not in listed_ids)
    out["unlisted_questions_kept_out"] = share(kept)
    return out


def score_resolution(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """ROC AUC of the unresolved score (call_outcomes.score) against truth resolved == false."""
    scores = dict(con.execute("SELECT call_id, score FROM call_outcomes").fetchall())
    y, s = [], []
    for c in dialogues:
        if c["call_id"] in scores and c["truth"].get("resolved") is not None:
            y.append(0 if c["truth"]["resolved"] else 1)
            s.append(float(scores[c["call_id"]]))
    auc = round(float(roc_auc_score(y, s)), 4) if len(set(y)) == 2 else None
    return {"resolution_auc": auc}


def score_repeats(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Predicted previous-call links (repeat_contacts.is_repeat) against truth repeat_of; same_topic_prev agreement."""
    rows = con.execute("SELECT call_id, prev_call_id, same_topic_prev FROM repeat_contacts WHERE is_repeat").fetchall()
    pred = {c: p for c, p, _ in rows}
    truth = {c["call_id"]: c["truth"]["repeat_of"] for c in dialogues if c["truth"].get("repeat_of")}
    right = sum(1 for c, p in pred.items() if truth.get(c) == p)
    topic_of = {c["call_id"]: _call_topic(c) for c in dialogues}
    same_true = {c: topic_of.get(c) == topic_of.get(p) for c, p in truth.items()
                 if topic_of.get(c) is not None and topic_of.get(p) is not None}
    same_pred = {c: s for c, _, s in rows}
    agree = [bool(same_pred.get(c)) == v for c, v in same_true.items() if c in same_pred]
    return {"repeat_precision": round(right / max(1, len(pred)), 4),
            "repeat_recall": round(right / max(1, len(truth)), 4),
            "same_topic_prev_agreement": round(sum(agree) / max(1, len(agree)), 4) if agree else None}


def score_unmasked(dialogues: Dialogues, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Phone, ID-card and bank-card numbers left unmasked in every text written (as task pii)."""
    texts = [t for (t,) in con.execute("""SELECT text FROM utterances UNION ALL SELECT text FROM questions
        UNION ALL SELECT coalesce(evidence_text, '') FROM call_topics UNION ALL SELECT representative FROM topics
        UNION ALL SELECT evidence FROM profile_facts UNION ALL SELECT question FROM reply_candidates
        UNION ALL SELECT reply FROM reply_candidates UNION ALL SELECT coalesce(next_text, '') FROM reply_candidates
        UNION ALL SELECT coalesce(evidence, '') FROM call_intent""").fetchall()]
    return {"texts_written": len(texts), "unmasked": sum(len(leaked_numbers(t or "")) for t in texts)}


SCORERS: list[Scorer] = [score_questions, score_question_topics, score_call_topics, score_resolution, score_repeats,
                         score_fcr, profile_scores, intent_scores, best_reply_scores, score_unmasked]


def evaluate(dialogues: Dialogues, settings: Settings, db: Path, scorers: list[Scorer] | None = None) -> dict[str, Any]:
    """Land, run the steps, score; the warehouse stays at `db` for a look afterwards."""
    t0 = time.perf_counter()
    con = connect(db)
    try:
        nights = land(con, dialogues, settings)
        steps = run_steps(con, nights, settings)
        result: dict[str, Any] = {}
        for scorer in scorers or SCORERS:
            result.update(scorer(dialogues, con))
        if score_call_topics in (scorers or SCORERS):
            result.update(score_listed_calls(dialogues, con, dict(settings["eval"]["calls"]["topic_aliases"])))
        last = steps[str(nights[-1])] if nights else {}
        topics = {**last.get("topics", {}), **last.get("call_topics", {})}
        # from the warehouse, not the steps' figures: a night redone for a later night's revisions counts once
        result["unclustered"] = con.execute("""SELECT count(*) FROM questions q LEFT JOIN v_question_topics t
                                               USING (question_id) WHERE t.question_id IS NULL""").fetchone()[0]
        result["nights"] = len(nights)
        result["calls_other"] = con.execute("""SELECT count(*) FROM call_topics c JOIN topics t USING (topic_id)
                                               WHERE t.source = 'other'""").fetchone()[0]
        result["last_night_topics"] = {k: topics.get(k) for k in ("questions", "by_taxonomy", "follow_ups",
                                                                    "by_context", "discovered", "absorbed")}
        result["trends"] = dict(con.execute("SELECT trend, count(*) FROM topic_daily GROUP BY 1 ORDER BY 1").fetchall())
        result["low_resolution_topics"] = [r[0] for r in con.execute(
            "SELECT topic_name FROM v_low_resolution_topics ORDER BY rank").fetchall()]
    finally:
        con.close()
    result["seconds"] = round(time.perf_counter() - t0, 2)
    return result


def _ranker_provenance(settings: Settings) -> str:
    """What the reply ranker learned on, and its figures on the set it did not see, from the model's own meta."""
    model = RankerModel.from_settings(settings)
    if model is None:
        return "hand-set [call_reply] weights"
    name, meta = settings["replies"]["ranker"], model.meta
    return (f"ranker {name} trained on {', '.join(meta.get('trained_on', {})) or '?'} (best_reply_top1 on those is "
            f"in-sample; each with it left out of the training: {meta.get('top1_left_out')}; trained on one, "
            f"measured on the other: {meta.get('top1_trained_on_one_measured_on_other')})")


def _novelty_provenance(settings: Settings) -> str:
    """What the learned judgement of calls the taxonomy lacks learned on, and each set's figure left out of it."""
    from callintel.model_json import read
    from callintel.nlp.novelty_model import KIND, REMEDY

    name = settings["topics"]["novelty"]["model"]
    if not (settings["topics"]["novelty"]["enabled"] and name):
        return "calls the taxonomy lacks: the vote ratio and floor alone"
    meta = read(settings.config_file(name), KIND, REMEDY).meta
    left = {k: v.get("auc") for k, v in (meta.get("left_out") or {}).items()}
    return (f"calls the taxonomy lacks: the vote ratio and floor, and novelty model {name} trained on "
            f"{meta.get('trained_on', '?')} (the topic figures of those sets are in-sample; ROC AUC of each with it "
            f"left out of the training: {left})")


def _classifier_provenance(settings: Settings) -> str:
    """What the learned topic classifier learned on, and each set's share of listed questions filed right with it
    left out of the training, from the model's own meta."""
    from callintel.model_json import configured, read
    from callintel.nlp.topic_classifier import KIND, REMEDY

    path = configured(settings, "topics.learned_match", "model")
    if path is None:
        return "questions no rule decides: no learned classifier"
    meta = read(path, KIND, REMEDY).meta
    name = settings["topics"]["learned_match"]["model"]
    return (f"questions no rule decides: topic classifier {name} trained on "
            f"{', '.join(meta.get('trained_on', {})) or '?'} (the topic figures of those sets are in-sample; listed "
            f"questions filed right on each with it left out of the training: {meta.get('listed_acc_left_out')})")


def run(data_dir: Path, settings: Settings) -> dict[str, Any]:
    """`callintel eval calls --data DIR`: figures over every call of DIR's dialogues that can be measured; what
    could not (evaluation/calls_truth.py) is listed under `truth_problems`."""
    path = dialogues_file(data_dir)
    read = load_dialogues(path)
    dialogues, problems = checked_calls(read, settings)
    for line in problems:
        log.warning("eval calls %s: %s", path, line)
    if not dialogues:
        raise DataError(f"{path}: no call can be measured ({len(problems)} problem(s), first: "
                         f"{problems[0] if problems else 'the file lists no call'})")
    # evaluation callers are invented: their numbers are hashed with the built-in key, as in the demo
    settings = settings.with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    with tempfile.TemporaryDirectory(prefix="callintel-eval-calls-") as tmp:
        result = evaluate(dialogues, settings, Path(tmp) / "calls.duckdb")
    result["data"] = str(path)
    result["truth_problems"] = problem_summary(len(read), dialogues, problems)
    result["trained_on"] = ("taxonomy (configs/topic_taxonomy.toml) and cue lexicons are hand-written; "
                            f"{_novelty_provenance(settings)}; {_classifier_provenance(settings)}; "
                            "resolution model as in eval outcomes; best replies: "
                            + _ranker_provenance(settings))
    return result


__all__ = ["SCORERS", "Scorer", "dialogues_file", "evaluate", "land", "load_dialogues", "run", "run_steps"]
