"""Scorers of the `calls` task for profiles, purchase intent and best replies (EVALUATION.md), with baselines.

Each scorer is `(dialogues, con) -> dict`: `dialogues` are the file's calls (with `truth`), `con` a warehouse
where those calls were landed through the text path (transcript_from_turns + write_call) and the analytics
steps ran. The pipeline never saw the truth; scorers read it only here. Turn numbers: utterances.seq counts the
non-empty turns, so it is mapped back to the file's turn index. `callintel eval calls` (evaluation/calls.py)
lands the calls, runs every step and calls these scorers beside its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import duckdb

SCORED_FIELDS = ("gender", "age", "city", "occupation", "marital_status", "children", "existing_policies",
                 "income_band", "preferred_contact_time")
PRODUCT_WORDS = (("重疾", "重疾险"), ("医疗", "医疗险"), ("意外", "意外险"), ("年金", "年金险"), ("养老", "养老险"),
                 ("寿险", "寿险"), ("教育", "教育金"), ("万能", "万能险"), ("车险", "车险"))


def _seq_to_turn(call: dict[str, Any]) -> dict[int, int]:
    """utterances.seq -> index in the file's turns (empty turns are not landed)."""
    kept = [i for i, t in enumerate(call["turns"]) if str(t.get("text") or "").strip()]
    return dict(enumerate(kept))


def split_value(field: str, value: str) -> list[str]:
    """The items a value is scored as: existing_policies lists several (、), every other field is one."""
    return [v for v in re.split(r"[、,，]", value) if v] if field == "existing_policies" else [value]


def value_match(field: str, predicted: str, truth: str) -> float:
    """1 for a match, 0.5 for an age band around an exact true age, 0 otherwise (EVALUATION.md)."""
    if field == "age":
        def span(v: str) -> tuple[int, int] | None:
            m = re.fullmatch(r"(\d+)(?:-(\d+))?", v.strip())
            return (int(m.group(1)), int(m.group(2) or m.group(1))) if m else None
        p, t = span(predicted), span(truth)
        if p is None or t is None:
            return 0.0
        if p[0] == p[1] and t[0] == t[1]:
            return 1.0 if abs(p[0] - t[0]) <= 1 else 0.0
        if p[0] != p[1] and t[0] == t[1]:
            return 0.5 if p[0] <= t[0] <= p[1] else 0.0
        if p[0] == p[1]:
            return 1.0 if t[0] <= p[0] <= t[1] else 0.0
        return 1.0 if p == t else 0.0
    if field in ("occupation", "city"):
        return 1.0 if predicted and truth and (predicted in truth or truth in predicted) else 0.0
    return 1.0 if predicted == truth else 0.0


def prf(pred: dict[str, list[tuple[str, str]]], truth: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """Greedy one-to-one matching per call and field; precision over predictions, recall over truth."""
    tp = 0.0
    n_pred = n_true = 0
    by_field: dict[str, dict[str, float]] = {f: {"tp": 0.0, "pred": 0, "true": 0} for f in SCORED_FIELDS}
    for call_id in set(pred) | set(truth):
        p = [x for x in pred.get(call_id, []) if x[0] in SCORED_FIELDS]
        t = [x for x in truth.get(call_id, []) if x[0] in SCORED_FIELDS]
        n_pred += len(p)
        n_true += len(t)
        for f, _ in p:
            by_field[f]["pred"] += 1
        for f, _ in t:
            by_field[f]["true"] += 1
        used: set[int] = set()
        for f, v in p:
            best, where = 0.0, None
            for k, (tf, tv) in enumerate(t):
                if k in used or tf != f:
                    continue
                m = value_match(f, v, tv)
                if m > best:
                    best, where = m, k
            if where is not None:
                used.add(where)
                tp += best
                by_field[f]["tp"] += best
    fields = {f: {"precision": round(d["tp"] / d["pred"], 3) if d["pred"] else None,
                  "recall": round(d["tp"] / d["true"], 3) if d["true"] else None,
                  "predicted": d["pred"], "true": d["true"]} for f, d in by_field.items()}
    return {"precision": round(tp / n_pred, 4) if n_pred else None, "recall": round(tp / n_true, 4) if n_true else None,
            "predicted": n_pred, "true": n_true, "by_field": fields}


def truth_facts(dialogues: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """call_id -> the (field, value) items of its truth profile (what `prf` measures against)."""
    return {c["call_id"]: [(f, v) for f, item in (c["truth"].get("profile") or {}).items()
                           for v in split_value(f, str(item["value"]))] for c in dialogues}


def _baseline_gender(dialogues: Sequence[dict[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    """Baseline: gender from the first 先生/女士 the agent says, nothing else."""
    out = {}
    for c in dialogues:
        facts = []
        for t in c["turns"]:
            m = re.search(r"先生|女士", t["text"]) if t["speaker"] == "agent" else None
            if m:
                facts.append(("gender", "男" if m.group() == "先生" else "女"))
                break
        out[c["call_id"]] = facts
    return out


def profile_scores(dialogues: Sequence[dict[str, Any]], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """profile_precision, profile_recall, profile_by_field from profile_facts (per call, not merged)."""
    pred: dict[str, list[tuple[str, str]]] = {c["call_id"]: [] for c in dialogues}
    for call_id, field, value in con.execute("SELECT call_id, field, value FROM profile_facts").fetchall():
        if call_id in pred:
            pred[call_id] += [(field, v) for v in split_value(field, value)]
    truth = truth_facts(dialogues)
    ours, base = prf(pred, truth), prf(_baseline_gender(dialogues), truth)
    return {"profile_precision": ours["precision"], "profile_recall": ours["recall"],
            "profile_facts_predicted": ours["predicted"], "profile_facts_true": ours["true"],
            "profile_by_field": ours["by_field"],
            "baseline_profile_precision": base["precision"], "baseline_profile_recall": base["recall"],
            "baseline_profile_note": "gender from the agent's first 先生/女士 only"}


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return round(wins / (len(pos) * len(neg)), 4)


def _product(value: str | None) -> str | None:
    if not value:
        return None
    return next((kind for key, kind in PRODUCT_WORDS if key in value), value)


def intent_scores(dialogues: Sequence[dict[str, Any]], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """intent_auc (score vs truth high/medium), intent_product_accuracy; baselines: the queue name, the first
    product the customer names."""
    rows = {cid: (score, product) for cid, score, product in
            con.execute("SELECT call_id, score, product FROM call_intent").fetchall()}
    labels, scores, queue = [], [], []
    right = counted = base_right = 0
    for c in dialogues:
        truth = c["truth"]
        labels.append(truth.get("purchase_intent") in ("high", "medium"))
        scores.append(rows.get(c["call_id"], (0.0, None))[0])
        queue.append(1.0 if c.get("queue") == "sales" else 0.0)
        want = _product(truth.get("product_interest"))
        if want:
            counted += 1
            right += _product(rows.get(c["call_id"], (0, None))[1]) == want
            first = next((kind for t in c["turns"] if t["speaker"] == "customer"
                          for key, kind in PRODUCT_WORDS if key in t["text"]), None)
            base_right += first == want
    return {"intent_auc": auc(labels, scores), "intent_positive_calls": sum(labels),
            "intent_product_accuracy": round(right / counted, 4) if counted else None,
            "intent_product_calls": counted,
            "baseline_intent_auc_queue": auc(labels, queue) if any(q for q in queue) else None,
            "baseline_product_first_named": round(base_right / counted, 4) if counted else None}


def best_reply_scores(dialogues: Sequence[dict[str, Any]], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """best_reply_top1 (reply_candidates.is_best vs truth best_agent_reply.turn); baseline: the longest agent
    reply after the customer's first question."""
    picks = dict(con.execute("SELECT call_id, max(reply_turn) FROM reply_candidates WHERE is_best GROUP BY call_id")
                 .fetchall())
    hits = base = counted = 0
    for c in dialogues:
        truth = (c["truth"].get("best_agent_reply") or {}).get("turn")
        if truth is None:
            continue
        counted += 1
        mapping = _seq_to_turn(c)
        pick = picks.get(c["call_id"])
        hits += pick is not None and mapping.get(pick) == truth
        turns = c["turns"]
        first_q = next((i for i, t in enumerate(turns) if t["speaker"] == "customer"
                        and re.search(r"[？?]|吗|怎么|多少|什么|能不能|是不是", t["text"])), 0)
        agent = [i for i, t in enumerate(turns) if t["speaker"] == "agent" and i > first_q]
        base += bool(agent) and max(agent, key=lambda i: len(turns[i]["text"])) == truth
    return {"best_reply_top1": round(hits / counted, 4) if counted else None, "best_reply_calls": counted,
            "baseline_best_reply_longest_after_first_question": round(base / counted, 4) if counted else None}
