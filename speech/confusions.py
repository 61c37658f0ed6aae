"""Which syllables a recogniser hears as which other ones, learned from transcripts with their truth.

The term repair (speech/terms.py) takes a long term back from a span one syllable off when that syllable is
near the term's (speech/term_fit.py `Confusions`). The hand pairs there describe Mandarin in general (zh/z,
-ing/-in); a recogniser on one channel and one set of voices also has confusions of its own, and they repeat:
Whisper base on the project's voiced calls writes 人 as 严 or 员 (ren -> yan, yuan), 审 as 选 (shen -> xuan),
险 as 写 (xian -> xie), on every set voiced so. Aligning transcripts with what was said counts them:
`count` pairs the characters of equal-length replaced runs (a substitution, not an insertion) and counts each
said syllable and what it came back as. A pair becomes a near syllable when it was heard so at least
`min_count` times and in at least `min_rate` of the times the syllable was said ([speech.terms]
confusions_min_count, confusions_min_rate). Only the near-syllable path reads it, so every such candidate
still needs the word model's consent (term_fit.WordModel.prefers).

The shipped table (configs/models/syllable_confusions.json) is learned from the project's own sample calls
(scripts/train_syllable_confusions.py): never the development sets it is measured on. An installation
retrains it from its own transcripts and their corrected text.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from callintel import model_json
from callintel.pinyin import syllables

KIND = "syllable_confusions"
REMEDY = "train it with scripts/train_syllable_confusions.py or set [speech.terms] confusions_model = \"\""
_HAN = re.compile(r"[\u3400-\u9fff]")
MAX_RUN = 4  # replaced runs longer than this are misaligned speech, not one word misheard


def count(pairs: Iterable[tuple[str, str]]) -> tuple[Counter, Counter]:
    """(times each syllable was said, times each (said, heard) pair was heard) over (truth, transcript) texts,
    both characters only (evaluation.samples.scoring_text)."""
    said: Counter = Counter()
    heard: Counter = Counter()
    for truth, transcript in pairs:
        want, got = syllables(truth), syllables(transcript)
        matcher = difflib.SequenceMatcher(None, truth, transcript, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            said.update(want[k] for k in range(i1, i2) if _HAN.match(truth[k]))
            if tag == "replace" and i2 - i1 == j2 - j1 <= MAX_RUN:  # Han characters only: APP's a is not 啊's
                heard.update((want[i1 + k], got[j1 + k]) for k in range(i2 - i1)
                             if want[i1 + k] != got[j1 + k] and _HAN.match(truth[i1 + k])
                             and _HAN.match(transcript[j1 + k]))
    return said, heard


def model_file(said: Counter, heard: Counter, min_count: int, meta: dict) -> model_json.ModelFile:
    """The table as a model file: weights "said heard" -> share of `said` heard so (pairs seen `min_count`
    times or more), and both counts, so a setting can ask for more evidence without retraining."""
    kept = sorted((p for p, n in heard.items() if n >= min_count), key=lambda p: (-heard[p], p))
    return model_json.ModelFile(
        KIND, {f"{a} {b}": round(heard[(a, b)] / said[a], 4) for a, b in kept},
        meta | {"syllables_said": sum(said.values()), "confusions": sum(heard.values()), "min_count": min_count},
        {"counts": {f"{a} {b}": [heard[(a, b)], said[a]] for a, b in kept}})


def load(path: Path, min_count: int, min_rate: float) -> frozenset[tuple[str, str]]:
    """The (said, heard) pairs of the table at `path` heard at least `min_count` times and `min_rate` of the
    times said."""
    model = model_json.read(path, KIND, REMEDY)
    out = set()
    for key, (n, said) in model.body.get("counts", {}).items():
        a, b = key.split()
        if n >= min_count and n >= min_rate * said:
            out.add((a, b))
    return frozenset(out)
