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
text reveals it: `calls/dialogues.json`, `calls_health/dialogues.json` (or `dialogues.json` in the
folder itself) and the project's `samples/dialogues.json`, each turn cleaned by the transcripts' text
path (speech.text.TextCleaner, as the night does). The names are read from the call itself,
independently of the masker: the agent's confirmation (刘先生, 何女士) names the caller's surname, and
the caller's full name is that surname plus the one or two characters after it wherever it is said
in the call (我叫刘建国，); a name whose characters the next clauses explain one by one (雷振江，打雷的
雷，振作的振…) is one too, and so is the word after 叫 when 先生/女士 with its surname is said in the
call. A birth date is a date next to 出生/生日; an address a house, building or room number.
`residue` counts masks with a letter or digit glued to them ("[手机号]E"), over every masked text.

`numbers_left` counts, in every masked text, what identifies a person or a contract and no checksum
names: a run of 7+ letters and digits holding 3+ digits (claim, policy, VIN, credit code), digits read
one by one with separators (5-6-7-1), and plates; `forms` masks generated sentences holding each such
form (and the phone/ID/bank numbers, digit by digit or grouped) and counts those left.
`over_masking` is the share of STC-3 texts (telecom and phone-maker helpdesks on Weibo) in which the masker
puts a name mask, each dialogue masked as a call: every one counts as wrong, so it is an upper bound.
`over_masking_rules` is the same for the cue and position rules alone: no customer there gives a name, so
nearly all of theirs are wrong. The learned tagger's masks there are mostly real people the posts talk about
(罗永浩, 朱萧木, 贾跃亭: `stc3_names.tagged` lists the names it masked, with how often).
"""

from __future__ import annotations

import csv
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

from callintel.evaluation import data_files
from callintel.evaluation.calls_truth import checked_calls
from callintel.evaluation.data_files import json_lines
from callintel.settings import SAMPLES_DIR, Settings
from callintel.speech.personal import read_surnames
from callintel.speech.redact import RedactionRules, mask_call, mask_names, mask_pii
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


def stc3_dialogues(data_dir: Path, problems: list[str] | None = None) -> Iterator[list[str]]:
    """Every STC-3 dialogue of the data folder (or its parent) as its utterances, in order (a line or an utterance
    that cannot be read is skipped and said in `problems`)."""
    data_dir = Path(data_dir)
    problems = [] if problems is None else problems
    for root in (data_dir, data_dir.parent):
        stc3 = root / "stc3" / "dialogues.jsonl" if (root / "stc3").is_dir() else root / "dialogues.jsonl"
        if stc3.exists():
            for d in json_lines(stc3, problems):
                turns = d.get("turns") if isinstance(d.get("turns"), list) else []
                yield [u for turn in turns if isinstance(turn, dict)
                       for u in data_files.texts(turn.get("utterances"), keep_blank=True)]
            return


def iter_texts(data_dir: Path, problems: list[str] | None = None) -> Iterator[tuple[str, str]]:
    """(source, text) for every text the data folder holds."""
    data_dir = Path(data_dir)
    problems = [] if problems is None else problems
    roots = [data_dir, data_dir.parent]
    for utterances in stc3_dialogues(data_dir, problems):
        for u in utterances:
            yield "stc3", u
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
            for obj in json_lines(iqa, problems):
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
    """Names the call itself reveals: surnames the agent confirms (刘先生), full names said with them,
    and names whose characters the call spells out."""
    agent = "".join(t["text"] for t in turns if t["speaker"] == "agent")
    found = {m.group(1) for m in re.finditer(r"([\u4e00-\u9fff]{1,3}?)(?:先生|女士|阿姨)", agent)
             if m.group(1)[0] in surnames and not re.search(r"[您你他她的好]", m.group(1))}
    names = set()
    for s in {n[0] for n in found}:
        for t in turns:
            for m in re.finditer(rf"(?<![这那的些点笔]){s}[^\W\d了的是吗呢吧啊呀也都就还]{{1,2}}(?=[，,。、？\s]|先生|女士|$)", t["text"]):  # noqa: E501
                names.add(m.group())
            for m in re.finditer(rf"叫({s}[\u4e00-\u9fff]{{1,2}})(?=[，,。、？\s]|$)", t["text"]):
                names.add(m.group(1))
        names |= {f"{s}先生", f"{s}女士"}
    for t in turns:
        names |= spelled_out(t["text"], surnames)
    return {n for n in names | found if len(n) >= 2}


def tagged_names(text: str, surnames: frozenset[str]) -> list[str]:
    """Full names left in a masked text as the tagger alone sees them, wherever they stand: a word jieba tags a
    person (nr) of a listed surname and two given characters that is no common word. An upper bound read beside
    `names`: it catches names no confirmation reveals (a relative the agent names, a doctor) and also takes some
    place and organisation names for persons, so its examples are printed for a person to read."""
    from callintel.general_words import frequency, pos_tagger

    out = []
    freq = frequency()
    for pair in pos_tagger().cut(text):
        w = pair.word
        if pair.flag == "nr" and len(w) == 3 and w[0] in surnames and not freq.get(w) and not freq.get(w[1:]):
            out.append(w)
    return out


def spelled_out(text: str, surnames: frozenset[str]) -> set[str]:
    """Names of 2-3 characters whose every given character a following clause explains (振作的振)."""
    clauses = re.split(r"[，,。、；;\s]+", text)
    out = set()
    for k, clause in enumerate(clauses[:-1]):
        for n in (3, 2):
            word = clause[-n:]
            if len(word) != n or word[0] not in surnames:
                continue
            explained = set()
            for c in clauses[k + 1:k + 1 + n]:
                if len(c) <= 14 and (m := re.fullmatch(r"(.)是.+|.+(?:的|那个|一个)(.)", c)):
                    explained.add(m.group(1) or m.group(2))
            if all(ch in explained for ch in word[1:]):
                out.add(word)
                break
    return out


_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{7,}")
_SPELLED = re.compile(r"(?<![0-9A-Za-z.])[0-9](?:[\s\-,，、][0-9]){3,}(?![0-9A-Za-z])")
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Za-z][·\s]?[A-Za-z0-9]*[0-9]")


def numbers_left(text: str) -> list[str]:
    """Codes, digit-by-digit numbers and plates left in a masked text (an amount of digits only with its unit
    after it is not counted)."""
    left = []
    for m in _CODE.finditer(text):
        run = m.group()
        amount = run.isdigit() and re.match(r"[元块万亿千百岁%]", text[m.end():])
        if sum(c.isdigit() for c in run) >= 3 and not amount:
            left.append(run)
    left += [m.group() for m in _SPELLED.finditer(text)]
    left += [m.group() for m in _PLATE.finditer(text)]
    return left


def number_forms(n: int = 40, seed: int = 0) -> list[tuple[str, str]]:
    """(form, sentence): every way a number is said that the masker must catch, with random digits."""
    rng = random.Random(seed)
    alnum = "ABCDEFGHJKLMNPRSTUVWXY0123456789"

    def digits(k: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(k))

    def luhn_card() -> str:
        body = "62" + digits(14)
        total = sum(d if i % 2 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(map(int, reversed(body))))
        return body + str((10 - total % 10) % 10)

    forms = []
    for _ in range(n):
        phone = "1" + rng.choice("3456789") + digits(9)
        tail = digits(4)
        forms += [
            ("phone_grouped", f"我手机是{phone[:3]} {phone[3:7]} {phone[7:]}，你记一下"),
            ("phone_spelled", "新号" + " ".join(phone) + "，就是这个"),
            ("tail_spelled", f"卡号后四位是{'-'.join(tail)}，对"),
            ("bank_grouped", "卡号" + " ".join(luhn_card()[i:i + 4] for i in range(0, 19, 4)).strip()),
            ("id_partial16", f"身份证前面是{rng.choice(['11', '32', '44'])}{digits(14)}，后两位忘了"),
            ("claim", f"报案号R{rng.choice(['2025', '2026'])}{digits(9)}，麻烦查一下"),
            ("policy", f"保单号是P{digits(10)}"),
            ("vin", "车架号" + "".join(rng.choice(alnum) for _ in range(17))),
            ("credit_code", "统一社会信用代码91" + digits(6) + "".join(rng.choice(alnum) for _ in range(10))),
            ("plate_partial", f"车牌是{rng.choice('浙粤苏鄂京川')}{rng.choice('ABCDE')}·{rng.choice(alnum)}{digits(1)}"
                              "后面记不清了"),
        ]
    return forms


def dialogue_files(data_dir: Path) -> list[Path]:
    """The dialogue sets eval pii reads: calls, calls_health (or the folder itself), the project's samples."""
    data_dir = Path(data_dir)
    paths = [data_dir / "calls" / "dialogues.json", data_dir / "calls_health" / "dialogues.json",
             data_dir / "dialogues.json", SAMPLES_DIR / "dialogues.json"]
    return [p for p in paths if p.exists()]


def personal_leaks(data_dir: Path, settings: Settings, problems: list[str] | None = None) -> dict:
    """Names, birth dates and addresses left unmasked in the dialogues that reveal theirs, per set too (calls read
    as eval calls reads them: evaluation/calls_truth.py)."""
    from callintel.evaluation.calls import load_dialogues

    problems = [] if problems is None else problems
    cleaner = TextCleaner.from_settings(settings)
    surnames = read_surnames(str(settings.config_file(settings["speech"]["redact"]["surnames_file"])))
    keys = ("dialogue_turns", "names_known", "names", "names_tagged", "birth_dates_known", "birth_dates",
            "addresses_known", "addresses", "residue", "numbers_left")
    out: dict = dict.fromkeys(keys, 0)
    by_set: dict[str, dict[str, int]] = {}
    examples: list[str] = []
    for path in dialogue_files(data_dir):
        counts = by_set.setdefault(path.parent.name, dict.fromkeys(keys, 0))
        calls, said = checked_calls(load_dialogues(path), settings)
        problems.extend(said)
        for call in calls:
            names = known_names(call["turns"], surnames)
            found: set[str] = set()  # as the night: a name masked in one turn is masked in all (mask_names)
            cleaned = mask_call([cleaner.clean(turn["text"], found) for turn in call["turns"]], found, cleaner.redact)
            for turn, masked in zip(call["turns"], cleaned, strict=True):
                raw = turn["text"]
                seen = {"dialogue_turns": 1, "residue": residue(masked), "numbers_left": len(numbers_left(masked))}
                if seen["numbers_left"] and len(examples) < 12:
                    examples.append(f"number {numbers_left(masked)[0][:3]}…: {masked[:50]}")
                for kind, pattern in (("birth_dates", _BIRTH), ("addresses", _ADDRESS)):
                    seen[f"{kind}_known"] = len(pattern.findall(raw))
                    left = pattern.findall(masked)
                    seen[kind] = len(left)
                    if left and len(examples) < 12:
                        examples.append(f"{kind}: {masked[:60]}")
                tagged = tagged_names(masked, surnames)
                seen["names_tagged"] = len(tagged)
                if tagged and len(examples) < 12:
                    examples.append(f"tagged name {tagged[0]}: {masked[:60]}")
                seen["names_known"] = sum(raw.count(name) for name in names)
                seen["names"] = 0
                for name in names:
                    n = masked.count(name)
                    seen["names"] += n
                    if n and len(examples) < 12:
                        examples.append(f"name {name}: {masked[:60]}")
                for key, value in seen.items():
                    out[key] += value
                    counts[key] += value
    out["by_set"] = by_set
    out["examples"] = examples
    return out


def over_masking(data_dir: Path, rules: RedactionRules) -> dict:
    """STC-3 texts that get a name mask (no caller gives a name there: each counts as wrong), each dialogue
    masked as the night masks a call (its names masked in every turn, the tagger's too)."""
    token = rules.personal.tokens["name"] if rules.personal else "[姓名]"
    texts = masked = by_rules = 0
    examples = []
    tagged: dict[str, int] = {}
    for utterances in stc3_dialogues(Path(data_dir)):
        found: set[str] = set()
        outs = [mask_pii(text, rules, found) for text in utterances]
        names = set(found)
        finals = mask_call(outs, names, rules)   # adds the names the tagger reads (one pass of it per dialogue)
        by_tagger = names - found
        for text, out, final in zip(utterances, outs, finals, strict=True):
            texts += 1
            by_rules += mask_names(out, found, rules).count(token) > text.count(token)
            for name in by_tagger:
                tagged[name] = tagged.get(name, 0) + out.count(name)
            out = final
            if token in out and token not in text:
                masked += 1
                if len(examples) < 10:
                    examples.append(out[:50])
    return {"texts": texts, "name_masked": masked, "share": round(masked / texts, 4) if texts else None,
            "by_rules": by_rules, "share_by_rules": round(by_rules / texts, 4) if texts else None,
            "tagged": sorted(tagged.items(), key=lambda kv: -kv[1])[:40], "examples": examples}


def run(data_dir: Path, settings: Settings) -> dict:
    """Keys: texts, unmasked (numbers left after masking), names, birth_dates, addresses, residue, numbers_left,
    forms_left, over_masking, and detail."""
    rules = RedactionRules.from_settings(settings)
    t0 = time.perf_counter()
    texts = unmasked = before = glued = codes = 0
    by_source: dict[str, dict[str, int]] = {}
    examples: list[str] = []
    problems: list[str] = []
    for source, text in iter_texts(Path(data_dir), problems):
        texts += 1
        masked = mask_pii(text, rules)
        glued += residue(masked)
        left = leaked_numbers(masked)
        n_before = len(leaked_numbers(text))
        before += n_before
        unmasked += len(left)
        codes += len(numbers_left(masked))
        counts = by_source.setdefault(source, {"texts": 0, "found_before": 0, "unmasked": 0})
        counts["texts"] += 1
        counts["found_before"] += n_before
        counts["unmasked"] += len(left)
        if left and len(examples) < 5:
            examples.append(f"{left[0][0]}: {left[0][1][:3]}…")
    forms_left: dict[str, int] = {}
    for form, sentence in number_forms():
        masked = mask_pii(sentence, rules)
        forms_left[form] = forms_left.get(form, 0) + int(bool(numbers_left(masked) or leaked_numbers(masked)))
    personal = personal_leaks(Path(data_dir), settings, problems)
    over = over_masking(Path(data_dir), rules)
    return {"texts": texts, "unmasked": unmasked, "names": personal["names"], "names_known": personal["names_known"],
            "names_tagged": personal["names_tagged"],
            "birth_dates": personal["birth_dates"],
            "addresses": personal["addresses"], "residue": glued + personal["residue"],
            "numbers_left": codes + personal["numbers_left"], "forms_left": sum(forms_left.values()),
            "over_masking": over["share"], "over_masking_rules": over["share_by_rules"], "found_before": before,
            "by_source": by_source, "forms": forms_left, "personal": personal, "stc3_names": over,
            "examples": examples, "data_problems": data_files.summary(problems),
            "seconds": round(time.perf_counter() - t0, 2)}
