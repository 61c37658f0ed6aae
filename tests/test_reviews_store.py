"""The review store (warehouse/reviews.py): what a decision needs, what it keeps, and that edited wording is
masked like a transcript before it is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from callintel.speech.redact import RedactionRules
from callintel.warehouse import reviews
from callintel.warehouse.db import connect


def _decide(path, action, **kw):
    base = {"call_id": "C1", "reply_turn": 4, "reply": "三个工作日内审核完成。", "reviewer": "质检甲",
            "topic": "理赔进度", "objection": "一般问题", "question": "多久能到账？"}
    return reviews.decide(path, action=action, **(base | kw))


def test_reject_needs_a_note_edit_needs_wording_and_nothing_is_saved(tmp_path):
    store = tmp_path / "r.sqlite"
    with pytest.raises(reviews.ReviewError, match="驳回需要填写原因"):
        _decide(store, "reject")
    with pytest.raises(reviews.ReviewError, match="修改后的话术不能为空"):
        _decide(store, "edit", wording="  ")
    with pytest.raises(reviews.ReviewError, match="unknown action"):
        _decide(store, "publish")
    assert reviews.load(store) == {}


def test_edit_is_masked_approve_keeps_it_reject_replaces_it_and_the_log_keeps_all(tmp_path, settings):
    store = tmp_path / "r.sqlite"
    rules = RedactionRules.from_settings(settings)
    edited = _decide(store, "edit", wording="到账后短信发到您的手机13812345678。", rules=rules)
    assert edited.status == "approved" and "13812345678" not in edited.published and "[手机号]" in edited.published
    again = _decide(store, "approve", reviewer="质检乙")
    assert again.published == edited.published and again.reviewer == "质检乙"
    rejected = _decide(store, "reject", note="承诺的时效做不到，客户13912345678又来电", rules=rules,
                       now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC))
    assert rejected.status == "rejected" and rejected.wording is None
    assert rejected.note == "承诺的时效做不到，客户[手机号]又来电"
    assert [h["action"] for h in reviews.history(store, "C1", 4)] == ["edit", "approve", "reject"]
    assert len(reviews.load(store)) == 1


def test_store_sits_beside_the_warehouse_and_the_night_copies_it(tmp_path, settings):
    store = reviews.store_path(settings)
    assert store == settings.path("warehouse").with_name("callintel.reviews.sqlite")
    _decide(store, "approve")
    con = connect(settings.path("warehouse"))
    try:
        assert reviews.sync_to_warehouse(con, store) == 1
        assert reviews.sync_to_warehouse(con, store) == 1  # a rerun copies again, never twice
        assert con.execute("SELECT status, reviewer FROM script_reviews").fetchall() == [("approved", "质检甲")]
    finally:
        con.close()


def test_a_damaged_store_is_named_in_a_clear_error_and_left_as_it_is(tmp_path):
    store = tmp_path / "r.sqlite"
    store.write_bytes(b"not a database, " * 512)
    with pytest.raises(reviews.ReviewStoreError, match=r"r\.sqlite cannot be read.*backup"):
        reviews.load(store)
    with pytest.raises(reviews.ReviewStoreError):
        _decide(store, "approve")
    assert store.read_bytes() == b"not a database, " * 512
