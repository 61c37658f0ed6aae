"""PII masking: phone, ID-card and bank-card numbers never leave the speech stage unmasked.

Numbers are found whether written as digits (half- or full-width) or as spoken Chinese
numerals (幺三八…, 一三八 零零…; 腰/要 are how Whisper often writes a spoken 幺), with spaces,
dashes or dots inside. Checksums (ID-card check digit, Luhn) name what a number is, but
privacy wins over precision: any long digit run is masked even when its checksum fails,
because an ASR error in one digit must not leak the other seventeen.

A run holding several numbers ("13988369420 18904056109") is split at its separators into the
valid numbers it contains, so each gets its own mask; what is left is judged on its own. A run whose
digits hold an ID number's birth date where one keeps it, none of its groups a number by itself, is
one ID number read in groups.

Letters and digits glued to a masked number belong to it ("13800138000E" -> "[手机号]", not
"[手机号]E"): Whisper writes a spoken 幺/一 or a trailing syllable as a letter, and a residue
character next to a mask is a piece of the number. Names, birth dates, addresses, e-mail, plates
and card tails are masked first (speech.personal), each with its token from [speech.redact.tokens].
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from callintel.ages import heard_id_birth
from callintel.regex_words import alternation
from callintel.settings import Settings, options
from callintel.speech.names import common_word
from callintel.speech.personal import PersonalRules, find_personal

CN_DIGITS = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "腰": "1", "要": "1", "一": "1", "二": "2", "两": "2",
             "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9", "叉": "X"}
FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "x"}
_DIGITISH = "0-9０-９" + "".join(CN_DIGITS) + "XxＸｘ"
_SEP = r"[ \t\u00a0\u3000\-‐–—.·,，、/]"
# A run of digit-like characters, allowing up to two separator characters between them.
_RUN = re.compile(rf"[{_DIGITISH}](?:{_SEP}{{0,2}}[{_DIGITISH}])+")
_GROUP = re.compile(rf"[{_DIGITISH}]+")

MASKS = {"phone": "[手机号]", "id_card": "[身份证号]", "bank_card": "[银行卡号]", "number": "[号码]"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_WORD_ONLY = set("要两叉")  # also ordinary words: a run must hold other digits too


@dataclass(frozen=True)
class RedactionRules:
    """What decides that a digit run, a code or a name is personal data, and what it becomes ([speech.redact]:
    every value and why it is so lives in configs/callintel.toml; `from_settings` fills them all)."""

    min_spoken_run: int  # Chinese-numeral runs shorter than this are ordinary words (一二三)
    min_masked_run: int  # any digit run at least this long is masked whatever its checksum
    mask_landlines: bool  # 0 + area code + number, 10-12 digits
    mask_near_miss_phones: bool  # 10-14 digits starting 1[3-9]: a mobile with an ASR slip
    # A shorter run is masked too when a cue word stands just before it ("卡号是…"): ASR often garbles
    # the first digits of a card number read aloud, and the rest must not leak.
    cue_window: int  # characters before the run searched for a cue
    min_cued_run: int
    cues: tuple[tuple[str, str], ...]  # (cue word, kind of number): the nearest names it (cued_kind)
    masks: tuple[tuple[str, str], ...]  # kind of number -> its token
    personal: PersonalRules | None  # names, dates, addresses...: None = numbers only
    # Codes of letters and digits (claim 报案号 R2026…, VIN 车架号, credit codes, partial IDs): a run of at least
    # min_code_run letters and digits holding min_code_digits digits is masked whatever it is.
    min_code_run: int
    min_code_digits: int
    # Digits read one by one with a separator between each (5-6-7-1, 1 3 8 …): this many or more are a number.
    min_spelled_digits: int
    # A number read in groups (卡号前面是621483，中间0755，后面是2917 6603): a run of at least group_min_digits digits
    # within group_gap characters after a masked number of the same utterance is the next group of it.
    group_min_digits: int
    group_gap: int
    # An 18-digit ID number heard with up to this many digits dropped or added still shows its birth date
    # (callintel.ages.heard_id_birth): it is masked as an ID number and its age kept. 0 = exact IDs only.
    id_digit_slack: int
    # The same after a cue word naming an ID number (身份证号…): the cue already says what the number is, so a run
    # that lost more of its digits (the area code's, most often) is still read for its birth date.
    id_cued_digit_slack: int
    # Names and addresses' estates no cue introduces, read by a learned tagger over a whole call (mask_call,
    # speech/name_tagger.py).
    name_tagger: bool
    name_tagger_threads: int
    not_names: tuple[str, ...]           # the deployment's brands and products: never a person's name
    name_address_terms: tuple[str, ...]  # after a surname, a form of address (赵大爷, 李总): not a given name
    classifier_before: str               # before a measure word (一张, 这张, 了张): the surname is no surname

    @classmethod
    def from_settings(cls, settings: Settings) -> RedactionRules:
        """The rules of [speech.redact]; the surnames file found like every word list (settings.config_file)."""
        section = settings["speech"]["redact"]
        personal = PersonalRules.from_section(section, settings.config_file(section["surnames_file"]))
        return options(cls, section, "speech.redact", cues=tuple(section["cues"].items()),
                       masks=tuple((k, v) for k, v in section["tokens"].items() if k in MASKS), personal=personal,
                       not_names=tuple(section["not_names"]),
                       name_address_terms=tuple(section["name_address_terms"]))


def heard_id(digits: str, rules: RedactionRules, cue: str | None) -> tuple[int, int, int] | None:
    """The birth date in `digits` read as an ID number heard with digits slipped; None after a cue naming another
    kind (a card number or a phone number and what follows it can hold a date-like stretch too; a generic 号码 names
    none). An ID cue before the run allows `id_cued_digit_slack`."""
    if cue not in (None, "id_card", "number"):
        return None
    slack = max(rules.id_digit_slack, rules.id_cued_digit_slack) if cue == "id_card" else rules.id_digit_slack
    return heard_id_birth(digits, slack)


def cued_kind(text: str, start: int, rules: RedactionRules) -> str | None:
    """The kind the cue word nearest before `start` names, if any (身份证和银行卡号6222…: the card's cue).

    A cue of the generic kind "number" (号码) that touches a specific cue belongs to it (身份证号码, 手机号码,
    银行卡号码 name an ID number, a phone, a card); cues ending at the same place are tried in the order listed."""
    before = text[max(0, start - rules.cue_window):start]
    found: list[tuple[int, int, str]] = []  # (start, end, kind) of each cue's last occurrence
    for cue, kind in rules.cues:
        at = before.rfind(cue)
        if at >= 0:
            found.append((at, at + len(cue), kind))
    if not found:
        return None
    best = max(found, key=lambda f: f[1])  # max keeps the first listed of equal ends
    if best[2] == "number":
        specific = [f for f in found if f[2] != "number" and f[1] >= best[0]]
        if specific:
            best = max(specific, key=lambda f: f[1])
    return best[2]


def id_card_valid(digits: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not digits:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_mobile(digits: str) -> bool:
    return len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789" and digits.isdigit()


def strong_kind(digits: str) -> str | None:
    """A number that is certainly PII by its format and checksum."""
    if _is_mobile(digits) or (digits.startswith("86") and _is_mobile(digits[2:])):
        return "phone"
    if len(digits) == 18 and id_card_valid(digits):
        return "id_card"
    if 16 <= len(digits) <= 19 and luhn_valid(digits):
        return "bank_card"
    return None


def classify_number(digits: str, rules: RedactionRules | None = None, cue: str | None = None) -> str | None:
    """Which kind of PII a bare digit string is, or None if it may stay (`rules`: default_rules()). `cue`: the kind
    a cue word before it names (`cued_kind`); after a bank-card cue (卡号, 银行卡) a number without a valid ID
    check digit is a card: card numbers can hold a date-like stretch too, and give no age."""
    rules = rules or default_rules()
    n = len(digits)
    if not n or not (digits[:-1].isdigit() and (digits[-1].isdigit() or digits[-1] in "Xx")):
        return None
    card_cued = cue == "bank_card"
    heard = heard_id(digits, rules, cue) is not None
    kind = strong_kind(digits)
    if kind == "bank_card" and (heard or cue == "id_card"):
        # an ID number with a digit slipped passes Luhn one time in ten: its birth date, or the ID cue nearest
        # before it (身份证号…), still names it
        return "id_card"
    if kind:
        return kind
    if n == 15 and digits.isdigit():
        return "id_card"  # first-generation 15-digit ID numbers carry no check digit
    if n >= rules.min_masked_run:
        # the cue word before it names the kind when the digits cannot (身份证号 + 17 digits heard: an ID number)
        return "id_card" if (n == 18 and not card_cued) or heard or cue == "id_card" else "bank_card"
    if rules.mask_landlines and digits.startswith("0") and 10 <= n <= 12:
        return "number"
    if rules.mask_near_miss_phones and 10 <= n <= 14 and digits[0] == "1" and digits[1] in "3456789":
        return "phone"  # an 11-digit mobile with an ASR-dropped or -inserted digit still identifies a person
    return None


def to_digits(chars: str) -> tuple[str, int]:
    """(digits, how many came from spoken numerals)."""
    spoken = 0
    out = []
    for ch in chars:
        if ch in CN_DIGITS:
            out.append(CN_DIGITS[ch])
            spoken += 1
        elif ch in FULLWIDTH:
            out.append(FULLWIDTH[ch])
        elif ch.isdigit() or ch in "Xx":
            out.append(ch)
    return "".join(out), spoken


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span so it neither starts with X nor with a word-only numeral (要, 两)."""
    while start < end and (text[start] in "XxＸｘ叉" or text[start] in _WORD_ONLY):
        start += 1
    return start, end


def _judge(text: str, start: int, end: int, rules: RedactionRules) -> tuple[int, int, str] | None:
    trimmed = _trim(text, start, end)
    judged = _judge_span(text, *trimmed, rules)
    if judged is None and trimmed[0] != start and text[start] in _WORD_ONLY:
        judged = _judge_span(text, start, end, rules)  # 要三八… may be a spoken 幺 after all
    return judged


def _judge_span(text: str, start: int, end: int, rules: RedactionRules) -> tuple[int, int, str] | None:
    while start < end and text[start] in "XxＸｘ叉":
        start += 1
    digits, spoken = to_digits(text[start:end])
    if not digits:
        return None
    if spoken and len(digits) < rules.min_spoken_run:
        return None
    if digits[-1] in "Xx" and len(digits) != 18:
        # a trailing X belongs to an ID number only when 17 digits precede it
        stripped = text[start:end].rstrip("XxＸｘ叉")
        end = start + len(stripped)
        digits = digits.rstrip("Xx")
    kind = classify_number(digits, rules, cued_kind(text, start, rules))
    return (start, end, kind) if kind else None


def _run_spans(text: str, start: int, end: int, rules: RedactionRules) -> list[tuple[int, int, str]]:
    """PII spans inside one digit run: the whole run, or the valid numbers it was made of."""
    digits, _ = to_digits(text[start:end])
    cue = cued_kind(text, start, rules)
    if strong_kind(digits):
        return [(start, end, classify_number(digits, rules, cue) or "")]
    groups = [(start + m.start(), start + m.end()) for m in _GROUP.finditer(text[start:end])]
    if heard_id(digits, rules, cue) and not any(strong_kind(to_digits(text[a:b])[0]) for a, b in groups):
        # an ID number read in groups ("500103，1995，021，7625"): split at its pauses, some groups together would
        # pass for a mobile ("19950217625") and the rest be judged alone; the birth date the whole run holds says
        # what it is. A group that is a number by itself (a whole mobile) keeps the split.
        return [(start, end, "id_card")]
    if len(groups) > 1:
        found: list[tuple[int, int, str]] = []
        leftover: list[tuple[int, int]] = []
        sizes = [len(to_digits(text[a:b])[0]) for a, b in groups]
        i = 0
        while i < len(groups):
            best = None
            # the groups from i that together hold at most 19 digits (the longest number there is): a run of
            # hundreds of groups (an ASR loop of digits) is then read in one pass, not once per pair of groups
            last, held = i, sizes[i]
            while last + 1 < len(groups) and held + sizes[last + 1] <= 19:
                last += 1
                held += sizes[last]
            for j in range(last, i - 1, -1):
                cand, _ = to_digits(text[groups[i][0]:groups[j][1]])
                if len(cand) <= 19 and strong_kind(cand):
                    best = j
                    break
            if best is None:
                leftover.append(groups[i])
                i += 1
            else:
                number = to_digits(text[groups[i][0]:groups[best][1]])[0]
                found.append((groups[i][0], groups[best][1],
                              classify_number(number, rules, cued_kind(text, groups[i][0], rules)) or ""))
                i = best + 1
        if found:
            # leftovers between valid numbers: consecutive groups judged together
            merged: list[tuple[int, int]] = []
            for g in leftover:
                if merged and not any(merged[-1][1] <= f[0] < g[0] for f in found):
                    merged[-1] = (merged[-1][0], g[1])
                else:
                    merged.append(g)
            absorbed: list[tuple[int, int]] = []
            for g0, g1 in merged:
                judged = _judge(text, g0, g1, rules)
                if judged:
                    found.append(judged)
                elif len(to_digits(text[g0:g1])[0]) >= 3:
                    absorbed.append((g0, g1))
            found.sort()
            # digits left beside a number in one run are a piece of it ("身份证号13301061985 035 1238":
            # Whisper split an ID number, the first part reads as a mobile): the mask covers them too
            for g0, g1 in absorbed:
                near = min(range(len(found)), key=lambda k: min(abs(found[k][0] - g1), abs(g0 - found[k][1])))
                a, b, kind = found[near]
                found[near] = (min(a, g0), max(b, g1), cued_kind(text, start, rules) or kind)
            return sorted(found)
    judged = _judge(text, start, end, rules)
    return [judged] if judged else []


@lru_cache(maxsize=1)
def default_rules() -> RedactionRules:
    """The rules of configs/callintel.toml (what the night uses without a user file)."""
    from callintel.settings import load_settings

    return RedactionRules.from_settings(load_settings())


_GLUE = re.compile(r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]")


def _glued(text: str, start: int, end: int) -> tuple[int, int]:
    """The span widened over letters and digits touching it (residue of the same number)."""
    while start > 0 and _GLUE.match(text[start - 1]):
        start -= 1
    while end < len(text) and _GLUE.match(text[end]):
        end += 1
    return start, end


def find_pii(text: str, rules: RedactionRules | None = None) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every PII number in `text`, in order, not overlapping (numbers only; `rules`:
    default_rules())."""
    rules = rules or default_rules()
    found: list[tuple[int, int, str]] = []
    for m in _RUN.finditer(text):
        spans = _run_spans(text, m.start(), m.end(), rules)
        if not spans:
            digits, spoken = to_digits(m.group())
            kind = cued_kind(text, m.start(), rules)
            if kind and len(digits) >= max(rules.min_cued_run, rules.min_spoken_run if spoken else 0):
                spans = [(m.start(), m.end(), kind)]
        found += [(*_glued(text, a, b), kind) for a, b, kind in spans]
    found = _next_groups(text, found, rules)
    merged: list[tuple[int, int, str]] = []
    for span in found:  # widening may make neighbours touch: one mask each still
        if merged and span[0] < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span[1]), merged[-1][2])
        else:
            merged.append(span)
    return merged


_NAME_CHARS = re.compile(r"[\u4e00-\u9fff]{2,4}")
_SPELLING = re.compile(r"的|那个|是")  # a masked spelling clause (杜甫的杜) is not a name to look for elsewhere


def _callable_name(word: str, rules: PersonalRules) -> bool:
    """A masked span worth masking wherever else the call says it: a name, not a spelling clause (杜甫的杜,
    木子李) nor a word the title rule took (谢谢 before 阿姨), which would mask every 谢谢 of the call."""
    return bool(_NAME_CHARS.fullmatch(word)) and not _SPELLING.search(word) and word not in rules.spelled_surnames \
        and not common_word(word, rules.names)


def call_names(texts: Iterable[str], rules: RedactionRules) -> set[str]:
    """Names the learned tagger reads in a call's (already masked) texts, none said with a cue
    (speech.name_tagger); empty when [speech.redact] name_tagger is off or names are not masked."""
    if not rules.name_tagger or rules.personal is None:
        return set()
    from callintel.speech.name_tagger import tagged_names

    return tagged_names(texts, rules.personal.names, rules.not_names, rules.name_address_terms,
                        rules.classifier_before, rules.name_tagger_threads)


def mask_names(text: str, names: set[str], rules: RedactionRules | None = None) -> str:
    """Every name in `names` masked wherever it stands in `text` (周敏的拼音 after 我是周敏 earlier in the call)."""
    rules = rules or default_rules()
    if not names or rules.personal is None:
        return text
    pattern = alternation(names)
    return re.sub(pattern, rules.personal.tokens["name"], text)


_UNIT_AFTER = "元块万亿千百%％"  # after digits alone: an amount
# After digits, what makes them a quantity, a date or a time rather than the next group of a number read out.
_QUANTITY_AFTER = _UNIT_AFTER + "年月日号岁点分个次期天周份张"


def _next_groups(text: str, found: list[tuple[int, int, str]],
                 rules: RedactionRules) -> list[tuple[int, int, str]]:
    """`found` with the digit runs that go on a masked number read in groups (a few words between, 中间/后面是):
    each is masked as the number it follows, unless a unit makes it a quantity (2019年, 3600块)."""
    if not found or rules.group_min_digits <= 0:
        return found
    out = list(found)
    for m in _RUN.finditer(text, found[0][1]):   # every run after the first masked number ends
        if any(a <= m.start() < b for a, b, _ in out):
            continue
        prev = max((s for s in out if s[1] <= m.start()), key=lambda s: s[1])   # the first one at least
        digits, _ = to_digits(m.group())
        if len(digits) >= rules.group_min_digits and m.start() - prev[1] <= rules.group_gap \
                and text[m.end():m.end() + 1] not in tuple(_QUANTITY_AFTER):
            out.append((m.start(), m.end(), prev[2]))
    return sorted(out)


def find_codes(text: str, rules: RedactionRules) -> list[tuple[int, int, str]]:
    """Runs of letters and digits no format names (claim and policy numbers, VINs, credit codes), and
    digits read one at a time with separators: each identifies a person or a contract, none is an amount."""
    spans = []
    code = re.compile(rf"(?<![A-Za-z0-9０-９])[A-Za-z0-9０-９]{{{rules.min_code_run},}}")
    joined = re.compile(r"(?:[-_/][A-Za-z0-9０-９]+)+")  # TS20260907-0418: the rest of the number goes too
    for m in code.finditer(text):
        run = m.group()
        digits = sum(ch.isdigit() for ch in run)
        if len(run) < rules.min_code_run or digits < rules.min_code_digits:
            continue
        if run.isdigit() and text[m.end():m.end() + 1] in tuple(_UNIT_AFTER):
            continue  # 12000000元: an amount
        start = m.start()
        while start > 1 and text[start - 1] in "-_/" and re.match(r"[A-Za-z0-9]", text[start - 2]):
            start -= 1
            while start > 0 and re.match(r"[A-Za-z0-9]", text[start - 1]):
                start -= 1
        tail = joined.match(text, m.end())
        spans.append((start, tail.end() if tail else m.end(), "number"))
    spelled = re.compile(rf"(?<![0-9A-Za-z.])[0-9](?:{_SEP}[0-9]){{{rules.min_spelled_digits - 1},}}(?![0-9A-Za-z])")
    spans += [(m.start(), m.end(), "number") for m in spelled.finditer(text)]
    merged: list[tuple[int, int, str]] = []
    for span in sorted(spans):  # joined pieces may reach the next run: one mask
        if merged and span[0] <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span[1]), "number")
        else:
            merged.append(span)
    return merged


def mask_pii(text: str, rules: RedactionRules | None = None, names: set[str] | None = None,
             personal: list[tuple[int, int, str]] | None = None) -> str:
    """`text` with personal data and every PII number replaced by its token ([姓名], [手机号], ...).

    Without `rules`: those of configs/callintel.toml. `names` collects the names masked (two characters
    or more), so the rest of the call can mask them where no cue stands (mask_names). `personal`: the spans
    find_personal gave for this very text, when the caller has them already (the stated age reads them first).
    """
    rules = rules or default_rules()
    if rules.personal is not None:
        spans = personal if personal is not None else find_personal(text, rules.personal)
        for start, end, kind in reversed(spans):
            if names is not None and kind == "name" and _callable_name(text[start:end], rules.personal):
                names.add(text[start:end])
            text = text[:start] + rules.personal.tokens[kind] + text[end:]
    masks = dict(rules.masks)
    for start, end, kind in reversed(find_pii(text, rules)):
        text = text[:start] + masks[kind] + text[end:]
    for start, end, kind in reversed(find_codes(text, rules)):
        text = text[:start] + masks[kind] + text[end:]
    return text


def call_addresses(texts: Iterable[str], rules: RedactionRules) -> set[str]:
    """Estates and buildings of addresses said with no cue, read by the tagger in a call's (already masked) texts
    before a house number (speech.name_tagger.tagged_addresses); empty when the tagger is off."""
    if not rules.name_tagger or rules.personal is None:
        return set()
    from callintel.speech.name_tagger import tagged_addresses

    return tagged_addresses(texts, rules.name_tagger_threads)


def mask_call(texts: list[str], names: set[str], rules: RedactionRules) -> list[str]:
    """A call's texts, each already masked by mask_pii (which collected `names`), with what only the whole call
    shows masked in every one: the addresses and names the tagger reads (added to `names`), and every name found
    in any turn (a name is said once with its cue, and again bare: 我是周敏 … 周敏的拼音)."""
    places = call_addresses(texts, rules)
    names |= call_names(texts, rules)
    if places and rules.personal is not None:
        token = rules.personal.tokens["address"]
        pattern = re.compile(alternation(places))
        glued = re.compile(f"(?:{re.escape(token)}){{2,}}")  # the estate before the building the rules masked: one
        texts = [glued.sub(token, pattern.sub(token, t)) for t in texts]
    return [mask_names(t, names, rules) for t in texts] if names else texts


def mask_text(text: str, rules: RedactionRules | None = None) -> str:
    """A text on its own (a reviewer's note, a manifest column, a line of `callintel mask`) masked as a call of one
    turn: mask_pii, then what the tagger reads in it (mask_call)."""
    rules = rules or default_rules()
    names: set[str] = set()
    return mask_call([mask_pii(text, rules, names)], names, rules)[0]
