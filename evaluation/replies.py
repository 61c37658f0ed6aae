"""`callintel eval scripts`: does the production picker find the reply that resolved the dialogue?

For every STC-3 dialogue with a helpdesk turn whose majority nugget label is HNUG* (the
annotators' "this turn reaches the goal"), `nlp.replies.best_reply` picks one helpdesk turn
without seeing the labels; top-1 accuracy is the share of dialogues where it picked that turn.
Dialogues without an HNUG* majority turn have no truth and are not counted (`skipped`).
Nothing is trained: the cue weights are hand-set in configs/resolution_lexicon.toml.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from callintel.evaluation.outcomes import load_stc3
from callintel.settings import Settings

GOAL = "HNUG*"


def run(data_dir: Path, settings: Settings) -> dict[str, Any]:
    from callintel.nlp.outcomes import Turn, clean_text, lexicon_from_settings
    from callintel.nlp.replies import best_reply

    started = time.perf_counter()
    lex = lexicon_from_settings(settings)
    dialogues = load_stc3(data_dir)
    hits = counted = single = 0
    last_hits = 0  # baseline: the last non-empty helpdesk turn
    for d in dialogues:
        truth = {i for i, label in enumerate(d.nugget_majority) if label == GOAL}
        if not truth:
            continue
        counted += 1
        # One Turn per STC-3 turn (no merging), so turn indices are the labels' indices.
        turns = [Turn(speaker, clean_text(text)) for speaker, text in d.utterances]
        pick = best_reply(turns, lex)
        hits += pick is not None and pick.turn in truth
        agent = [i for i, t in enumerate(turns) if t.speaker == "agent" and t.text]
        single += len(agent) == 1
        last_hits += bool(agent) and agent[-1] in truth
    return {"dialogues": counted, "top1_accuracy": round(hits / counted, 4) if counted else None,
            "baseline_last_reply": round(last_hits / counted, 4) if counted else None,
            "single_reply_dialogues": single, "skipped": len(dialogues) - counted,
            "seconds": round(time.perf_counter() - started, 1)}
