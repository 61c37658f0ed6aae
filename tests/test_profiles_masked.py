"""The profile readers read the warehouse's text, where names and numbers are masked ([姓名], [手机号], [尾号]): on
every customer turn of the call sets that the masker changes, they read the same facts as from the words as said.

Why: readers are written and unit-tested on plain sentences (我姓吴，苏州的), and a pattern that expects the name's
characters (姓[\\u4e00-\\u9fff]) passes those tests and reads nothing in production."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from callintel.evaluation.calls import dialogues_file, load_dialogues
from callintel.nlp.profiles import extract, lexicon_from_settings
from callintel.settings import load_settings
from callintel.speech.text import TextCleaner

BENCH = Path(__file__).resolve().parent.parent / "bench"
MASK = re.compile(r"\[[^\[\]]{1,8}\]")
# what a mask could hide from a reader; an age from an ID card or a birth date is read before masking (stated_age)
FIELDS = ("city", "occupation", "marital_status", "children", "gender", "income_band", "preferred_contact_time",
          "existing_policies")


def _sets(shared: Path) -> list[Path]:
    """The two development sets and every probe set of the project's (a check of the readers, nothing fitted)."""
    return [shared / "calls", shared / "calls_health", *sorted(p.parent for p in BENCH.glob("calls_*/dialogues.json"))]


@pytest.mark.slow   # every customer turn of ten sets, read twice: 25 s
def test_a_mask_changes_no_fact(shared_data):
    settings = load_settings()
    cleaner, lex, on = TextCleaner.from_settings(settings), lexicon_from_settings(settings), date(2026, 12, 1)

    def read(text: str) -> set[tuple[str, str]]:
        return {(f.field, f.value) for f in extract([("customer", text)], lex, on) if f.field in FIELDS}

    checked, differ = 0, []
    for folder in _sets(shared_data):
        for call in load_dialogues(dialogues_file(folder)):
            for turn in call["turns"]:
                said = turn["text"]
                masked = cleaner.clean_with_age(said, on)[0]
                if turn["speaker"] != "customer" or len(MASK.findall(masked)) <= len(MASK.findall(said)):
                    continue
                checked += 1
                if read(said) != read(masked):
                    differ.append((call["call_id"], sorted(read(said) ^ read(masked)), masked[:60]))
    if not checked:
        pytest.skip("no customer turn the masker changes in the call sets")
    assert differ == [], differ
