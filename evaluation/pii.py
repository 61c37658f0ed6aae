"""`callintel eval pii`: how many phone, ID-card and bank-card numbers survive the production masking.

Every text under `data_dir` is masked with `speech.redact.mask_pii` (the function the night
uses) and then searched by an independent detector written here, not by the masker: a bug
in the masker's patterns must not hide itself. The detector reads digits and spoken Chinese
numerals, ignores separators, and counts mainland mobile numbers (11 digits, 1[3-9]...,
optional 86 prefix), ID-card numbers (18 characters with a valid GB 11643 check digit, or
15 digits with a valid birth date) and bank-card numbers (16-19 digits passing Luhn).

Texts: `stc3/dialogues.jsonl` (every customer and helpdesk utterance), and when present
`bq/pairs.csv` questions and `insuranceqa_zh/questions.jsonl`.

Personal data (`names`, `birth_dates`, `addresses`: left unmasked) is counted on the dialogues whose
truth knows it: `calls/dialogues.json` and the project's `samples/dialogues.json`, each turn cleaned
by the transcripts' text path (speech.text.TextCleaner, as the night does). The truth is read from
the call itself, independently of the masker: the agent's confirmation (刘先生, 何女士) names the
caller's surname, and the caller's full name is that surname plus the one or two characters after
it wherever it is said in the call (我叫刘建国，); a birth date is a date next to 出生/生日; an
address a house, building or room number. `residue` counts masks with a letter or digit glued to
them ("[手机号]E"), over every masked text.
"""

from __future__ import annotations

import csv
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

from callintel.settings import SAMPLES_DIR, Settings
from callintel.speech.personal import read_surnames
from callintel.speech.redact import RedactionRules, mask_pii
from callintel.speech.text import TextCleaner

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


_MASK = re.compile(r"\[[^\[\]]{1,6}\]")
_RESIDUE = re.compile(r"[0-9A-Za-z]\[[^\[\]]{1,6}\]|\[[^\[\]]{1,6}\][0-9A-Za-z]")
_CNY = "0-9零〇一二三四五六七八九"
_BIRTH = re.compile(rf"[{_CNY}]{{2,4}}年(?:[{_CNY}十]{{1,2}}月)?(?:[{_CNY}十]{{1,3}}[日号])?(?:的)?(?:出生|生的|生人)"
                    rf"|(?:生日|出生日期|出生年月日?)(?:是|为|：|:)?[{_CNY}十]{{1,4}}[年月]")
_ADDRESS = re.compile(rf"(?:路|街|巷|弄|道)[{_CNY}十百]+号|[{_CNY}十]+(?:号楼|单元)|[0-9]{{3,5}}(?:室|房)"
                      rf"|(?:小区|花园|大厦|公寓)[{_CNY}十]+(?:号楼|栋|座|幢)")


def residue(text: str) -> int:
    """Masks with a letter or digit glued to them: a piece of the number left beside its mask."""
    return len(_RESIDUE.findall(text))


def known_names(turns: list[dict], surnames: frozenset[str]) -> set[str]:
    """Names the call itself reveals: surnames the agent confirms (刘先生), full names said with them."""
    agent = "".join(t["text"] for t in turns if t["speaker"] == "agent")
    found = {m.group(1) for m in re.finditer(r"([\u4e00-\u9fff]{1,3}?)(?:先生|女士)", agent)
             if m.group(1)[0] in surnames and not re.search(r"[您你他她的好]", m.group(1))}
    names = set()
    for s in {n[0] for n in found}:
        for t in turns:
            for m in re.finditer(rf"(?<![这那的些点笔]){s}[\u4e00-\u9fff]{{1,2}}(?=[，,。、\s]|先生|女士|$)", t["text"]):  # noqa: E501
                names.add(m.group())
        names |= {f"{s}先生", f"{s}女士"}
    return {n for n in names | found if len(n) >= 2}


def personal_leaks(data_dir: Path, settings: Settings) -> dict:
    """Names, birth dates and addresses left unmasked in the dialogues that know theirs."""
    cleaner = TextCleaner.from_settings(settings)
    surnames = read_surnames(str(settings.config_file(settings["speech"]["redact"]["surnames_file"])))
    out = {"dialogue_turns": 0, "names_known": 0, "names": 0, "birth_dates_known": 0, "birth_dates": 0,
           "addresses_known": 0, "addresses": 0, "residue": 0}
    examples: list[str] = []
    for path in (Path(data_dir) / "calls" / "dialogues.json", SAMPLES_DIR / "dialogues.json"):
        if not path.exists():
            continue
        for call in json.loads(path.read_text(encoding="utf-8"))["calls"]:
            names = known_names(call["turns"], surnames)
            for turn in call["turns"]:
                raw = turn["text"]
                masked = cleaner.clean(raw)
                out["dialogue_turns"] += 1
                out["residue"] += residue(masked)
                for kind, pattern in (("birth_dates", _BIRTH), ("addresses", _ADDRESS)):
                    out[f"{kind}_known"] += len(pattern.findall(raw))
                    left = pattern.findall(masked)
                    out[kind] += len(left)
                    if left and len(examples) < 8:
                        examples.append(f"{kind}: {masked[:60]}")
                for name in names:
                    out["names_known"] += raw.count(name)
                    n = masked.count(name)
                    out["names"] += n
                    if n and len(examples) < 8:
                        examples.append(f"name {name}: {masked[:60]}")
    out["examples"] = examples
    return out


def run(data_dir: Path, settings: Settings) -> dict:
    """Keys: texts, unmasked (numbers left after masking), names, birth_dates, addresses, residue, and detail."""
    rules = RedactionRules.from_settings(settings["speech"])
    t0 = time.perf_counter()
    texts = unmasked = before = glued = 0
    by_source: dict[str, dict[str, int]] = {}
    examples: list[str] = []
    for source, text in iter_texts(Path(data_dir)):
        texts += 1
        masked = mask_pii(text, rules)
        glued += residue(masked)
        left = leaked_numbers(masked)
        n_before = len(leaked_numbers(text))
        before += n_before
        unmasked += len(left)
        counts = by_source.setdefault(source, {"texts": 0, "found_before": 0, "unmasked": 0})
        counts["texts"] += 1
        counts["found_before"] += n_before
        counts["unmasked"] += len(left)
        if left and len(examples) < 5:
            examples.append(f"{left[0][0]}: {left[0][1][:3]}…")
    personal = personal_leaks(Path(data_dir), settings)
    return {"texts": texts, "unmasked": unmasked, "names": personal["names"],
            "birth_dates": personal["birth_dates"],
            "addresses": personal["addresses"], "residue": glued + personal["residue"], "found_before": before,
            "by_source": by_source, "personal": personal, "examples": examples,
            "seconds": round(time.perf_counter() - t0, 2)}
