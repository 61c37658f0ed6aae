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

from callintel.nlp.labels import NAME_MIN_CHARS, UNNAMED, can_name, ctfidf_keywords, is_topic_name, topic_name
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
class OtherCall:
    """A call whose main topic is 其他 (warehouse/taxonomy_draft.py `load_other_calls`): what an analyst reads to
    see whether calls nobody listed share a matter."""

    call_id: str
    night: str
    first_question: str   # its first own question (masked core), "" when it asked none
    customer_text: str    # everything its customer said (masked)


@dataclass(frozen=True)
class DraftOptions:
    """[topics.suggest] in configs/callintel.toml (every key documented there)."""

    examples: int          # example questions added per topic
    min_calls: int         # a discovered topic needs questions in this many calls to be drafted
    max_phrases: int       # key phrases drafted per discovered topic
    other_calls: int       # calls filed under 其他 listed at the end, with their own words (0 = none)
    other_words: int       # words listed per such call

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
          words: Callable[[str], list[str]], terms: Collection[str] = (), source: str = "",
          other: Sequence[str] = ()) -> str:
    """The draft taxonomy as TOML text (loads with `Taxonomy.load`); `other` are comment lines on the calls filed
    under 其他 (`other_call_lines`), written last."""
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
    if other:
        lines += ["", *other]
    return "\n".join(lines) + "\n"


def other_call_lines(calls: Sequence[OtherCall], background: Sequence[str], tokens: Callable[[str], list[str]],
                     flag_of: Callable[[str], str], terms: Collection[str], n_words: int) -> list[str]:
    """Comment lines on the calls filed under 其他, each with the nouns its customer said that the warehouse's other
    callers did not (c-TF-IDF, each call a class against `background`; only words that may name a topic) and its
    first question. Why: a matter the taxonomy lacks often comes one call at a time, too rare to be clustered, and
    the analyst who writes the next topics reads them here (a health insurer's check-up bookings, invoices)."""
    if not calls:
        return []
    # every word ranked, so the first n_words that can name a topic are found however many cannot
    keywords = ctfidf_keywords([[tokens(c.customer_text)] for c in calls], None, [tokens(t) for t in background],
                               NAME_MIN_CHARS)
    lines = [f"# Calls filed under 其他 ({len(calls)}): the taxonomy explains them only weakly and no topic of the",
             "# night took them. Calls that share a matter are a topic to write above; the words are what each caller",
             "# said that the other callers did not."]
    for c, kw in zip(calls, keywords, strict=True):
        said = [w for w, _ in kw if can_name(w, flag_of(w), terms)][:n_words]
        question = c.first_question.replace("\n", " ")[:60]
        lines.append(f"#   {c.call_id} ({c.night}): {'、'.join(said) or '-'}" + (f" | {question}" if question else ""))
    return lines
