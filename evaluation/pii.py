"""`callintel eval pii`: how many phone, ID-card and bank-card numbers survive the production masking.

Every text under `data_dir` is masked with `speech.redact.mask_pii` (the function the night
uses) and then searched by an independent detector written here, not by the masker: a bug
in the masker's patterns must not hide itself. The detector reads digits and spoken Chinese
numerals, ignores separators, and counts mainland mobile numbers (11 digits, 1[3-9]...,
optional 86 prefix), ID-card numbers (18 characters with a valid GB 11643 check digit, or
15 digits with a valid birth date) and bank-card numbers (16-19 digits passing Luhn).

Texts: `stc3/dialogues.jsonl` (every customer and helpdesk utterance), and when present
`bq/pairs.csv` questions and `insuranceqa_zh/questions.jsonl`.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

from callintel.settings import Settings
from callintel.speech.redact import RedactionRules, mask_pii

_SPOKEN = str.maketrans("零〇洞幺腰一二两三四五六七八九０１２３４５６７８９ＸｘX",
                        "0001112234567890123456789xxx")
_CH = "0-9零〇洞幺腰一二两三四五六七八九０-９XxＸｘ"
_NUMBER = re.compile(rf"[{_CH}](?:[\s\-.,，、/]{{0,2}}[{_CH}])*")
_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id18(s: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dx]", s):
        return False
    check = "10x98765432"[sum(int(a) * b for a, b in zip(s[:17], _W, strict=True)) % 11]
    birth = r"\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dx]"
    return check == s[17] and re.fullmatch(birth, s) is not None


def _id15(s: str) -> bool:
    return re.fullmatch(r"\d{6}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}", s) is not None


def _luhn(s: str) -> bool:
    digits = [int(c) for c in reversed(s)]
    return sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits)) % 10 == 0


def leaked_numbers(text: str) -> list[tuple[str, str]]:
    """(kind, digits) of every PII number in `text`, found independently of the masker.

    Each digit sequence (separators dropped, spoken numerals read as digits) is scanned for
    every window of 11, 13 and 15-19 characters that starts and ends where the text's digit
    groups do, so two numbers separated by a space are both found, and a date-time or an IP
    address is not read as a phone number.
    """
    found = []
    for m in _NUMBER.finditer(text):
        raw = m.group()
        groups = [re.sub(r"[^0-9x]", "", g.translate(_SPOKEN).lower()) for g in re.split(r"[\s\-.,，、/]+", raw)]
        s = "".join(groups)
        edges = {0}
        for g in groups:
            edges.add(max(edges) + len(g))
        spoken = sum(ch in "零〇洞幺腰一二两三四五六七八九" for ch in raw)
        if spoken and len(s) < 7:
            continue
        hits = set()
        for i in range(len(s)):
            for n in (11, 13, 15, 16, 17, 18, 19):
                w = s[i:i + n]
                if len(w) != n:
                    continue
                # a number starts and ends where the text's digit groups do (or at an x)
                boundary = i in edges and (i + n) in edges
                if not boundary:
                    continue
                if (n == 11 and re.fullmatch(r"1[3-9]\d{9}", w)) or (n == 13 and re.fullmatch(r"861[3-9]\d{9}", w)):
                    hits.add(("phone", w))
                elif (n == 18 and _id18(w)) or (n == 15 and boundary and _id15(w)):
                    hits.add(("id_card", w))
                elif 16 <= n <= 19 and w.isdigit() and _luhn(w):
                    hits.add(("bank_card", w))
        found += sorted(hits)
    return found


def iter_texts(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(source, text) for every text the data folder holds."""
    data_dir = Path(data_dir)
    roots = [data_dir, data_dir.parent]
    for root in roots:
        stc3 = root / "stc3" / "dialogues.jsonl" if (root / "stc3").is_dir() else root / "dialogues.jsonl"
        if stc3.exists():
            with stc3.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        for turn in json.loads(line).get("turns", []):
                            for u in turn.get("utterances", []):
                                yield "stc3", u
            break
    for root in roots:
        bq = root / "bq" / "pairs.csv"
        if root == data_dir and bq.exists():
            with bq.open(encoding="utf-8-sig") as fh:
                for row in csv.DictReader(fh):
                    for key in ("question1", "question2", "sentence1", "sentence2", "q1", "q2"):
                        if row.get(key):
                            yield "bq", row[key]
        iqa = root / "insuranceqa_zh" / "questions.jsonl"
        if root == data_dir and iqa.exists():
            with iqa.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        obj = json.loads(line)
                        for key in ("question", "text", "zh"):
                            if isinstance(obj.get(key), str):
                                yield "insuranceqa_zh", obj[key]


def run(data_dir: Path, settings: Settings) -> dict:
    """Keys: texts, unmasked (numbers left after masking), plus found_before and per-source counts."""
    rules = RedactionRules.from_settings(settings["speech"])
    t0 = time.perf_counter()
    texts = unmasked = before = 0
    by_source: dict[str, dict[str, int]] = {}
    examples: list[str] = []
    for source, text in iter_texts(Path(data_dir)):
        texts += 1
        left = leaked_numbers(mask_pii(text, rules))
        n_before = len(leaked_numbers(text))
        before += n_before
        unmasked += len(left)
        counts = by_source.setdefault(source, {"texts": 0, "found_before": 0, "unmasked": 0})
        counts["texts"] += 1
        counts["found_before"] += n_before
        counts["unmasked"] += len(left)
        if left and len(examples) < 5:
            examples.append(f"{left[0][0]}: {left[0][1][:3]}…")
    return {"texts": texts, "unmasked": unmasked, "found_before": before, "by_source": by_source,
            "examples": examples, "seconds": round(time.perf_counter() - t0, 2)}
