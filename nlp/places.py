"""Mainland city names from a maintained gazetteer: cpca's administrative-division table (adcodes.csv).

Read straight from the installed package's data file (cpca's own import needs pkg_resources, which newer
setuptools no longer ship), so the list follows the package version pinned in pyproject.toml, not a hand
list. What a caller says is mapped to the city a profile records (EVALUATION.md: without 市):
- municipalities and prefecture-level cities by their name without 市/地区/盟, autonomous prefectures also
  without their nationality words (延边朝鲜族自治州 -> 延边);
- county-level cities as said (昆山): the place the caller named;
- a district or county said with its suffix (南关区) -> its prefecture city, when only one city has that name;
- a county said without 县 (安溪), as said, when no other county has the name and jieba's dictionary knows it as a
  place (`bare_counties`).
Provinces are not cities and are left out; `province_names` lists them apart, for a city said after its province
(河南周口, 江苏省南通市: the cue 在/是 stands before the province).

Recognised speech writes a name's sound in other characters (杭州 -> 航舟): `places_by_sound` finds an unknown word
that sounds exactly like one city's whole name (toneless pinyin) and like no other name of the gazetteer.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata

_STRUCTURAL = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


def _package_file(name: str) -> str:
    """A data file of the installed cpca distribution, read without importing cpca."""
    try:
        path = metadata.distribution("cpca").locate_file(f"cpca/resources/{name}")
        return path.read_text(encoding="utf-8")  # type: ignore[union-attr]
    except (metadata.PackageNotFoundError, FileNotFoundError) as exc:
        raise RuntimeError(f"the place gazetteer needs the cpca package ({exc}); run `make setup`") from exc


def _short(name: str, nations: tuple[str, ...]) -> str:
    """延边朝鲜族自治州 -> 延边, 阿拉善盟 -> 阿拉善, 那曲地区 -> 那曲, 长春市 -> 长春."""
    if name.endswith("自治州"):
        core = name[:-3]
        for n in nations:
            core = core.replace(n, "")
        return core if len(core) >= 2 else name
    return re.sub(r"(市|地区|盟)$", "", name)


@lru_cache(maxsize=1)
def _nation_words() -> tuple[str, ...]:
    """The 56 nationalities' names with and without 族, longest first: what autonomous names carry (壮族, 黎族)."""
    nations = [ln.strip() for ln in _package_file("56_nations.csv").splitlines() if ln.strip()]
    return tuple(sorted({w for n in nations for w in (n, n.removesuffix("族")) if len(w) >= 2}, key=len, reverse=True))


@lru_cache(maxsize=1)
def _adcode_rows() -> tuple[dict[str, str], ...]:
    """cpca's administrative-division table, parsed once for every reader below."""
    return tuple(csv.DictReader(io.StringIO(_package_file("adcodes.csv"))))


@lru_cache(maxsize=1)
def city_names() -> dict[str, str]:
    """What a caller may say -> the city recorded: short and full names of cities, unique districts/counties."""
    nation_words = _nation_words()
    by_code = {r["adcode"][:6]: r["name"] for r in _adcode_rows()}
    out: dict[str, str] = {}
    for code, name in by_code.items():
        if code.endswith("0000") and name.endswith("市"):  # municipalities (北京市)
            out[name] = out[name[:-1]] = name[:-1]
        elif code.endswith("00") and not code.endswith("0000") and name not in _STRUCTURAL:
            city = _short(name, nation_words)
            out[name] = out[city] = city
    districts: dict[str, set[str]] = {}
    for code, name in by_code.items():
        if code.endswith("00") or name in _STRUCTURAL:
            continue
        if name.endswith("市"):  # county-level city: as said
            out.setdefault(name, name[:-1])
            out.setdefault(name[:-1], name[:-1])
            continue
        parent = by_code.get(code[:4] + "00")
        city = out.get(parent or "") or out.get(by_code.get(code[:2] + "0000", ""), "")
        if city and re.search(r"[区县旗]$", name) and len(name) >= 3:
            districts.setdefault(name, set()).add(city)
    for name, cities in districts.items():
        if len(cities) == 1 and name not in out:
            out[name] = next(iter(cities))
    for bare in bare_counties():
        out.setdefault(bare, bare)
    return out


@lru_cache(maxsize=1)
def bare_counties() -> dict[str, str]:
    """Counties as a caller names them without 县 (安溪, 乐东 of 乐东黎族自治县) -> their prefecture city ("" for a
    county under its province), recorded as said like a county-level city: only a name no other county shares and
    that jieba's dictionary tags as a place (ns), since a county's bare name is often an everyday word (公安, 石门,
    平和) or a person's name."""
    from callintel.general_words import pos_tagger

    nation_words = _nation_words()
    by_code = {r["adcode"][:6]: r["name"] for r in _adcode_rows()}
    found: dict[str, list[str]] = {}
    for code, name in by_code.items():
        if code.endswith("00") or not name.endswith("县"):
            continue
        bare = name[:-1]
        if name.endswith("自治县"):   # 乐东黎族自治县 -> 乐东
            bare = name[:-3]
            for w in nation_words:
                bare = bare.replace(w, "")
        parent = by_code.get(code[:4] + "00", "")
        if len(bare) >= 2:
            found.setdefault(bare, []).append("" if parent in _STRUCTURAL else _short(parent, nation_words))
    tags = pos_tagger().word_tag_tab
    return {b: cities[0] for b, cities in found.items() if len(cities) == 1 and tags.get(b) == "ns"}


@lru_cache(maxsize=1)
def district_names() -> tuple[str, ...]:
    """Every district, county and banner of the gazetteer with its suffix (历下区, 莘县, 朝阳区 of several cities),
    longest first: what stands right before a street in an address."""
    names = {r["name"] for r in _adcode_rows() if not r["adcode"][:6].endswith("00") and r["name"] not in _STRUCTURAL
             and re.search(r"[区县旗]$", r["name"]) and len(r["name"]) >= 2}
    return tuple(sorted(names, key=lambda n: (-len(n), n)))


@lru_cache(maxsize=1)
def province_names() -> tuple[str, ...]:
    """Provinces and autonomous regions as a caller says them: full (河南省, 广西壮族自治区) and short (河南, 广西),
    longest first (a name that ends a text is matched whole, 河南省 before 南省)."""
    words = _nation_words()
    out: set[str] = set()
    for row in _adcode_rows():
        name = row["name"]
        # 省 / 自治区; municipalities and the special administrative regions are cities
        if row["adcode"][2:6] == "0000" and re.search(r"(省|自治区)$", name):
            short = re.sub(r"(省|自治区)$", "", name)
            short = next((short.removesuffix(w) for w in words
                          if short.endswith(w) and len(short) - len(w) >= 2), short)   # 广西壮族 -> 广西
            out.update({name, short})
    return tuple(sorted(out, key=lambda n: (-len(n), n)))


@lru_cache(maxsize=1)
def _by_first_char() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for name in city_names():
        index.setdefault(name[0], []).append(name)
    return {ch: tuple(sorted(names, key=len, reverse=True)) for ch, names in index.items()}


def find_places(text: str) -> list[tuple[int, str, str]]:
    """(position, name as said, city) of every gazetteer name in `text`, longest first, not overlapping."""
    index = _by_first_char()
    out = []
    i = 0
    while i < len(text):
        hit = next((n for n in index.get(text[i], ()) if text.startswith(n, i)), None)
        if hit:
            out.append((i, hit, city_names()[hit]))
            i += len(hit)
        else:
            i += 1
    return out


@lru_cache(maxsize=1)
def _by_sound() -> dict[tuple[str, ...], str]:
    """Toneless syllables of each city's whole name (杭州 hang zhou, 昆山) -> the city, for sounds no other name of
    the gazetteer has (a district or county included: 康保县 sounds as 康保险)."""
    from callintel.pinyin import syllables

    cities: dict[tuple[str, ...], set[str]] = {}
    bare = bare_counties()   # two syllables of a county's bare name are too easily heard in other words
    for name, city in city_names().items():
        if re.fullmatch(r"[\u4e00-\u9fff]+", name) and name not in bare:
            cities.setdefault(syllables(name), set()).add(name if name == city else "")
    return {sound: next(iter(c)) for sound, c in cities.items() if len(c) == 1 and "" not in c}


def places_by_sound(text: str, min_syllables: int, cut: Callable[[str], Iterable[str]],
                    is_word: Callable[[str], bool]) -> list[tuple[int, str, str]]:
    """(position, word as written, city) of each word of `text` (`cut`: jieba's segmentation, which joins characters
    it cannot place into one unknown word) that no dictionary knows (`is_word`: 伤害 and 背景 are words, not 上海 and
    北京), at least `min_syllables` long, and that sounds exactly like one city's whole name and no other gazetteer
    name (`_by_sound`): recognised speech heard the city and wrote other characters (航舟 -> 杭州)."""
    from callintel.pinyin import syllables

    sounds = _by_sound()
    out: list[tuple[int, str, str]] = []
    at = 0
    for word in cut(text):
        i, at = at, at + len(word)
        if len(word) < min_syllables or word in city_names() or not re.fullmatch(r"[\u4e00-\u9fff]+", word) \
                or is_word(word):
            continue
        city = sounds.get(syllables(word))
        if city:
            out.append((i, word, city))
    return out
