"""A taxonomy draft from what a warehouse found (`callintel topics suggest`): for an analyst to edit.

An insurer's calls bring topics nobody listed. The draft is the taxonomy in use, each topic with
the questions of this warehouse that matched it added as examples and its call count, followed by
every discovered topic that came up in enough calls, written as a taxonomy topic: a name under the
naming rule of nlp/labels.py, its nameable keywords as key phrases, its most central questions as
examples. The analyst renames, merges or deletes, and points `[topics] taxonomy_file` at the file;
the next nights match those topics by key phrase and by example like the shipped ones.
Plain values in, TOML text out; the warehouse side is warehouse/taxonomy_draft.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from callintel.nlp.labels import UNNAMED, can_name, is_topic_name, topic_name
from callintel.nlp.taxonomy import Taxonomy
from callintel.settings import options


@dataclass(frozen=True)
class FoundTopic:
    """A topic of the warehouse with what it holds (one row of warehouse/taxonomy_draft.py's load)."""

    topic_id: int
    slug: str | None              # taxonomy slug, None for a discovered topic
    label: str
    source: str                   # taxonomy / discovered / other
    keywords: list[tuple[str, float]]
    questions: list[str]          # its own questions (cores), most central first
    calls: int                    # calls whose main topic it is
    calls_asking: int             # calls with at least one question in it
    novel: bool = False           # made of calls the taxonomy explained only weakly (nlp/novelty.py)


@dataclass(frozen=True)
class DraftOptions:
    """[topics.suggest] in configs/callintel.toml (every key documented there)."""

    examples: int          # example questions added per topic
    min_calls: int         # a discovered topic needs questions in this many calls to be drafted
    max_phrases: int       # key phrases drafted per discovered topic

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> DraftOptions:
        return options(cls, section, "topics.suggest")


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_s(v) for v in values) + "]"


def _examples(own: Sequence[str], found: Sequence[str], n: int) -> list[str]:
    """The topic's examples, then up to `n` of the warehouse's questions they do not already hold."""
    out = list(dict.fromkeys(own))
    for q in found:
        if n <= 0:
            break
        if q and q not in out:
            out.append(q)
            n -= 1
    return out


def discovered_name(t: FoundTopic, flag_of: Callable[[str], str], words: Callable[[str], list[str]],
                    terms: Collection[str]) -> str:
    """The topic's label when it keeps the naming rule, else one made from its keywords by that rule."""
    if is_topic_name(t.label, flag_of, words, terms):
        return t.label
    return topic_name(t.keywords, t.questions[0] if t.questions else "", flag_of, terms, said=t.questions)


def draft(found: Sequence[FoundTopic], taxonomy: Taxonomy, opts: DraftOptions, flag_of: Callable[[str], str],
          words: Callable[[str], list[str]], terms: Collection[str] = (), source: str = "") -> str:
    """The draft taxonomy as TOML text (loads with `Taxonomy.load`)."""
    by_slug = {t.slug: t for t in found if t.slug}
    lines = ["# Taxonomy draft from " + (source or "a warehouse") + " (`callintel topics suggest`).",
             "# Taxonomy topics keep their key phrases, with questions of these calls added as examples;",
             "# discovered topics follow, named from their own keywords. Rename, merge or delete topics, edit",
             "# phrases (\"A+B\" needs both), then set [topics] taxonomy_file to this file for the next nights.",
             "# `calls` (calls whose main topic it is) and `calls_asking` (calls with a question in it) are",
             "# for reading only.", "",
             "[other]", f"slug = {_s(taxonomy.other_slug)}", f"name = {_s(taxonomy.other_name)}", "",
             "[context]", f"openers = {_list(taxonomy.openers)}", f"anaphora = {_list(taxonomy.anaphora)}",
             f"max_chars = {taxonomy.follow_up_max_chars}"]
    for k in taxonomy.topics:
        f = by_slug.get(k.slug)
        lines += ["", "[[topic]]", f"slug = {_s(k.slug)}"]
        if k.family:
            lines.append(f"family = {_s(k.family)}")
        lines += [f"name = {_s(k.name)}", f"strong = {_list(k.strong)}", f"phrases = {_list(k.phrases)}",
                  f"examples = {_list(_examples(k.examples, f.questions if f else [], opts.examples))}",
                  f"calls = {f.calls if f else 0}", f"calls_asking = {f.calls_asking if f else 0}"]
    skipped = 0
    names = {k.name for k in taxonomy.topics}
    for t in sorted((t for t in found if t.source == "discovered"), key=lambda t: (-t.calls_asking, t.topic_id)):
        if t.calls_asking < opts.min_calls:
            continue
        name = discovered_name(t, flag_of, words, terms)
        phrases = [w for w, _ in t.keywords if can_name(w, flag_of(w), terms)][: opts.max_phrases]
        if name == UNNAMED or not phrases:
            skipped += 1   # no noun among its keywords: a cluster of fillers, not a topic
            continue
        if name in names:
            name = f"{name}问题" if len(name) <= 6 else name  # two topics of one name confuse analysts
        names.add(name)
        lines += [""] + (["# novel: calls the taxonomy explained only weakly, grouped as calls"] if t.novel else [])
        lines += ["[[topic]]", f"slug = {_s(f'found_{t.topic_id}')}", f"name = {_s(name)}", "strong = []",
                  f"phrases = {_list(phrases)}", f"examples = {_list(_examples([], t.questions, opts.examples))}",
                  f"calls = {t.calls}", f"calls_asking = {t.calls_asking}"]
    if skipped:
        lines += ["", f"# {skipped} discovered topic(s) left out: no keyword can name them (fillers, not a topic)."]
    return "\n".join(lines) + "\n"
