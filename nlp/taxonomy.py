"""Known business topics (configs/topic_taxonomy.toml) and how a question or a call is matched to one.

Why rules and nearest examples before clustering: what a spoken question is about sits in a few
words of it (理赔, 扣款, 退保), while greetings, context and fillers dominate its sentence vector;
on the development calls, clustering sentence vectors scored ARI 0.25 and the nearest topic *name*
0.39. So a question is matched in this order (each step a setting or a lexicon line):
1. Key phrases: every topic's `strong` and `phrases` (a phrase "A+B" needs both parts); the topic
   with the highest weight wins. A tie (理赔 and 重疾险 in "他那个重疾险理赔…一点信儿都没有", one
   plain phrase each) is decided by meaning: among the tied topics, the one whose prototypes are
   nearest (top-`prototype_k` mean cosine). The prototypes are the taxonomy's examples and the
   night's questions that one topic's key phrases decided alone, so a new insurer's own wording
   teaches the match that night (transductive: nothing is learned from any labelled set). Without
   vectors (a call's statements, nlp/call_topics.py) a tie goes to the phrase said first.
2. Follow-up: a question with no key phrase that is very short only makes sense after what was said
   before; it inherits that topic (nlp/call_topics.py) and is never clustered nor a topic's
   representative.
3. Examples: the nearest example question of the taxonomy by cosine, when within
   `example_threshold`; else the topic a logistic model fitted on all the examples gives at least
   `example_model_p` (`example_model`: what a topic's examples share, not one example).
   This comes before the follow-up form (an opener, or 那个/这个 inside the
   sentence; the questions step has already stripped leading fillers), because spoken Mandarin uses
   those words as fillers too: 俺那个保险这个月咋没扣上钱呢 reads as an example of 缴费扣款 (0.91) and
   is the call's first question, not a follow-up. Only a question neither key phrase nor example
   places is a follow-up by its form.
4. Otherwise the question is left to the clustering of nlp/topics.py (discovered topics beside
   the taxonomy).
The file is configuration, generic to any insurer: no company or product names.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from callintel.nlp.sentences import strip_punct
from callintel.settings import options

PHRASE, FOLLOW_UP, EXAMPLE = "phrase", "context", "example"


@dataclass(frozen=True)
class KnownTopic:
    slug: str
    name: str
    strong: tuple[str, ...]
    phrases: tuple[str, ...]
    examples: tuple[str, ...]
    family: str = ""   # topics of one family (e.g. purchase by product); the one whose slug is the family is general


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[KnownTopic, ...]
    other_slug: str
    other_name: str
    openers: tuple[str, ...]
    anaphora: tuple[str, ...]
    follow_up_max_chars: int

    @classmethod
    def load(cls, path: str | Path) -> Taxonomy:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"topic taxonomy not found: {path} (see [topics].taxonomy)") from exc
        topics = []
        for n, t in enumerate(data.get("topic", [])):
            if not t.get("slug") or not t.get("name"):
                raise ValueError(f"{path}: topic {n + 1} needs a slug and a name")
            topics.append(KnownTopic(t["slug"], t["name"], tuple(t.get("strong", ())), tuple(t.get("phrases", ())),
                                     tuple(t.get("examples", ())), t.get("family", "")))
        slugs = [t.slug for t in topics]
        if len(set(slugs)) != len(slugs):
            raise ValueError(f"{path}: topic slugs must be unique")
        ctx = data["context"]
        return cls(tuple(topics), data["other"]["slug"], data["other"]["name"], tuple(ctx["openers"]),
                   tuple(ctx["anaphora"]), int(ctx["max_chars"]))

    @cached_property
    def matcher(self) -> tuple[dict[str, list[str]], list[tuple[str, bool, tuple[str, ...]]], dict[str, list[int]]]:
        """(first character -> phrase parts starting with it, rules (slug, strong, parts), part -> rules using it),
        built once per taxonomy."""
        rules = [(t.slug, strong, tuple(p for p in phrase.split("+") if p))
                 for t in self.topics for strong, phrases in ((True, t.strong), (False, t.phrases))
                 for phrase in phrases]
        starts: dict[str, list[str]] = {}
        by_part: dict[str, list[int]] = {}
        for i, (_, _, ps) in enumerate(rules):
            for p in set(ps):
                by_part.setdefault(p, []).append(i)
        for p in sorted(by_part):
            starts.setdefault(p[0], []).append(p)
        return starts, rules, by_part

    def merged(self, families: Sequence[str]) -> Taxonomy:
        """The taxonomy with each named family folded into its general topic (phrases and examples pooled),
        for a service line that tracks, say, all purchase enquiries as one topic."""
        fold = set(families)
        if not fold:
            return self
        topics: list[KnownTopic] = []
        for t in self.topics:
            if t.family in fold and t.slug != t.family:
                continue
            if t.slug in fold:
                kin = [u for u in self.topics if u.family == t.slug]
                t = KnownTopic(t.slug, t.name, tuple(dict.fromkeys(p for u in kin for p in u.strong)),
                               tuple(dict.fromkeys(p for u in kin for p in u.phrases)),
                               tuple(dict.fromkeys(e for u in kin for e in u.examples)), "")
            topics.append(t)
        return Taxonomy(tuple(topics), self.other_slug, self.other_name, self.openers, self.anaphora,
                        self.follow_up_max_chars)

    @cached_property
    def family_of(self) -> dict[str, str]:
        return {t.slug: t.family for t in self.topics if t.family}

    def families(self) -> dict[str, str]:
        """slug -> family, for the topics that belong to one."""
        return dict(self.family_of)

    def examples(self) -> tuple[list[str], list[str]]:
        """(example texts, slug of each): what the example matcher embeds."""
        texts, slugs = [], []
        for t in self.topics:
            texts += list(t.examples)
            slugs += [t.slug] * len(t.examples)
        return texts, slugs


@dataclass(frozen=True)
class MatchOptions:
    """[topics.taxonomy_match] in configs/callintel.toml (every key documented there)."""

    strong_weight: float           # a strong phrase counts this many plain phrases
    example_threshold: float       # cosine to the nearest example question needed to match by example
    example_model_p: float         # ... or this probability of a model fitted on the examples (0 = off)
    example_model_c: float         # that model's inverse regularisation
    first_question_weight: float   # the first topical question of a call states why the customer called
    customer_text_weight: float    # phrase weight over all the customer's words, beside the questions
    agent_text_share: float        # the agent's words' phrases, this share of that, among topics the caller named
    statement_weight: float        # a customer turn without a question whose key phrases name a topic
    call_example_threshold: float  # a call with no topical question: its customer text to the nearest example
    prototype_k: int               # a tie of key phrases: top-k mean cosine to each tied topic's prototypes
    call_fills_left: bool          # a question no match nor cluster decided takes its call's main topic
    call_overrides_weak: bool      # a question weakly matched to another topic takes its call's main topic
    second_matter: list[str]       # a caller's words opening a second matter (还有个事, 另外): what came before votes

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> MatchOptions:
        return options(cls, section, "topics.taxonomy_match")


def phrase_scores(text: str, taxonomy: Taxonomy, strong_weight: float) -> dict[str, tuple[float, int]]:
    """slug -> (summed weight of the key phrases that fire, position of the first one); only topics that fire.

    One pass over the text finds every phrase part at every position (parts indexed by their first
    character), so the cost grows with the text, not with the size of the taxonomy.
    """
    starts, rules, by_part = taxonomy.matcher
    found: dict[str, int] = {}
    for i, ch in enumerate(text):
        for part in starts.get(ch, ()):
            if part not in found and text.startswith(part, i):
                found[part] = i
    if not found:
        return {}
    out: dict[str, tuple[float, int]] = {}
    for r in sorted({r for part in found for r in by_part[part]}):
        slug, strong, parts = rules[r]
        if all(p in found for p in parts):
            score, first = out.get(slug, (0.0, len(text)))
            out[slug] = (score + (strong_weight if strong else 1.0), min(first, max(found[p] for p in parts)))
    return out


def best_phrase(text: str, taxonomy: Taxonomy, strong_weight: float,
                meaning: Mapping[str, float] | None = None) -> tuple[str, float] | None:
    """The topic whose key phrases weigh most in `text`, with that weight; None if none fire.

    Ties go to the tied topic `meaning` (slug -> similarity) rates highest, else to the one said first. When the
    winner is a family's general topic (咨询购买) and a specific sibling also fires (医疗险), the sibling wins.
    """
    scores = phrase_scores(text, taxonomy, strong_weight)
    if not scores:
        return None
    return _decide(scores, taxonomy, meaning), max(w for w, _ in scores.values())


def is_tie(scores: Mapping[str, tuple[float, int]]) -> bool:
    """More than one topic at the top weight: the key phrases alone cannot say which topic is meant."""
    top = max(w for w, _ in scores.values())
    return sum(1 for w, _ in scores.values() if w == top) > 1


def _decide(scores: Mapping[str, tuple[float, int]], taxonomy: Taxonomy, meaning: Mapping[str, float] | None) -> str:
    top = max(w for w, _ in scores.values())
    tied = [s for s in scores if scores[s][0] == top]

    def rank(s: str) -> tuple:
        near = -meaning.get(s, -1.0) if meaning is not None else 0.0
        return (-scores[s][0], near, scores[s][1])

    slug = min(tied, key=rank)
    family = taxonomy.family_of
    if family.get(slug) == slug:  # a family's general topic: a specific sibling named in the same words wins
        siblings = [s for s in scores if s != slug and family.get(s) == slug]
        if siblings:
            return min(siblings, key=rank)
    return slug


def is_short(core: str, taxonomy: Taxonomy) -> bool:
    """Too short (without punctuation) to say a topic of its own: 那要等多久, 哪张卡."""
    return len(strip_punct(core)) <= taxonomy.follow_up_max_chars


def is_follow_up(core: str, taxonomy: Taxonomy) -> bool:
    """A question that leans on what came before: opens like a follow-up, points back, or is very short."""
    bare = strip_punct(core)
    return (is_short(core, taxonomy) or any(bare.startswith(o) for o in taxonomy.openers)
            or any(a in bare for a in taxonomy.anaphora))


def nearest_examples(X: np.ndarray, E: np.ndarray, example_slugs: Sequence[str]) -> tuple[list[str | None], np.ndarray]:
    """For unit rows X, the slug of the nearest example (unit rows E) and its cosine."""
    if len(X) == 0 or len(E) == 0:
        return [None] * len(X), np.zeros(len(X), dtype=np.float32)
    S = X @ E.T
    j = S.argmax(axis=1)
    return [example_slugs[i] for i in j], S[np.arange(len(X)), j]


def prototype_similarity(x: np.ndarray, P: np.ndarray, slugs: np.ndarray, wanted: Sequence[str],
                         k: int) -> dict[str, float]:
    """slug -> mean cosine of unit row x to its k nearest prototypes (rows of P labelled `slugs`), for `wanted`."""
    sims = P @ x if len(P) else np.zeros(0, dtype=np.float32)
    out: dict[str, float] = {}
    for slug in wanted:
        own = np.sort(sims[slugs == slug])[::-1][:k]
        if len(own):
            out[slug] = float(own.mean())
    return out


def example_model(X: np.ndarray, E: np.ndarray, example_slugs: Sequence[str],
                  c: float) -> tuple[list[str | None], np.ndarray]:
    """For unit rows X, the topic a logistic model fitted on the taxonomy's examples (rows of E, labelled
    `example_slugs`) gives most probability, and that probability. Why: the nearest example weighs one example of a
    topic; the model weighs what all of a topic's examples share against the others', so a question worded unlike
    any one example still lands where its topic's examples point (bench/bench_topic_phrases.py). Fitted on the
    taxonomy in use, so an analyst's file needs no training of its own; none below two topics with examples."""
    if len(X) == 0 or len(set(example_slugs)) < 2:
        return [None] * len(X), np.zeros(len(X))
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=3000).fit(E, list(example_slugs))
    prob = model.predict_proba(X)
    return [str(model.classes_[j]) for j in prob.argmax(axis=1)], prob.max(axis=1)


def match_questions(cores: Sequence[str], X: np.ndarray, taxonomy: Taxonomy, E: np.ndarray,
                    example_slugs: Sequence[str], opts: MatchOptions) -> list[tuple[str | None, str | None, float]]:
    """(slug or None, method or None, score) per question core, by the order of the module docstring.

    method "context" (slug None) marks a follow-up to inherit; (None, None, 0) is left to clustering. Key phrases
    are read for every question first: those one topic wins alone are prototypes of it (beside the examples)
    for the ties, which are decided after.
    """
    near, sims = nearest_examples(X, E, example_slugs)
    scores = [phrase_scores(core, taxonomy, opts.strong_weight) for core in cores]
    unmatched = [i for i, sc in enumerate(scores) if not sc]   # the model is asked only where no phrase decides
    model_slug, model_p = [None] * len(cores), np.zeros(len(cores))
    if opts.example_model_p > 0 and unmatched:
        got, p = example_model(X[unmatched], E, example_slugs, opts.example_model_c)
        for k, i in enumerate(unmatched):
            model_slug[i], model_p[i] = got[k], float(p[k])
    alone = [i for i, sc in enumerate(scores) if sc and not is_tie(sc)]
    P = np.vstack([X[alone], E]) if len(E) else X[alone]
    labels = np.asarray([_decide(scores[i], taxonomy, None) for i in alone] + list(example_slugs))
    out: list[tuple[str | None, str | None, float]] = []
    for i, core in enumerate(cores):
        sc = scores[i]
        if sc:
            meaning = prototype_similarity(X[i], P, labels, list(sc), opts.prototype_k) if is_tie(sc) else None
            out.append((_decide(sc, taxonomy, meaning), PHRASE, max(w for w, _ in sc.values())))
        elif is_short(core, taxonomy):
            out.append((None, FOLLOW_UP, 0.0))
        elif near[i] is not None and sims[i] >= opts.example_threshold:
            out.append((near[i], EXAMPLE, float(sims[i])))
        elif model_slug[i] is not None and model_p[i] >= opts.example_model_p:
            out.append((model_slug[i], EXAMPLE, float(sims[i])))
        elif is_follow_up(core, taxonomy):
            out.append((None, FOLLOW_UP, 0.0))
        else:
            out.append((None, None, 0.0))
    return out


def load_taxonomy(settings) -> Taxonomy:
    """[topics].taxonomy_file (an analyst's taxonomy, e.g. edited from `callintel topics suggest`) when set, else
    [topics].taxonomy, with the families of [topics.taxonomy_match].merge_families folded into one topic each."""
    cfg = settings["topics"]
    return Taxonomy.load(settings.config_file(cfg["taxonomy_file"] or cfg["taxonomy"])).merged(
        cfg["taxonomy_match"]["merge_families"])


# --- the taxonomy match (run first by the topics step, nlp/topic_step.py): the night's questions in, known topics out

@dataclass(frozen=True)
class TaxonomyInputs:
    night: date
    questions: list[tuple[str, str, str]]   # (question_id, core, text_key(core))
    vectors: dict[str, np.ndarray]          # cached embeddings of the cores and of the taxonomy's examples


@dataclass(frozen=True)
class KnownTopicRow:
    """A taxonomy topic (or "other") as a row of `topics`; its id is the warehouse's to give."""

    slug: str
    name: str
    source: str               # taxonomy / other
    centroid: np.ndarray      # unit mean of its example questions (zeros for "other")
    representative: str


@dataclass(frozen=True)
class Match:
    question_id: str
    slug: str | None
    method: str | None        # phrase / example / context (a follow-up) / None (left to clustering)
    score: float


@dataclass
class TaxonomyResult:
    night: date
    new_vectors: dict[str, np.ndarray]
    known: list[KnownTopicRow]
    matches: list[Match]


def compute(inputs: TaxonomyInputs, settings) -> TaxonomyResult:
    """Match each question by key phrase, mark short ones follow-ups, else the nearest example, else mark follow-ups by
    their form (see the module docstring)."""
    from callintel.nlp.cluster import unit
    from callintel.nlp.embed import embed_missing, text_key

    taxonomy = load_taxonomy(settings)
    opts = MatchOptions.from_settings(settings["topics"]["taxonomy_match"])
    ex_texts, ex_slugs = taxonomy.examples()
    wanted = {text_key(e): e for e in ex_texts} | {k: core for _, core, k in inputs.questions}
    new = embed_missing(wanted, inputs.vectors, settings)
    vectors = inputs.vectors | new
    E = np.stack([vectors[text_key(e)] for e in ex_texts]) if ex_texts else np.zeros((0, 0), dtype=np.float32)
    X = (np.stack([vectors[k] for _, _, k in inputs.questions]) if inputs.questions
         else np.zeros((0, E.shape[1] if len(E) else 0), dtype=np.float32))
    matches = match_questions([core for _, core, _ in inputs.questions], X, taxonomy, E, ex_slugs, opts)
    dim = E.shape[1] if len(E) else 1
    known = []
    for t in taxonomy.topics:
        own = [i for i, s in enumerate(ex_slugs) if s == t.slug]
        centroid = unit(E[own].mean(axis=0)) if own else np.zeros(dim, dtype=np.float32)
        known.append(KnownTopicRow(t.slug, t.name, "taxonomy", centroid, t.examples[0] if t.examples else t.name))
    known.append(KnownTopicRow(taxonomy.other_slug, taxonomy.other_name, "other", np.zeros(dim, dtype=np.float32),
                               taxonomy.other_name))
    return TaxonomyResult(inputs.night, new, known,
                          [Match(q[0], slug, method, score) for q, (slug, method, score)
                           in zip(inputs.questions, matches, strict=True)])
