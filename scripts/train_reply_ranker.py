"""Learn the phone-call reply ranker (configs/models/reply_ranker.json) on the read call sets' truth.

    .venv/bin/python scripts/train_reply_ranker.py [--data ../shared/data] [--out configs/models/reply_ranker.json]

Sets: `calls` (福泰人寿) and `calls_health` (安平健康保险) under --data, and the project's read sets of
[training] read_sets (bench/calls_motor, calls_pc, calls_online, calls_group), each call's `best_agent_reply`. A
call's turns go through the one text path (normalised, masked) exactly as a night lands them, so the ranker learns
on what it will read. Printed and recorded: each set measured with the ranker trained on all the others (left out),
the two development sets each trained on alone and measured on the other (both directions), and the bundled samples
measured with the shipped model, which is trained on every set (each weighing the same). The regularisation C of
each fit is chosen by cross-validation within its own training calls ([replies] ranker_c_grid, ranker_cv_folds).
The fit is deterministic (lbfgs, fixed order).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from cross_set import both_ways, parser, project_read_sets, read_sets  # noqa: E402

from callintel.evaluation.calls import dialogues_file, load_dialogues  # noqa: E402
from callintel.files import file_sha256  # noqa: E402
from callintel.nlp import reply_ranker  # noqa: E402
from callintel.nlp.outcomes import Turn, lexicon_from_settings  # noqa: E402
from callintel.nlp.replies import call_cues_from_settings  # noqa: E402
from callintel.settings import CONFIG_DIR, load_settings  # noqa: E402
from callintel.speech.text import TextCleaner  # noqa: E402


def truth_calls(path: Path, cleaner: TextCleaner) -> list[tuple[list[Turn], int]]:
    """(turns as the replies step reads them, index of the truth reply among them) per call with a truth."""
    out = []
    for call in load_dialogues(path):
        truth = (call["truth"].get("best_agent_reply") or {}).get("turn")
        kept, turns = [], []
        for i, t in enumerate(call["turns"]):
            text = cleaner.clean(str(t.get("text") or ""))
            if text:  # empty turns are not landed (speech.text.transcript_from_turns)
                kept.append(i)
                turns.append(Turn(t["speaker"], text))
        if truth is not None and truth in kept:
            out.append((turns, kept.index(truth)))
    return out


def main() -> None:
    ap = parser(__doc__)
    ap.add_argument("--out", type=Path, help="default: the file [replies] ranker names")
    args = ap.parse_args()
    settings = load_settings()
    out = args.out or reply_ranker.RankerModel.path(settings) or CONFIG_DIR / "models" / "reply_ranker.json"
    lex, cues = lexicon_from_settings(settings), call_cues_from_settings(settings)
    cleaner = TextCleaner.from_settings(settings)
    paths = read_sets(args.data, dialogues_file) | {
        name: dialogues_file(folder) for name, folder in project_read_sets(settings).items()}
    sets = {name: truth_calls(p, cleaner) for name, p in paths.items()}
    grid, folds = settings["replies"]["ranker_c_grid"], settings["replies"]["ranker_cv_folds"]

    def one_way(train: list, test: list) -> tuple[float, float]:
        """C chosen within `train`, and the top-1 on `test` of the ranker fitted on `train` with it."""
        c = reply_ranker.choose_c(train, lex, cues, grid, folds)
        return c, reply_ranker.top1(test, lex, cues, reply_ranker.fit(train, lex, cues, c))

    def grouped(names: list[str]) -> tuple[list, list[str]]:
        """The calls of `names` and the set of each (every set weighs the same in the fit)."""
        return [c for n in names for c in sets[n]], [n for n in names for _ in sets[n]]

    def left_out(name: str) -> float:
        """`name`'s top-1 with the ranker trained on every other set (C chosen within those)."""
        calls, groups = grouped([n for n in sets if n != name])
        model = reply_ranker.fit(calls, lex, cues, reply_ranker.choose_c(calls, lex, cues, grid, folds, groups),
                                 groups=groups)
        return reply_ranker.top1(sets[name], lex, cues, model)

    ways = both_ways(sets, one_way, "{train}->{test}")
    cross = {way: top for way, (_, top) in ways.items()}
    chosen = {way.split("->")[0]: c for way, (c, _) in ways.items()}
    both, groups = grouped(list(sets))
    C = reply_ranker.choose_c(both, lex, cues, grid, folds, groups)
    meta = {"trained_on": {name: {"file": _shown(p, args.data), "sha256": file_sha256(p), "calls": len(sets[name])}
                           for name, p in paths.items()},
            "C": C, "C_chosen_by": f"{folds}-fold cross-validation by call within the training set, grid {grid}",
            "top1_left_out": {name: left_out(name) for name in sets},
            "C_trained_on_one": chosen, "top1_trained_on_one_measured_on_other": cross}
    model = reply_ranker.fit(both, lex, cues, C, groups=groups)
    meta["top1_in_sample"] = {name: reply_ranker.top1(sets[name], lex, cues, model) for name in sets}
    samples = ROOT / "samples" / "dialogues.json"
    if samples.exists():
        meta["top1_samples_held_out"] = reply_ranker.top1(truth_calls(samples, cleaner), lex, cues, model)
    model = reply_ranker.RankerModel(model.weights, meta)
    out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(json.dumps(meta, ensure_ascii=False))


def _shown(path: Path, data: Path) -> str:
    """A training file as the meta names it: under ../shared as data/..., else relative to the project."""
    for base in (data.parent, ROOT):
        if path.resolve().is_relative_to(base.resolve()):
            return str(path.resolve().relative_to(base.resolve()))
    return str(path)


if __name__ == "__main__":
    main()
