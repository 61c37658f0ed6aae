"""How the text rules read wordings no development call uses: sentences written for the purpose (bench/wordings.toml).

    .venv/bin/python bench/bench_wordings.py                 # every area
    .venv/bin/python bench/bench_wordings.py --areas names   # profiles, questions, names, topics
    .venv/bin/python bench/bench_wordings.py --wordings F    # another file of the same layout
    .venv/bin/python bench/bench_wordings.py --areas pii --wordings bench/wordings_unread.toml
    .venv/bin/python bench/bench_wordings.py --areas profiles questions --wordings bench/wordings_unread2.toml
    .venv/bin/python bench/bench_wordings.py --counts --wordings bench/wordings_unread3.toml   # figures only
    .venv/bin/python bench/bench_wordings.py --counts --areas profiles --wordings bench/wordings_unread4.toml

Why: the development sets' figures say little about callers who put things another way (issue 20); these
sentences were written here, from how Mandarin callers say a fact, a request, a name or a matter, and were read by
no rule before it was measured on them. Each area prints how many it reads right and the ones it misses, so a
change to a rule can be checked against wording it was not written for. Measured 2026-12-05 on main 2aefb20
(in brackets: on 890d2e9, before the rules this session added for them, the profiles read without the text path):
profiles 67 of 78 (58), questions 29 of 30 requests with 2 of 18 statements taken (25 of 30, 2), names 42 of 44
masked (39), topics 36 of 52 matched to their topic by the taxonomy alone, without their call (31). Misses left in
on purpose: a bare birth year answering the agent (七九年的), children counted from two child nouns (儿子…女儿:
tried, precision 0.7 on both development sets), 我是夏天 (a weak cue before an everyday word), short questions with
no key phrase (a follow-up in a real call takes its call's topic).
bench/wordings_unread.toml holds 90 more profile sentences, 19 of them stating nothing about the caller (value ""),
written by someone told not to open the rules: 64 of 90 read right on 3512edd, 77 after the rules of the next commit
(a sex, income or children said of someone else no longer read as the caller's; a call made is no time to call; a
clause pointing back to a time said before it (那时候打); pregnancy; a former spouse; regional words for a child).
The same file's [[pii]] lines (100: names, ID, card and phone numbers, birth dates, addresses, and 16 that hold none)
were read right 93 of 100 on 3512edd and 99 after the masking of the next commits (a number read in groups, a
village and group number, work-unit housing, a name spelled after it, a birth date after 填的是); left: 常青大夫 (a
name that is a word, before a title); eval pii's over-masking on STC-3 unchanged (0.036, rules 0.0021).
Its [questions] (60 asked, 40 not) and [topics] (6 self-contained questions for each of the 13 topics): requests
52 -> 57 of 60 and statements taken 8 -> 4 of 40 after the next commit (a reported question, thanks, 怎么办 after the
caller's negation, 么子, 请你/请把); topics 66 -> 71 of 78 with the taxonomy's everyday synonyms 审完, 批下来, 存折,
写错, 更正, 保单+贷, 能贷 (the old file's topics 36 -> 38 of 52). 挂+电话 for 挂我电话 was tried and left out: it
fires on 挂号 and a phone number, and moved a health-service call (health call ARI 0.513 -> 0.492).
Left: 丁克 is masked as a name (jieba tags it nr), a masked name before 他老婆, 单着, an annual income said without
挣, 阿拉上海人 (a dialect first person).
bench/wordings_unread3.toml (2026-12-06, unread but for two pii lines): profiles 74 of 100, requests 59 of 70 with 8
of 50 statements taken, pii 67 -> 69 of 72 (none left unmasked after that day's masking of a name after a role with a
pause, and a birthday said in two calendars). Its profile misses were shown again in session 34 (2026-12-06): it
counts as read from then: the classes among them mended (a year's earnings, a vehicle driven, a call made), profiles
75 -> 79 of 100; bench/wordings_unread4.toml is the probe measured by counts only.
Figures go to stdout, one JSON object per line; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
ON = date(2026, 12, 1)

WORDINGS = ROOT / "bench" / "wordings.toml"   # the sentences, by area (--wordings: another file of its layout)
GREETING = "您好，请问有什么可以帮您？"             # the agent's line before a caller's that has none of its own


def _read_right(want: str, got: list[str]) -> bool:
    """A value read as written (either contains the other: 老师 ~ 中学老师); an empty `want` is a sentence that
    states nothing of the field about the caller, right when nothing is read."""
    return not got if not want else any(want in g or g in want for g in got)


def profiles(settings, probe: dict) -> dict:
    """Each caller's line after the agent's through the text path a night runs (transcript_from_turns: normalised,
    masked, the stated age kept), then read."""
    from callintel.nlp.profiles import extract, lexicon_from_settings
    from callintel.speech.text import TextCleaner, transcript_from_turns

    cleaner, lex = TextCleaner.from_settings(settings), lexicon_from_settings(settings)
    cases, missed = probe["profile"], []
    by_field: dict[str, dict[str, int]] = {}
    for case in cases:
        agent, said, field, want = case.get("agent", GREETING), case["said"], case["field"], case["value"]
        call = transcript_from_turns("probe", [{"speaker": "agent", "text": agent},
                                               {"speaker": "customer", "text": said}], settings, cleaner=cleaner, on=ON)
        turns = [(u.speaker, u.text) for u in call.utterances]
        ages = {i: u.stated_age for i, u in enumerate(call.utterances) if u.stated_age is not None}
        got = [f.value for f in extract(turns, lex, ON, ages) if f.field == field]
        # per field: stated values read right, and sentences stating nothing where something was read anyway
        tally = by_field.setdefault(field, {"read": 0, "stated": 0, "read_from_none": 0, "none": 0})
        tally["stated" if want else "none"] += 1
        if not _read_right(want, got):
            missed.append(f"{field} {want or '(none)'}: {said} -> {got}")
            tally["read_from_none"] += 0 if want else 1
        else:
            tally["read"] += 1 if want else 0
    negative = sum(1 for c in cases if not c["value"])
    return {"area": "profiles", "right": len(cases) - len(missed), "of": len(cases),
            "of_them_none": negative, "by_field": dict(sorted(by_field.items())), "missed": missed}


def questions(settings, probe: dict) -> dict:
    from callintel.nlp.questions import asks, load_cues

    cues, probe = load_cues(settings), probe["questions"]
    missed = [t for t in probe["requests"] if not asks(t, cues)]
    taken = [t for t in probe["statements"] if asks(t, cues)]
    return {"area": "questions", "right": len(probe["requests"]) - len(missed), "of": len(probe["requests"]),
            "missed": missed, "statements_taken": len(taken), "statements": len(probe["statements"]), "taken": taken}


def names(settings, probe: dict) -> dict:
    """Masked as a call of one turn (the rules, then the whole-call tagger)."""
    from callintel.speech.text import TextCleaner

    cleaner, cases = TextCleaner.from_settings(settings), probe["name"]
    left = [f"{c['said']} -> {out}" for c in cases
            if c["name"] in (out := cleaner.clean_alone(c["said"])) or (len(c["name"]) >= 3 and c["name"][1:] in out)]
    return {"area": "names", "right": len(cases) - len(left), "of": len(cases), "missed": left}


def pii(settings, probe: dict) -> dict:
    """[[pii]] lines (said, secret, kind) masked as a call of one turn: right when no secret survives, normalised as the
    text path normalises it and, for numbers, as the digits it holds; a line of kind "none" is right when nothing of
    it is masked (a card's last four, [尾号], aside)."""
    import re

    from callintel.speech.normalize import normalize_text
    from callintel.speech.text import TextCleaner

    cleaner, cases = TextCleaner.from_settings(settings), probe.get("pii", [])
    tokens = {v for k, v in settings["speech"]["redact"]["tokens"].items() if k != "tail"}

    def survives(secret: str, out: str) -> bool:
        norm = normalize_text(secret, cleaner.normalize)
        digits = re.sub(r"[^0-9]", "", norm)
        return secret in out or norm in out or (len(digits) >= 6 and digits in re.sub(r"[^0-9]", "", out))

    missed, over = [], []
    for c in cases:
        out = cleaner.clean_alone(c["said"])
        if c["kind"] == "none":
            if any(t in out for t in tokens):
                over.append(f"{c['said']} -> {out}")
        elif any(survives(x, out) for x in c["secret"]):
            missed.append(f"{c['kind']}: {c['said']} -> {out}")
    by_kind = {k: sum(1 for c in cases if c["kind"] == k) for k in sorted({c["kind"] for c in cases})}
    return {"area": "pii", "right": len(cases) - len(missed) - len(over), "of": len(cases), "by_kind": by_kind,
            "left_unmasked": missed, "masked_needlessly": over}


def topics(settings, probe: dict) -> dict:
    """Each question alone against the taxonomy (key phrase, nearest example, the examples' model); a question of a
    family's general topic counts for its specific one. A short question no phrase names is a follow-up here, where
    in a call it takes the topic of what it follows."""
    import numpy as np

    from callintel.nlp import taxonomy as tx
    from callintel.nlp.embed import embedder_from_settings

    qs = [(slug, q) for slug, texts in probe["topics"].items() for q in texts]
    embedder = embedder_from_settings(settings)
    X = np.asarray(embedder.encode([q for _, q in qs]), dtype=np.float32)
    taxonomy = tx.load_taxonomy(settings)
    examples, slugs = taxonomy.examples()
    E = np.asarray(embedder.encode(list(examples)), dtype=np.float32)
    got = tx.match_questions([q for _, q in qs], X, taxonomy, E, slugs,
                             tx.MatchOptions.from_settings(settings["topics"]["taxonomy_match"]))
    missed = [f"{slug}: {q} -> {g} ({m})" for (slug, q), (g, m, _) in zip(qs, got, strict=True)
              if not (g == slug or (g is not None and taxonomy.family_of.get(slug) == g))]
    return {"area": "topics", "right": len(qs) - len(missed), "of": len(qs), "missed": missed}


AREAS = {"profiles": profiles, "questions": questions, "names": names, "pii": pii, "topics": topics}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--areas", nargs="+", choices=sorted(AREAS), default=list(AREAS))
    ap.add_argument("--wordings", type=Path, default=WORDINGS, help="the sentences (bench/wordings.toml's layout)")
    ap.add_argument("--counts", action="store_true",
                    help="print counts only, never a sentence: how an unread file is measured without reading it")
    args = ap.parse_args()
    probe = tomllib.loads(args.wordings.read_text(encoding="utf-8"))
    settings = load_settings()
    for area in args.areas:
        result = AREAS[area](settings, probe)
        if args.counts:
            result = {k: len(v) if isinstance(v, list) else v for k, v in result.items()}
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
