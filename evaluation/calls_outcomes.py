"""Scorers of `callintel eval calls` for resolution's second meaning: first-contact resolution (FCR).

Truth (EVALUATION.md): a call failed FCR when a later call of the file names it as `repeat_of` and the
call itself was not resolved (`resolved` false); a call resolved in the dialogue and followed by a repeat
(to ask when the refund arrives, to send a promised document, about another matter) did not fail, and neither
did a sales call followed by a callback to buy (both calls' truth `purchase_intent` is high: the sale went on,
no matter was left open). Predicted: call_outcomes.fcr_failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

BUYING = "high"  # truth purchase_intent of a caller who is buying


def fcr_truth(dialogues: Sequence[dict[str, Any]]) -> set[str]:
    """Call ids that failed first-contact resolution by the file's truth."""
    truth = {c["call_id"]: c["truth"] for c in dialogues}
    failed = set()
    for c in dialogues:
        first = truth.get(c["truth"].get("repeat_of") or "")
        if first is None or first.get("resolved") is not False:
            continue
        if first.get("purchase_intent") == BUYING and c["truth"].get("purchase_intent") == BUYING:
            continue  # a callback to buy after a sales call
        failed.add(c["truth"]["repeat_of"])
    return failed


def score_fcr(dialogues: Sequence[dict[str, Any]], con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """fcr_precision / fcr_recall of call_outcomes.fcr_failed against the truth; None when there is nothing to
    measure (no predicted or no true failure)."""
    truth = fcr_truth(dialogues)
    ids = [c["call_id"] for c in dialogues]
    pred = {cid for (cid,) in con.execute("SELECT call_id FROM call_outcomes WHERE fcr_failed AND call_id IN "
                                          "(SELECT unnest(?))", [ids]).fetchall()}
    right = len(pred & truth)
    return {"fcr_failed_true": len(truth), "fcr_failed_found": len(pred),
            "fcr_precision": round(right / len(pred), 4) if pred else None,
            "fcr_recall": round(right / len(truth), 4) if truth else None}
