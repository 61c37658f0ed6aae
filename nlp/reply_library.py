"""The script library's rules (优秀话术): near-duplicate merging and ranking (a reply's library score is SQL,
warehouse/replies.py score_by_outcome, since every stored row is rescored by its call's outcome now).

Pure: rows in, placements out; warehouse/replies.py reads the replies that worked from DuckDB and writes the
placements back. Near-identical replies (the same script said again with small edits) within a topic and
objection type become one script group, led by its best-scored reply; the best `per_group` groups of each
(topic, objection) get a library rank.

Merging is greedy in score order (a reply joins the first earlier group whose leader is near-identical), as a QA
lead would read down the list. Finding that group is indexed: each leader's character bigrams are posted in an
inverted index, so a reply is compared only with leaders it shares bigrams with, and the Jaccard comes from the
shared count (|A & B| / (|A| + |B| - |A & B|)) without building a set union. The result is the same as comparing
with every leader in order; the cost grows with the overlapping leaders, not with the whole bucket.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LibraryReply:
    """One reply that worked, as the library ranks it (rows arrive best score first)."""

    key: tuple[str, int]  # (call_id, question_turn): the row's natural key
    group_key: str        # call_id:reply_turn, the group's name when this reply leads it
    bucket: tuple[str, str]  # (topic, objection type); '' for none
    reply: str


@dataclass(frozen=True)
class Placement:
    """Where a reply landed: its group, how many replies the group holds, and the group's rank (leader only)."""

    key: tuple[str, int]
    script_group: str
    similar_replies: int
    library_rank: int | None


def bigrams(text: str) -> frozenset[str]:
    """Character bigrams (the text itself when shorter than two characters)."""
    return frozenset(text[i:i + 2] for i in range(len(text) - 1)) or frozenset((text,))


def similarity(a: str, b: str) -> float:
    """Character-bigram Jaccard: near-identical scripts (same words, small edits) score near 1."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x | y else 1.0


@dataclass
class _Bucket:
    """The groups of one (topic, objection): leaders' bigram sets, an inverted index over them, and members."""

    leaders: list[frozenset[str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    members: list[list[tuple[str, int]]] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def home(self, grams: frozenset[str], merge_at: float) -> int | None:
        """The first group whose leader is at least `merge_at` similar, or None."""
        shared: Counter[int] = Counter()
        for g in grams:
            shared.update(self.postings.get(g, ()))
        n = len(grams)
        for gid in sorted(shared):
            c = shared[gid]
            if c / (n + len(self.leaders[gid]) - c) >= merge_at:
                return gid
        return None

    def add(self, grams: frozenset[str], name: str, key: tuple[str, int]) -> None:
        gid = len(self.leaders)
        self.leaders.append(grams)
        self.names.append(name)
        self.members.append([key])
        for g in grams:
            self.postings[g].append(gid)


def merge_and_rank(replies: Sequence[LibraryReply], per_group: int, merge_at: float) -> list[Placement]:
    """Merge near-identical replies per bucket and rank each bucket's groups; `replies` come best first.

    A `merge_at` above 1 merges nothing; at or below 0 every reply of a bucket joins its first group.
    """
    buckets: dict[tuple[str, str], _Bucket] = {}
    for r in replies:
        b = buckets.setdefault(r.bucket, _Bucket())
        grams = bigrams(r.reply)
        gid = b.home(grams, merge_at) if merge_at > 0 else (0 if b.leaders else None)
        if gid is None:
            b.add(grams, r.group_key, r.key)
        else:
            b.members[gid].append(r.key)
    out = []
    for b in buckets.values():
        for rank, (name, members) in enumerate(zip(b.names, b.members, strict=True), start=1):
            for j, key in enumerate(members):
                out.append(Placement(key, name, len(members), rank if j == 0 and rank <= per_group else None))
    return out
