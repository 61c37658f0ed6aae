"""Topic identity across nights: re-cluster a window of nights, keep ids by frozen centroids.

The rules (each a setting in [topics] of configs/callintel.toml):
1. Pool. Each night clusters its questions together with all questions of the previous
   `pool_nights` nights (nlp/cluster.py), so a night's topics are judged with the evidence of the
   whole window, not a fifth of it; earlier nights' questions are revised (moved, or left without
   topic) when the larger pool says so, and only inside the window: older questions are frozen.
2. Keep. A pool cluster keeps the existing topic whose frozen centroid is nearest to its own
   centroid when that is within `absorb_threshold` (method "absorbed"). Matching is one-to-one,
   closest pair first: two clusters never share an id in one night, so topics never merge
   silently; the cluster that loses a contest opens a new topic and the split is logged.
   A topic that no cluster is near keeps its id and past rows and may be matched again later
   (even after the window has passed it).
3. Frozen meaning. A topic's centroid is fixed when it is created (the mean of its first
   members) and never moves; a member of a keeping cluster farther than `assign_threshold` from
   it is left without topic, so topic 42 means tomorrow what it meant the day it was made.
4. Discover. Every other cluster (size floor and noise rules of nlp/cluster.py) is a new topic,
   named by its c-TF-IDF keywords under the naming rule of nlp/labels.py (`topic_name`), ids
   handed out largest first after the highest id so far.
5. Reruns. The plan depends only on the pool's questions and the topics created before the
   night, never on earlier assignments, so undoing a night and running it again (later nights
   are redone after it, see warehouse/topics.py prepare) writes the same rows and ids.
6. Novel calls. The questions of calls the taxonomy explains only weakly (nlp/novelty.py; tonight's,
   and the earlier nights' ones, judged again as on their night) are clustered by rules 2-4 as one item per call
   (`plan_calls`: the call's customer and agent text, centred on the window's calls), against the novel
   topics only; every question takes its call's topic, a call no other call joins gets "other".
Arrays and token lists in, plans out: storage is warehouse/topics.py, order is flows/steps.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from sklearn.cluster import MiniBatchKMeans

from callintel.nlp.cluster import ClusterOptions, centroids, cluster, unit
from callintel.nlp.labels import NAME_MIN_CHARS, UNNAMED, ctfidf_keywords, medoid, topic_name
from callintel.nlp.novelty import NOVEL, NoveltyOptions, call_of, position, reference_sample
from callintel.settings import options

log = logging.getLogger(__name__)


# names a new topic from its keywords, its representative question and its members' texts (nlp/labels.topic_name)
Namer = Callable[[Sequence[tuple[str, float]], str, Sequence[str]], str]


@dataclass(frozen=True)
class TopicOptions:
    assign_threshold: float
    absorb_threshold: float
    pool_nights: int
    label_terms: int
    keep_unnamed: bool        # a cluster no keyword can name stays a topic (else its questions take their call's)
    brute_force_topics: int   # above this many topics, nearest-centroid search uses an IVF index
    ivf_probe: int
    cluster: ClusterOptions

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> TopicOptions:
        return options(cls, section, "topics", cluster=ClusterOptions.from_settings(section["cluster"]))


class CentroidIndex:
    """Nearest topic centroid by cosine: exact below `brute_force_topics`, else an inverted file
    (k-means lists over the centroids, `probe` nearest lists searched), so assigning a 200k-question
    night against a long history stays O(N * sqrt(T))."""

    def __init__(self, C: np.ndarray, brute_force: int = 20000, probe: int = 8, seed: int = 0):
        self.C = np.ascontiguousarray(C, dtype=np.float32)
        self.lists: list[np.ndarray] | None = None
        if len(self.C) > brute_force:
            nlist = int(np.sqrt(len(self.C)))
            km = MiniBatchKMeans(n_clusters=nlist, random_state=seed, n_init=1, batch_size=4096).fit(self.C)
            self.coarse = unit(km.cluster_centers_.astype(np.float32))
            lab = km.labels_
            self.lists = [np.where(lab == j)[0] for j in range(nlist)]
            self.probe = min(probe, nlist)

    def nearest(self, X: np.ndarray, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
        """(index of the nearest centroid or -1 when there are none, its cosine similarity)."""
        idx = np.full(len(X), -1, dtype=np.int64)
        sim = np.full(len(X), -1.0, dtype=np.float32)
        if len(self.C) == 0 or len(X) == 0:
            return idx, sim
        for s in range(0, len(X), chunk):
            xb = X[s:s + chunk]
            if self.lists is None:
                S = xb @ self.C.T
                j = S.argmax(axis=1)
                idx[s:s + len(xb)], sim[s:s + len(xb)] = j, S[np.arange(len(xb)), j]
                continue
            probes = np.argsort(-(xb @ self.coarse.T), axis=1)[:, : self.probe]
            for r, row in enumerate(probes):
                cand = np.concatenate([self.lists[p] for p in row])
                if len(cand) == 0:
                    continue
                sc = self.C[cand] @ xb[r]
                b = int(sc.argmax())
                idx[s + r], sim[s + r] = cand[b], sc[b]
        return idx, sim


@dataclass
class Plan:
    """What a pool becomes: each pool item's topic (existing position or new topic), per rule 2-4."""

    existing: dict[int, tuple[int, float]] = field(default_factory=dict)  # pool item -> (topic position, sim)
    new_topics: list[NewTopic] = field(default_factory=list)
    kept: dict[int, int] = field(default_factory=dict)       # topic position -> pool cluster that keeps it
    contested: list[tuple[int, int]] = field(default_factory=list)  # (cluster, topic position it lost to a closer one)
    outside: int = 0           # members of a kept cluster too far from the topic's centroid (left without topic)


@dataclass
class NewTopic:
    members: np.ndarray        # pool item indices
    similarity: np.ndarray     # each member's cosine to the centroid
    centroid: np.ndarray
    medoid: int                # pool item index of the representative question
    keywords: list[tuple[str, float]]
    label: str
    near: int = -1             # existing topic position it lost in a contest (a split, logged), else -1


def plan_pool(X: np.ndarray, keys: Sequence[str], tokens: Sequence[Sequence[str]], index: CentroidIndex,
              opts: TopicOptions, texts: Sequence[str],
              namer: Namer | None = None) -> Plan:
    """Cluster the whole pool, then give each cluster an id (rules 2-4).

    A cluster keeps the existing topic whose frozen centroid is nearest to its own centroid when
    that is within `absorb_threshold`; contests are one-to-one, the closest cluster wins, so two
    clusters never share an id in one night and a topic never silently merges with another. The
    loser of a contest (a split) and every cluster near no topic open new topics, largest first.
    A member of a kept cluster farther than `assign_threshold` from the topic centroid is left
    without topic rather than stretching the topic's meaning. The plan depends only on the pool's
    questions and the existing topics, never on earlier assignments, so a rerun gives the same plan.
    `namer(keywords, representative, members' texts)` names a new topic (default: `topic_name` with every keyword
    a noun).
    """
    name = namer or (lambda kw, rep, said: topic_name(kw, rep, lambda w: "n", said=said))
    out = Plan()
    if len(X) == 0:
        return out
    labels = cluster(X, opts.cluster, keys)
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    if k == 0:
        return out
    cen = centroids(X, labels, k)
    j, s = index.nearest(cen)
    owner = np.full(k, -1, dtype=np.int64)
    near = np.full(k, -1, dtype=np.int64)
    taken: set[int] = set()
    for c in np.argsort(-s, kind="stable"):
        if j[c] < 0 or 1.0 - s[c] > opts.absorb_threshold:
            continue
        if int(j[c]) in taken:
            near[c] = j[c]
            out.contested.append((int(c), int(j[c])))
            continue
        owner[c] = j[c]
        taken.add(int(j[c]))
        out.kept[int(j[c])] = int(c)
    fresh: list[int] = []
    for c in range(k):
        members = np.where(labels == c)[0]
        if owner[c] < 0:
            fresh.append(c)
            continue
        sims = X[members] @ index.C[owner[c]]
        ok = 1.0 - sims <= opts.assign_threshold
        out.outside += int((~ok).sum())
        for m, sim in zip(members[ok], sims[ok], strict=True):
            out.existing[int(m)] = (int(owner[c]), float(sim))
    if not fresh:
        return out
    groups = [np.where(labels == c)[0] for c in fresh]
    background = [tokens[i] for i in np.where(labels < 0)[0]]
    keywords = ctfidf_keywords([[tokens[i] for i in m] for m in groups], opts.label_terms, background,
                                NAME_MIN_CHARS)
    for c, members, kw in zip(fresh, groups, keywords, strict=True):
        med = int(members[medoid(X[members])])
        out.new_topics.append(NewTopic(members, X[members] @ cen[c], cen[c], med, kw,
                                       name(kw, texts[med], [texts[int(i)] for i in members]), int(near[c])))
    return out


# --- clustering a night's pool (called by nlp/topic_step.py after the taxonomy match): pool in, topic rows out ---

@dataclass(frozen=True)
class PoolQuestion:
    """A question of the night or of the `pool_nights` before it, with its current topic (if any)."""

    question_id: str
    text: str
    core: str
    key: str                    # text_key(core): the embedding cache key
    night: date
    topic_id: int | None
    similarity: float | None
    method: str | None = None   # its question_topics method ("novel": a question of a call clustered as a whole)


@dataclass
class TopicInputs:
    """What the clustering gets for one night (nlp/topic_step.py builds it from warehouse/topics.py load_night)."""

    night: date
    pool: list[PoolQuestion]
    vectors: dict[str, np.ndarray]   # cached embeddings of the pool's keys (model = [topics].model)
    topic_ids: np.ndarray            # existing topics of that model, in id order ...
    centroids: np.ndarray            # ... and their frozen centroids
    next_topic_id: int
    novel: set[str] = field(default_factory=set)          # the window's questions of novel calls (nlp/novelty.py)
    novel_topic_ids: set[int] = field(default_factory=set)  # topics made of novel calls: the ones they may keep
    other_id: int | None = None      # "other": a novel call no other call shares a matter with (yet)
    call_texts: dict[str, str] = field(default_factory=dict)  # call_id -> customer text, every call of the window
    agent_texts: dict[str, str] = field(default_factory=dict)  # call_id -> agent text (novel calls' grouping)


@dataclass(frozen=True)
class TopicRow:
    """A new row of `topics`."""

    topic_id: int
    label: str
    keywords: list[tuple[str, float]]
    representative: str
    representative_question_id: str
    created_night: date
    initial_size: int
    model: str
    centroid: np.ndarray


@dataclass(frozen=True)
class Assignment:
    """A row of `question_topics`."""

    question_id: str
    topic_id: int
    similarity: float
    method: str                # absorbed / discovered / novel
    assigned_night: date


@dataclass
class TopicResult:
    night: date
    new_vectors: dict[str, np.ndarray]
    topics: list[TopicRow]
    assignments: list[Assignment]   # only the ones that changed
    dropped: list[str]              # questions that lose their topic (noise in the larger pool)
    summary: dict[str, Any]


@dataclass
class Made:
    """A topic created tonight, its members as pool positions (questions or a novel call's questions)."""

    label: str
    keywords: list[tuple[str, float]]
    centroid: np.ndarray
    members: list[int]
    similarity: np.ndarray     # each member's cosine to the centroid (a call's questions: the call's)
    representative: int
    near: int                  # topic id it split from, else -1
    method: str


@dataclass
class CallPlan:
    """Novel calls clustered as whole calls: pool positions kept by an existing topic, new topics, the rest."""

    existing: dict[int, tuple[int, float]] = field(default_factory=dict)   # pool position -> (topic id, sim)
    new_topics: list[Made] = field(default_factory=list)
    alone: list[int] = field(default_factory=list)    # questions of novel calls no cluster took
    calls: int = 0


def call_vector(customer: np.ndarray, agent: np.ndarray | None, agent_weight: float) -> np.ndarray:
    """A novel call's vector: its customer text's plus `agent_weight` times its agent text's (each embedded alone),
    made unit length again.

    Why: callers tell their own story (who, where, what happened to them) in the words of any insurance call, while
    the agent answers in the words of the business process the call is about (报案, 定损, 退保, 批改); given the true
    novel calls of the read sets, grouping by the sum, centred on the window's calls, beat the customer text alone on
    six of nine held-out groupings, tied one and lost two (bench/bench_topic_novelty.py grouping,
    configs/callintel.toml [topics.novelty] agent_weight). Unit length, as every call vector and stored centroid is:
    a sum is longer than one text's vector, and centring mixed lengths would draw the calls without agent text
    together (a stereo call whose agent channel was silent, a customer-only transcript: those are their customer
    text) and move a stored centroid off its own calls.
    """
    if agent is None or agent_weight <= 0:
        return customer
    return unit(np.asarray(customer, dtype=np.float32) + agent_weight * np.asarray(agent, dtype=np.float32))


def plan_calls(pool: Sequence[PoolQuestion], grouped: Sequence[int], words: Mapping[str, Sequence[str]],
               background: Sequence[Sequence[str]], call_vectors: Mapping[str, np.ndarray], centre: np.ndarray,
               inputs: TopicInputs, opts: TopicOptions, nopts: NoveltyOptions,
               namer: Namer) -> CallPlan:
    """Cluster novel calls as one item each by the rules of `plan_pool`, in the space of call vectors centred on
    `centre`, against the novel topics only (a call the taxonomy explains weakly is not kept by a taxonomy topic);
    every question of a call takes its call's topic, the call's first question represents it. `call_vectors` maps
    call_id -> raw (uncentred, unit) vector (`call_vector`: its customer and agent text); the stored centroid is raw
    too (unit mean).
    A new topic is named by c-TF-IDF over its calls' customer words (`words`) against the window's calls
    (`background`): what these callers said that the night's other callers did not."""
    out = CallPlan()
    members: dict[str, list[int]] = {}
    for i in grouped:
        members.setdefault(call_of(pool[i].question_id), []).append(i)
    calls = [c for c in sorted(members) if c in call_vectors]
    out.alone = [m for c in sorted(members) if c not in call_vectors for m in members[c]]
    if not calls:
        return out
    out.calls = len(calls)
    raw = np.stack([call_vectors[c] for c in calls]).astype(np.float32)
    Xc = unit(raw - centre)
    keep = np.asarray([int(t) in inputs.novel_topic_ids for t in inputs.topic_ids], dtype=bool)
    ids = inputs.topic_ids[keep] if keep.any() else np.zeros(0, dtype=np.int64)
    C = unit(inputs.centroids[keep] - centre) if keep.any() else np.zeros((0, Xc.shape[1]), dtype=np.float32)
    index = CentroidIndex(C, opts.brute_force_topics, opts.ivf_probe, opts.cluster.seed)
    t = nopts.call_threshold
    copts = replace(opts, absorb_threshold=nopts.call_absorb, assign_threshold=t,
                    cluster=replace(opts.cluster, small_threshold=t, distance_threshold=t))
    toks = [list(words.get(c, ())) for c in calls]
    firsts = [min(members[c], key=lambda i: position(pool[i].question_id)) for c in calls]
    plan = plan_pool(Xc, calls, toks, index, copts, [pool[i].text for i in firsts], namer)
    if plan.new_topics:
        # keywords of two or more characters: a call's whole text is full of one-character verbs (说, 去, 买, 报)
        # that filled the top label_terms and left a real group of calls 未命名话题 (bench_topic_novelty.py oracle)
        kws = ctfidf_keywords([[toks[int(i)] for i in nt.members] for nt in plan.new_topics], opts.label_terms,
                              background, NAME_MIN_CHARS)
        for nt, kw in zip(plan.new_topics, kws, strict=True):
            said = [inputs.call_texts.get(calls[int(i)], pool[firsts[int(i)]].text) for i in nt.members]
            nt.keywords, nt.label = kw, namer(kw, pool[firsts[nt.medoid]].text, said)
    taken = set()
    for item, (j, sim) in plan.existing.items():
        taken.add(item)
        out.existing.update({m: (int(ids[j]), sim) for m in members[calls[item]]})
    for nt in plan.new_topics:
        items = [int(i) for i in nt.members]
        taken.update(items)
        pos = [m for i in items for m in members[calls[i]]]
        sims = np.concatenate([[sim] * len(members[calls[i]]) for i, sim in zip(items, nt.similarity, strict=True)])
        out.new_topics.append(Made(nt.label, nt.keywords, unit(raw[items].mean(axis=0)), pos, sims,
                                   firsts[nt.medoid], int(ids[nt.near]) if nt.near >= 0 else -1, NOVEL))
    rest = [item for item in range(len(calls)) if item not in taken]
    j, sim = index.nearest(Xc[rest]) if rest else (np.zeros(0, dtype=np.int64), np.zeros(0))
    for item, jj, ss in zip(rest, j, sim, strict=True):   # a call alone joins a novel topic it is near
        if jj >= 0 and 1.0 - ss <= nopts.call_absorb:
            out.existing.update({m: (int(ids[jj]), float(ss)) for m in members[calls[item]]})
        else:
            out.alone += members[calls[item]]
    return out


def compute(inputs: TopicInputs, settings) -> TopicResult:
    """Embed what the cache lacks, re-cluster the pool, keep or hand out ids (rules 1-5 above).

    A night without questions of its own changes nothing, not even earlier nights' topics.
    """
    from callintel.nlp.embed import embed_missing, text_key
    from callintel.nlp.sentences import dedupe_key
    from callintel.nlp.tokenize import tokenizer_from_settings

    cfg = settings["topics"]
    opts = TopicOptions.from_settings(cfg)
    night, pool = inputs.night, inputs.pool
    new_vectors = embed_missing({q.key: q.core for q in pool}, inputs.vectors, settings)
    tonight = sum(1 for q in pool if q.night == night)
    summary: dict[str, Any] = {"questions": tonight, "embedded": len(new_vectors), "pool": len(pool),
                               "absorbed": 0, "discovered": 0, "new_topics": 0, "kept_topics": 0,
                               "split_topics": 0, "moved": 0, "dropped": 0, "outside_centroid": 0,
                               "unassigned": 0}
    if not tonight:
        return TopicResult(night, new_vectors, [], [], [], summary)
    vectors = inputs.vectors | new_vectors
    tok = tokenizer_from_settings(settings)
    terms = frozenset(tok.terms)
    def namer(kw: Sequence[tuple[str, float]], rep: str, said: Sequence[str] = ()) -> str:
        return topic_name(kw, rep, tok.flag, terms, said=said)

    grouped = [i for i, q in enumerate(pool) if q.question_id in inputs.novel]
    in_call = set(grouped)
    single = [i for i in range(len(pool)) if i not in in_call]
    X = np.stack([vectors[q.key] for q in pool]).astype(np.float32)
    index = CentroidIndex(inputs.centroids, opts.brute_force_topics, opts.ivf_probe, opts.cluster.seed)
    plan = plan_pool(X[single], [dedupe_key(pool[i].core) for i in single], [tok.tokens(pool[i].core) for i in single],
                     index, opts, [pool[i].text for i in single], namer)
    target = {single[m]: (int(inputs.topic_ids[j]), s, "absorbed") for m, (j, s) in plan.existing.items()}
    topics: list[TopicRow] = []
    made = [Made(t.label, t.keywords, t.centroid, [single[int(m)] for m in t.members], t.similarity,
                 single[t.medoid], int(inputs.topic_ids[t.near]) if t.near >= 0 else -1, "discovered")
            for t in plan.new_topics]
    calls, call_vectors = CallPlan(), {}
    if grouped:   # novel calls: customer and agent text, centred on the window's calls (embedded only when needed)
        nopts = NoveltyOptions.from_settings(cfg["novelty"])
        sample = reference_sample(sorted(inputs.call_texts), nopts.reference_calls)
        wanted = set(sample) | {call_of(pool[i].question_id) for i in grouped}
        texts = {c: inputs.call_texts[c] for c in sorted(wanted) if c in inputs.call_texts}
        agent = {c: inputs.agent_texts[c] for c in texts if inputs.agent_texts.get(c) and nopts.agent_weight > 0}
        new_vectors |= embed_missing({text_key(t): t for t in (*texts.values(), *agent.values())}, vectors, settings)
        vectors |= new_vectors
        call_vectors = {c: call_vector(vectors[text_key(t)], vectors[text_key(agent[c])] if c in agent else None,
                                       nopts.agent_weight) for c, t in texts.items()}
        centre = (np.mean(np.stack([call_vectors[c] for c in sample]), axis=0) if sample
                  else np.zeros(X.shape[1])).astype(np.float32)
        words = {c: tok.tokens(t) for c, t in texts.items()}
        calls = plan_calls(pool, grouped, words, [words[c] for c in sample if c in words], call_vectors, centre,
                           inputs, opts, nopts, namer)
    target.update({m: (tid, s, NOVEL) for m, (tid, s) in calls.existing.items()})
    if inputs.other_id is not None:
        target.update({m: (inputs.other_id, 0.0, NOVEL) for m in calls.alone})
    made += calls.new_topics
    if not opts.keep_unnamed:   # members that share no noun share a way of asking, not a subject
        made = [t for t in made if t.label != UNNAMED]
    for n, t in enumerate(made):
        tid = inputs.next_topic_id + n
        target.update({m: (tid, float(s), t.method) for m, s in zip(t.members, t.similarity, strict=True)})
        rep = pool[t.representative]
        topics.append(TopicRow(tid, t.label, t.keywords, rep.text, rep.question_id, night, len(t.members),
                               cfg["model"], t.centroid))
        if t.near >= 0:
            log.info("topics %s: new topic %d split from topic %d (its centroid is nearer another cluster)",
                     night, tid, t.near)
    # only what changed: earlier questions keep their row (and its night) when their topic did not move
    assignments = [Assignment(pool[m].question_id, tid, sim, method, night)
                   for m, (tid, sim, method) in sorted(target.items()) if pool[m].topic_id != tid]
    dropped = [q.question_id for i, q in enumerate(pool) if i not in target and q.topic_id is not None]
    earlier = {q.question_id for q in pool if q.night != night and q.topic_id is not None}
    summary |= {"absorbed": sum(1 for v in target.values() if v[2] == "absorbed"),
                "discovered": sum(1 for v in target.values() if v[2] == "discovered"),
                "novel": sum(1 for v in target.values() if v[2] == NOVEL), "novel_calls": calls.calls,
                "new_topics": len(topics), "kept_topics": len(plan.kept), "split_topics": len(plan.contested),
                "moved": sum(1 for a in assignments if a.question_id in earlier), "dropped": len(dropped),
                "outside_centroid": plan.outside, "unassigned": len(pool) - len(target)}
    return TopicResult(night, new_vectors, topics, assignments, dropped, summary)
