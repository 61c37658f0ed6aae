"""Texts are embedded in batches bounded by padded characters: long call texts a few at a time, questions many."""

from __future__ import annotations

import numpy as np


def test_batches_hold_the_budget_longest_first_and_every_text_once():
    from callintel.nlp.embed import batches

    lengths = [20, 500, 480, 30, 5000, 510, 25]
    got = batches(lengths, 64, 2048)
    assert sorted(i for b in got for i in b) == list(range(len(lengths)))
    assert got[0] == [4]                                 # longer than the budget: alone
    assert all(len(b) * lengths[b[0]] <= 2048 for b in got if len(b) > 1)
    assert [lengths[b[0]] for b in got] == sorted((lengths[b[0]] for b in got), reverse=True)
    assert batches(lengths, 3, 0) == [[4, 5, 1], [2, 3, 6], [0]]   # 0: by count alone
    assert batches([], 64, 2048) == []


def test_vectors_are_the_same_whatever_the_batching(settings):
    from callintel.model_files import embedding_model_dir
    from callintel.nlp.embed import Embedder

    long = "您好，" + "我上个月住院花了两万多，材料都交了，" * 20
    texts = ["我想问一下理赔进度", "这个保险能退吗", long, "扣款失败怎么办"]
    name = settings["topics"]["model"]
    folder = embedding_model_dir(settings, name)
    by_count = Embedder(folder, name, 64, 2, 0).encode(texts)
    bounded = Embedder(folder, name, 64, 2, 64).encode(texts)
    assert by_count.shape == bounded.shape == (4, by_count.shape[1])
    assert np.abs(by_count - bounded).max() < 1e-5
    assert np.allclose(np.linalg.norm(bounded, axis=1), 1.0, atol=1e-5)
