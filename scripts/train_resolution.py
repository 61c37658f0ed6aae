"""Train the resolution model (configs/models/resolution_lr.json) on STC-3 only.

    .venv/bin/python scripts/train_resolution.py [--data ../shared/data] [--out configs/models/resolution_lr.json]
    .venv/bin/python scripts/train_resolution.py --cross ../shared/data/calls ../shared/data/calls_health

--cross trains nothing it keeps: it fits the same model on each set of calls and prints its AUC on the others
(both directions), beside the rules alone and the shipped model, so a learner is judged on calls it never saw.

Data: ../shared/data/stc3/dialogues.jsonl (NTCIR-14 STC-3, CC BY 4.0; Zeng et al., EVIA 2017), nothing
else. Target: unresolved = mean annotator A < 0. Parameters come from [model] in
configs/resolution_lexicon.toml; the fit is deterministic (lbfgs, fixed data order), so a rerun on the
same file and settings writes the same model. The printed and recorded figures are out-of-fold
(k-fold cross-validation), the only fair figures for a model evaluated on its own training data.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cross_set import parser as cli  # noqa: E402

from callintel.evaluation.calls import dialogues_file  # noqa: E402
from callintel.evaluation.outcomes import (  # noqa: E402
    _cross_validated,
    _figures,
    cross_set,
    file_sha256,
    id_hashes,
    load_stc3,
    stc3_path,
)
from callintel.nlp.outcomes import fit_model, label_for, lexicon_from_settings, signals, to_turns  # noqa: E402
from callintel.settings import load_settings  # noqa: E402


def main() -> None:
    parser = cli(__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "configs" / "models" / "resolution_lr.json")
    parser.add_argument("--cross", type=Path, nargs="+", metavar="DIR",
                        help="no training: fit on each folder's calls (dialogues.json) and print the AUC on the others")
    args = parser.parse_args()
    import numpy as np

    settings = load_settings()
    lex = lexicon_from_settings(settings)
    with open(lex.source, "rb") as fh:
        params = tomllib.load(fh)["model"]
    if args.cross:
        # small sets: every n-gram that occurs twice is kept (min_df 5 is for STC-3's thousands of dialogues)
        sets = {d.name: dialogues_file(d) for d in args.cross}
        print(json.dumps(cross_set(sets, settings, {**params, "min_df": 2}), ensure_ascii=False))
        return
    path = stc3_path(args.data)
    dialogues = load_stc3(args.data)
    turns = [to_turns(d.utterances) for d in dialogues]
    y = np.array([d.unresolved for d in dialogues])
    cv = _cross_validated(turns, y, lex, params)
    fig = _figures(y, cv, [label_for(float(s), signals(t, lex), lex) for t, s in zip(turns, cv, strict=True)])
    meta = {"data": "shared/data/stc3/dialogues.jsonl (NTCIR-14 STC-3 train_data_cn, CC BY 4.0)",
            "data_sha256": file_sha256(path), "rows": len(dialogues), "target": "mean annotator A < 0",
            "params": params, "cv_auc": fig["auc"], "cv_f1_unresolved": fig["f1_unresolved"],
            "lexicon_sha256": file_sha256(Path(lex.source)), "trainer": "scripts/train_resolution.py",
            "train_id_hashes": id_hashes([d.id for d in dialogues])}
    model = fit_model(turns, y.astype(int).tolist(), lex, params, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(json.dumps({"out": str(args.out), "bytes": args.out.stat().st_size, **{k: meta[k] for k in
                      ("rows", "cv_auc", "cv_f1_unresolved")}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
