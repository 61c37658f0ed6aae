"""The words the analytics match on, read from their own configuration files.

Topics, profiles and intent find their facts by words: taxonomy names and key phrases (topic_taxonomy.toml),
product and occupation lexicons (profile_patterns.toml), city names (cpca's gazetteer, as nlp/places.py
reads it). A transcript that spells one of them wrong loses the fact downstream, so these are what speech
must get right: the sound-based term repair (speech/terms.py, [speech.terms] analytics_vocabulary) and the
domain-term recall of `eval e2e` read them here. Only whole words of Chinese characters, at least two, are
returned; "A+B" phrases give A and B.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from callintel.settings import Settings

_HAN = re.compile(r"^[\u3400-\u9fff]{2,}$")
# profile_patterns.toml lists whose entries are the words a fact is made of (not cue words around them)
_PROFILE_WORDS = (("occupation", "nouns"), ("occupation", "phrases"), ("products", "types"))


def _words(value: object) -> list[str]:
    """Every string in a (nested) list, "A+B" split into A and B."""
    if isinstance(value, str):
        return [p.strip() for p in value.split("+")]
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    return []


def taxonomy_terms(path: Path) -> list[str]:
    """Topic names, strong and ordinary key phrases of every topic."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [w for topic in data.get("topic", []) for key in ("name", "strong", "phrases")
            for w in _words(topic.get(key))]


def profile_terms(path: Path) -> list[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [w for section, key in _PROFILE_WORDS for w in _words(data.get(section, {}).get(key))]


def city_terms() -> list[str]:
    """The cities profiles record (cpca's gazetteer, read by nlp/places.py): the names a caller's city comes
    back as. Imported here alone: this module exists to mirror what the analytics look for."""
    from callintel.nlp.places import city_names

    return sorted(set(city_names().values()))


def analytics_parts(settings: Settings) -> dict[str, list[str]]:
    """The analytics' vocabulary by source: "taxonomy" (names and cue phrases, some mere fragments: 要什么),
    "profiles" (occupations and product types: each a thing by the lexicon's own kind), "cities"."""
    parts = {"taxonomy": taxonomy_terms(settings.config_file(settings["topics"]["taxonomy"])),
             "profiles": profile_terms(settings.config_file(settings["profiles"]["patterns"])),
             "cities": city_terms()}
    return {k: sorted({t for t in v if _HAN.match(t)}) for k, v in parts.items()}


def analytics_terms(settings: Settings) -> list[str]:
    """The analytics' vocabulary: taxonomy, product and occupation lexicons, cities (sorted, unique)."""
    return sorted({t for part in analytics_parts(settings).values() for t in part})
