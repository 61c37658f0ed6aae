"""The closed classes the text rules share (callintel/mandarin.py): what ends a clause, what may stand between a
subject and its verb."""

from __future__ import annotations

import re

from callintel.mandarin import clause_end, linking_adverb


def test_a_clause_ends_after_one_closing_particle_at_most():
    end = re.compile("妈妈" + clause_end())
    assert all(end.search(t) for t in ("我是他妈妈。", "我是他妈妈吧，", "我是他妈妈啊", "我是他妈妈 他说"))
    assert not any(end.search(t) for t in ("我是他妈妈的朋友", "我是他妈妈吗？", "我是他妈妈吧啊。", "我是他妈妈了"))
    assert re.search("没要" + clause_end(also="的"), "孩子都没要的。")
    assert not re.search("没要" + clause_end(), "孩子都没要的。")


def test_a_linking_adverb_is_optional_and_one():
    be = re.compile(f"我{linking_adverb()}是")
    assert all(be.match(t) for t in ("我是", "我也是", "我就是", "我都是", "我还是"))
    assert not be.match("我们是") and not be.match("我也就是")
