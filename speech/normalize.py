"""Text normalisation: Simplified script, one punctuation set, numbers where they matter.

Whisper often answers Mandarin in Traditional characters; OpenCC's t2s conversion is
deterministic where a prompt is not (see ../shared/MODELS.md).

Numbers: cn2an's whole-text `transform` is too eager for dialogue (一下子 -> 1下子, 一样 -> 1样,
十分感谢 -> 10分感谢), so only numerals in the places analysts query are converted: dates
(二零二六年十一月六号), amounts (三千五百元, 两万块), percentages (百分之五) and spoken digit
strings of four or more (policy and phone numbers read digit by digit, 幺三八…). Everything
else keeps its characters. PII masking runs after this and also reads spoken numerals, so
nothing here is needed for privacy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import cn2an
import opencc

from callintel.settings import options
from callintel.speech.redact import CN_DIGITS

# Half-width punctuation between CJK characters becomes its full-width form.
_TO_FULLWIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_SPACES = re.compile(r"[\s\u3000]+")
# Characters masking reads as digits: a period before a run of them may sit inside a number.
_NUMERAL_CHARS = "".join(CN_DIGITS)
_SPOKEN_DIGIT = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4",
                 "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_DIGIT_CHARS = "零〇幺一二三四五六七八九"
_NUM = "[零〇一二两三四五六七八九十百千万亿]"
_YEAR = re.compile(rf"(?<![{_DIGIT_CHARS}十百千万])([{_DIGIT_CHARS}]{{2}}|[{_DIGIT_CHARS}]{{4}})年")
_MONTH = re.compile(r"(?<![零〇一二两三四五六七八九十百千万])(十[一二]?|[一二三四五六七八九])月")
_DAY = re.compile(r"(?<=月)(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])(日|号)")
_AMOUNT = re.compile(rf"({_NUM}+(?:点[{_DIGIT_CHARS}]+)?)(万元|万块|元|块钱|块(?!儿)|万(?=[元块]|$))")
_PERCENT = re.compile(rf"百分之({_NUM}+(?:点[{_DIGIT_CHARS}]+)?)")
_DIGIT_RUN = re.compile(r"[零〇幺一二三四五六七八九洞](?:\s?[零〇幺一二三四五六七八九洞]){3,}")


@dataclass(frozen=True)
class NormalizeSettings:
    """[speech.normalize]: which rewrites run."""

    numbers: bool
    end_punctuation: bool

    @classmethod
    def from_settings(cls, speech: dict) -> NormalizeSettings:
        return options(cls, speech["normalize"], "speech.normalize")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def unify_punctuation(text: str) -> str:
    """NFKC-fold full-width letters/digits, then use Chinese punctuation inside Chinese text."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for i, ch in enumerate(text):
        if ch in _TO_FULLWIDTH:
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            # keep 1,000 and 3.5 and English "OK, VIP" as they are
            if _is_cjk(before) or _is_cjk(after) or (before and not before.isalnum()):
                ch = _TO_FULLWIDTH[ch]
        out.append(ch)
    text = "".join(out)
    # a period after Chinese text is a full stop, and so is one between a number and Chinese text (二十九 heard as
    # "29.社保…"); not before digits or a run of spoken numerals (3.5, 1380013.八零零零: a number whose pieces masking
    # joins; 29.一年交多少 and 好的.要不要 still end there)
    numeral_run = rf"[{_NUMERAL_CHARS}]{{2}}"
    text = re.sub(rf"(?<=[\u4e00-\u9fff])\.(?!\d|{numeral_run})|(?<=\d)\.(?=[\u4e00-\u9fff])(?!{numeral_run})", "。",
                  text)
    # spaces between CJK characters are Whisper's segment joins, not words
    text = re.sub(r"(?<=[\u4e00-\u9fff，。？！：；])\s+(?=[\u4e00-\u9fff])", "，", text)
    text = re.sub(r"(?<=[\u4e00-\u9fff])\s+(?=[，。？！：；])", "", text)
    return _SPACES.sub(" ", text).strip()


def _cn2an(numeral: str) -> str:
    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError):
        return numeral
    return str(int(value)) if float(value).is_integer() else str(value)


def normalize_numbers(text: str) -> str:
    """Arabic digits for dates, amounts, percentages and spoken digit strings (see module doc)."""
    text = _DIGIT_RUN.sub(lambda m: "".join(_SPOKEN_DIGIT.get(c, "") for c in m.group()), text)
    text = _YEAR.sub(lambda m: "".join(_SPOKEN_DIGIT[c] for c in m.group(1)) + "年", text)
    text = _MONTH.sub(lambda m: _cn2an(m.group(1)) + "月", text)
    text = _DAY.sub(lambda m: _cn2an(m.group(1)) + m.group(2), text)
    text = _PERCENT.sub(lambda m: _cn2an(m.group(1)) + "%", text)
    text = _AMOUNT.sub(lambda m: _cn2an(m.group(1)) + m.group(2), text)
    return text


def end_sentence(text: str) -> str:
    """An utterance is a sentence (Whisper splits at pauses): close it with 。 or ？."""
    if not text or not (text[-1].isalnum() or _is_cjk(text[-1])):
        return text
    return text + ("？" if text[-1] in "吗呢么" else "。")


def normalize_text(text: str, settings: NormalizeSettings | None = None) -> str:
    settings = settings or NormalizeSettings(numbers=False, end_punctuation=False)
    text = unify_punctuation(to_simplified(text))
    if settings.numbers:
        text = normalize_numbers(text)
    if settings.end_punctuation:
        text = end_sentence(text)
    return text


def strip_for_scoring(text: str) -> str:
    """Characters only (no punctuation or spaces), Simplified: what CER is computed on."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S", "C")))
