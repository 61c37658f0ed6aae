"""Learn the helpdesk best-reply picker's cue weights (configs/models/reply_weights.json) on STC-3 only.

    .venv/bin/python scripts/train_reply_weights.py [--data ../shared/data] [--out configs/models/reply_weights.json]

Data: ../shared/data/stc3/dialogues.jsonl (NTCIR-14 STC-3, CC BY 4.0; Zeng et al., EVIA 2017), nothing
else. Each helpdesk turn's cues (nlp.replies.reply_features) against the share of annotators who gave it
the goal label ([script_model] goal_label), every dialogue counted. Parameters come from [script_model]
in configs/resolution_lexicon.toml; the fit is deterministic (lbfgs, fixed data order), so a rerun on
the same file and settings writes the same weights. The recorded top-1 is out-of-fold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cross_set import parser as cli  # noqa: E402

from callintel.evaluation.outcomes import file_sha256, id_hashes, load_stc3, stc3_path  # noqa: E402
from callintel.evaluation.replies import (  # noqa: E402
    cue_names,
    featurise,
    fit_weights,
    out_of_fold_top1,
    script_model_params,
    top1,
)
from callintel.model_json import ModelFile  # noqa: E402
from callintel.nlp.outcomes import lexicon_from_settings  # noqa: E402
from callintel.nlp.replies import REPLY_WEIGHTS  # noqa: E402
from callintel.settings import load_settings  # noqa: E402


def main() -> None:
    parser = cli(__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "configs" / "models" / "reply_weights.json")
    args = parser.parse_args()
    lex = lexicon_from_settings(load_settings())
    params = script_model_params(lex)
    names = cue_names(lex)
    dialogues = load_stc3(args.data)
    items = featurise(dialogues, lex, params["goal_label"])
    weights = fit_weights(items, names, params["C"])
    hits, counted = top1(items, names, weights)
    hand, _ = top1(items, names, lex.script_cues)
    meta = {"data": "shared/data/stc3/dialogues.jsonl (NTCIR-14 STC-3 train_data_cn, CC BY 4.0)",
            "data_sha256": file_sha256(stc3_path(args.data)), "dialogues": len(dialogues),
            "turns": sum(len(s.turns) for s in items),
            "target": f"share of annotators labelling the turn {params['goal_label']}",
            "params": params, "cv_top1": out_of_fold_top1(items, names, params),
            "in_sample_top1": round(hits / counted, 4), "hand_weights_top1": round(hand / counted, 4),
            "scored_dialogues": counted, "lexicon_sha256": file_sha256(Path(lex.source)),
            "trainer": "scripts/train_reply_weights.py", "train_id_hashes": id_hashes([d.id for d in dialogues])}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model = ModelFile(REPLY_WEIGHTS, weights, meta)
    args.out.write_text(model.to_json(indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(json.dumps({"out": str(args.out), "weights": weights, **{k: meta[k] for k in (
        "dialogues", "scored_dialogues", "cv_top1", "in_sample_top1", "hand_weights_top1")}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
