"""The script library's rules (nlp/reply_library.py): the indexed near-duplicate merge places every reply exactly as
comparing it with each earlier group leader in turn would, ranks groups per topic and objection, and the library
score adds the call's resolution."""

from __future__ import annotations

import random

from callintel.nlp.reply_library import LibraryReply, merge_and_rank, similarity


def _reference(replies: list[LibraryReply], per_group: int, merge_at: float) -> dict:
    """The plain rule: in score order, join the first group whose leader is at least merge_at similar."""
    buckets: dict = {}
    for r in replies:
        groups = buckets.setdefault(r.bucket, [])
        home = next((g for g in groups if similarity(g[0], r.reply) >= merge_at), None)
        if home is None:
            groups.append([r.reply, r.group_key, [r.key]])
        else:
            home[2].append(r.key)
    out = {}
    for groups in buckets.values():
        for rank, (_, name, members) in enumerate(groups, start=1):
            for j, key in enumerate(members):
                out[key] = (name, len(members), rank if j == 0 and rank <= per_group else None)
    return out


def _replies(n: int, seed: int) -> list[LibraryReply]:
    """Replies built from a few scripts with small edits (near-duplicates), over a few topics and objections."""
    rng = random.Random(seed)
    scripts = ["您好，犹豫期内退保可以全额退还保费，三到五个工作日到账。",
               "理赔材料需要身份证、病历、发票和费用清单，在APP上传就可以。",
               "保单有六十天的宽限期，宽限期内保障不受影响。", "好", ""]
    out = []
    for i in range(n):
        text = list(rng.choice(scripts))
        for _ in range(rng.randint(0, 4)):  # small edits
            if text:
                text[rng.randrange(len(text))] = rng.choice("的了吗呢一二三")
        out.append(LibraryReply((f"C{i // 3}", i % 3), f"C{i // 3}:{i % 3 + 1}",
                                (rng.choice(["1", "2", ""]), rng.choice(["", "价格太贵"])), "".join(text)))
    return out


def test_indexed_merge_places_every_reply_as_the_plain_rule_does():
    for seed in range(3):
        replies = _replies(400, seed)
        for merge_at in (0.0, 0.5, 0.8, 1.0, 1.01):
            placed = {p.key: (p.script_group, p.similar_replies, p.library_rank)
                      for p in merge_and_rank(replies, 3, merge_at)}
            assert placed == _reference(replies, 3, merge_at), (seed, merge_at)


def test_near_duplicates_merge_and_each_bucket_ranks_its_own_groups():
    a = "您可以在公众号上在线申请，上传身份证和结婚证，三个工作日内审核完成。"
    replies = [LibraryReply(("C1", 1), "C1:2", ("7", ""), a),
               LibraryReply(("C2", 1), "C2:2", ("7", ""), a.replace("三个", "两个")),
               LibraryReply(("C3", 1), "C3:2", ("7", ""), "退款三到五个工作日原路退回。"),
               LibraryReply(("C4", 1), "C4:2", ("8", ""), a)]
    placed = {p.key: p for p in merge_and_rank(replies, 1, 0.8)}
    assert placed[("C2", 1)].script_group == "C1:2" and placed[("C1", 1)].similar_replies == 2
    assert placed[("C1", 1)].library_rank == 1 and placed[("C2", 1)].library_rank is None
    assert placed[("C3", 1)].library_rank is None  # second group of its bucket, per_group 1
    assert placed[("C4", 1)].script_group == "C4:2" and placed[("C4", 1)].library_rank == 1  # another topic


def test_objections_are_typed_by_what_the_caller_objects_to():
    """A phrase negated (不算太贵) or inside a polite request (麻烦你) objects to nothing; a question about a channel
    (能在网上买吗) is a question, not 网上更便宜."""
    from callintel.nlp.replies import call_cues_from_settings, objection_type
    from callintel.settings import load_settings

    cues = call_cues_from_settings(load_settings())
    assert objection_type("六千啊，价格有点太贵了。", cues) == "价格太贵"
    assert objection_type("一千二，倒也不算太贵。", cues) is None
    assert objection_type("那就这样，麻烦你了。", cues) is None
    assert objection_type("那怎么买，能在网上买吗？", cues) is None
    assert objection_type("这么麻烦啊，那我再想想。", cues) == "再考虑一下"
