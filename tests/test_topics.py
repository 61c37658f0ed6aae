"""Hot-question stages one by one: sentences, question cues, jieba, clustering, labels, centroid search."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import SAMPLES

from callintel.nlp.cluster import ClusterOptions, cluster, fit_whitening, relabel, unit, whiten
from callintel.nlp.labels import ctfidf_keywords, medoid
from callintel.nlp.questions import detect_questions, load_cues, question_cue
from callintel.nlp.sentences import core_text, split_sentences
from callintel.nlp.tokenize import tokenizer_from_settings
from callintel.nlp.topics import CentroidIndex, TopicOptions, plan_pool
from callintel.settings import load_settings


@pytest.fixture(scope="module")
def cues():
    return load_cues(load_settings())


CLUSTER = ClusterOptions.from_settings(load_settings()["topics"]["cluster"])
TOPICS = TopicOptions.from_settings(load_settings()["topics"])


def test_split_and_core(cues):
    assert split_sentences("你好。我想问一下理赔到哪一步了？好的", cues.sentence_ends) == [
        "你好。", "我想问一下理赔到哪一步了？", "好的"]
    assert core_text("你好，我想问一下我的理赔到哪一步了。", cues.leading_fillers, cues.trailing_fillers) == \
        "我的理赔到哪一步了"
    assert core_text("嗯。", cues.leading_fillers, cues.trailing_fillers) == "嗯"


@pytest.mark.parametrize("text,cue", [
    ("那要等多久", "interrogative"), ("能不能自动续保", "interrogative"), ("退的是全部保费吗", "particle"),
    ("帮我查一下门诊理赔到账没有。", "particle"), ("我要投诉你们", "request"), ("续保的价格会涨？", "mark"),
    ("好的，明白了，谢谢。", None), ("嗯。", None), ("我叫刘建国。", None), ("没什么了，谢谢", None),
])
def test_question_cues(cues, text, cue):
    assert question_cue(text, cues) == cue


def test_question_detection_on_sample_calls(cues):
    """Against the questions marked in the sample calls: high recall, few false alarms."""
    path = SAMPLES / "dialogues.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    calls = json.loads(path.read_text(encoding="utf-8"))["calls"]
    tp = fp = fn = 0
    for c in calls:
        truth = {q["turn"] for q in c["truth"]["questions"]}
        for i, t in enumerate(c["turns"]):
            if t["speaker"] != "customer":
                continue
            got = bool(detect_questions([(c["call_id"], i, t["text"])], cues))
            tp += got and i in truth
            fp += got and i not in truth
            fn += (not got) and i in truth
    assert tp / (tp + fn) >= 0.9 and tp / (tp + fp) >= 0.8, (tp, fp, fn)


def test_insurance_questions_detected_and_tokenised(shared_data, cues):
    """insuranceqa_zh: nearly all are questions; dictionary terms stay whole in jieba's output."""
    with (shared_data / "insuranceqa_zh" / "questions.jsonl").open(encoding="utf-8") as fh:
        qs = [json.loads(line)["question"] for _, line in zip(range(2000), fh, strict=False)]
    found = detect_questions([("c", i, q) for i, q in enumerate(qs)], cues)
    assert len({q.seq for q in found}) / len(qs) > 0.95
    tok = tokenizer_from_settings(load_settings())
    words = tok.words("犹豫期过了还能退保吗，保费和现金价值怎么算，重疾险能理赔吗")
    for term in ("犹豫期", "退保", "保费", "现金价值", "重疾险", "理赔"):
        assert term in words
    assert "吗" not in tok.tokens("犹豫期退保能拿回全部保费吗")
    joined = [w for q in qs[:300] for w in tok.tokens(q)]
    assert "人寿保险" in joined


def _blobs(n_topics: int, per: int, spread: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = unit(rng.normal(size=(n_topics, 64)))
    y = np.repeat(np.arange(n_topics), per)
    X = unit(centers[y] + rng.normal(0, spread, (len(y), 64)))
    return X.astype(np.float32), y


def test_cluster_small_and_two_stage_agree():
    from sklearn.metrics import adjusted_rand_score

    X, y = _blobs(40, 6, 0.02)
    opts = replace(CLUSTER, distance_threshold=0.05, small_threshold=0.05, attach_threshold=0.08)
    one = cluster(X, opts)
    two = cluster(X, replace(opts, **{ "block_size": 60, "coarse_k": 4, "merge_threshold": 0.03}))
    assert adjusted_rand_score(y, one) > 0.95
    assert adjusted_rand_score(y, two) > 0.9
    assert (one >= 0).all()


def test_cluster_size_floor_duplicates_and_determinism():
    X, _ = _blobs(3, 4, 0.01)
    lonely = unit(np.random.default_rng(5).normal(size=(1, 64))).astype(np.float32)
    X = np.vstack([X, lonely])
    opts = replace(CLUSTER, distance_threshold=0.05, small_threshold=0.05, attach_threshold=0.05, min_size=2)
    lab = cluster(X, opts)
    assert lab[-1] == -1 and lab.max() == 2
    assert (cluster(X, opts) == lab).all()
    # duplicates collapse: 3 copies of one text count as 3 questions for the size floor
    dup = np.vstack([lonely, lonely, lonely])
    assert (cluster(dup, replace(CLUSTER, min_size=3), ["a", "a", "a"]) == 0).all()
    assert cluster(lonely, CLUSTER).tolist() == [-1]
    assert cluster(np.zeros((0, 8), dtype=np.float32), CLUSTER).shape == (0,)
    assert relabel(np.array([5, 5, 2, -1, 2, 2])).tolist() == [1, 1, 0, -1, 0, 0]


def test_threshold_adapts_to_pool_size():
    o = replace(CLUSTER, distance_threshold=0.06, small_threshold=0.14, small_n=50, large_n=3000)
    assert o.threshold_for(10) == 0.14 and o.threshold_for(5000) == 0.06
    assert 0.06 < o.threshold_for(400) < 0.14


def test_whitening_fit_is_unit_variance_and_deterministic():
    """The fitted projection maps the fit rows to zero mean, identity covariance (top `dims` directions)."""
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(3000, 24)) * np.linspace(3.0, 0.1, 24)).astype(np.float32)
    mu, W = fit_whitening(X, 8)
    Z = (X - mu) @ W
    assert W.shape == (24, 8)
    assert np.allclose(Z.mean(axis=0), 0, atol=1e-3)
    assert np.allclose(np.cov(Z.T), np.eye(8), atol=0.02)
    mu2, W2 = fit_whitening(X, 8, fit_max=1000)   # an even stride of a third of the rows: nearly as good
    assert np.allclose(np.cov(((X - mu2) @ W2).T), np.eye(8), atol=0.15)
    assert np.allclose(np.linalg.norm(whiten(X, mu, W), axis=1), 1.0, atol=1e-5)
    assert (fit_whitening(X, 8)[1] == W).all()


def _nuisance_topics(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """30 topics x 40 questions whose differences are small next to a shared direction and a
    high-variance 4-dimensional nuisance (how m3e-small vectors of one domain look)."""
    rng = np.random.default_rng(seed)
    common = unit(rng.normal(size=48)) * 3.0
    centers = rng.normal(0, 0.35, (30, 48))
    nuisance = rng.normal(size=(4, 48))
    y = np.repeat(np.arange(30), 40)
    X = common + centers[y] + 0.5 * rng.normal(0, 0.9, (len(y), 4)) @ nuisance + rng.normal(0, 0.05, (len(y), 48))
    return unit(X).astype(np.float32), y


def test_pool_whitening_separates_topics_a_shared_nuisance_hides():
    from dataclasses import replace

    from sklearn.metrics import adjusted_rand_score

    X, y = _nuisance_topics()
    on = replace(CLUSTER, whiten_dims=40, whiten_min_n=1000, whiten_threshold=0.5, whiten_small_threshold=0.5)
    assert on.space_for(len(X))[0] == "whitened-40"
    assert adjusted_rand_score(y, cluster(X, on)) > 0.95
    for t in (0.04, 0.1, 0.15):  # in the raw space no threshold finds the topics
        off = replace(on, whiten_dims=0, distance_threshold=t, small_threshold=t, attach_threshold=t + 0.03)
        assert adjusted_rand_score(y, cluster(X, off)) < 0.1
    # a pool under whiten_min_n stays in the raw space with the raw thresholds
    small = replace(on, whiten_min_n=5000)
    assert small.space_for(len(X)) == ("m3e", small, small.threshold_for(len(X)))
    assert (cluster(X, small) == cluster(X, replace(on, whiten_dims=0))).all()


def test_whitened_threshold_schedule():
    o = replace(CLUSTER, whiten_dims=64, whiten_min_n=1000, whiten_max_n=5000, large_n=3000,
                whiten_small_threshold=0.45,
                       whiten_threshold=0.35, whiten_attach_margin=0.05, whiten_merge_threshold=0.1)
    assert o.space_for(999)[0] == "m3e" and o.space_for(999)[2] == o.threshold_for(999)
    name, eff, t = o.space_for(1000)
    assert name == "whitened-64" and t == 0.45 and abs(eff.attach_threshold - 0.5) < 1e-9
    assert eff.merge_threshold == 0.1 and o.space_for(5000)[2] == 0.35
    assert 0.35 < o.space_for(1700)[2] < 0.45
    assert not replace(CLUSTER, whiten_dims=0).whitens(3000)
    assert o.whitens(5000) and not o.whitens(5001)  # whiten_max_n
    assert not replace(CLUSTER, whiten_dims=64, whiten_min_n=10).whitens(100)  # needs 2 x dims questions to fit


def test_labels_and_medoid():
    kw = ctfidf_keywords([[["理赔", "到账"], ["理赔", "进度"]], [["保费", "扣款"], ["扣款", "失败"]]], 2,
                         background=[["你们", "电话"]])
    assert kw[0][0][0] == "理赔" and kw[1][0][0] == "扣款"
    X = unit(np.array([[1, 0.1], [1, 0], [1, -0.1], [0.2, 1]], dtype=np.float32))
    assert medoid(X[:3]) == 1


def test_single_characters_shape_the_idf_but_never_name_a_topic():
    """A novel call's whole customer text is full of one-character verbs (说, 去, 买, 报) that crowd the top
    keywords and can name nothing: with min_chars 2 the keywords are words a name may use."""
    calls = [[["说", "约", "说", "医生", "专家"], ["说", "去", "医生", "挂号"]], [["说", "扣款", "银行卡"]]]
    loose = ctfidf_keywords(calls, 2)
    strict = ctfidf_keywords(calls, 2, min_chars=2)
    assert [w for w, _ in loose[0]] == ["医生", "说"]    # 说 takes a keyword's place and can name nothing
    assert [w for w, _ in strict[0]] == ["医生", "专家"] and all(len(w) >= 2 for c in strict for w, _ in c)
    # idf still sees 说 in both classes: the same words weigh the same with and without the floor
    assert dict(loose[0]).get("医生") == dict(strict[0])["医生"]


def test_centroid_index_ivf_matches_brute_force():
    C, _ = _blobs(300, 1, 0.0, seed=2)
    X = unit(C[np.arange(0, 300, 3)] + np.random.default_rng(3).normal(0, 0.01, (100, 64))).astype(np.float32)
    brute = CentroidIndex(C, brute_force=10_000).nearest(X)[0]
    ivf = CentroidIndex(C, brute_force=10, probe=6).nearest(X)[0]
    assert (brute == np.arange(0, 300, 3)).all()
    assert (ivf == brute).mean() > 0.95
    _, sim = CentroidIndex(C).nearest(X)
    assert (1.0 - sim > 0.0001).all()  # noisy copies: none within a 0.0001 distance of its centroid
    assert CentroidIndex(np.zeros((0, 0), dtype=np.float32)).nearest(X)[0].tolist() == [-1] * 100


def test_options_from_settings():
    opts = TopicOptions.from_settings(load_settings()["topics"])
    assert 0 < opts.assign_threshold < 0.2 and opts.cluster.min_size >= 2


def test_plan_keeps_ids_one_to_one_and_discovers_the_rest():
    """Clusters near a frozen centroid keep its topic, one cluster per topic; the rest are new topics."""
    X, y = _blobs(4, 5, 0.01, seed=4)
    co = replace(CLUSTER, distance_threshold=0.05, small_threshold=0.05, attach_threshold=0.05)
    opts = replace(TOPICS, assign_threshold=0.08, absorb_threshold=0.04, cluster=co)
    tokens = [["w"]] * len(X)
    texts = [f"q{i}" for i in range(len(X))]
    # existing topics: blob 0 and blob 1 (twice: a near-duplicate topic that loses the contest)
    C = np.stack([unit(X[y == 0].mean(axis=0)), unit(X[y == 1].mean(axis=0)), unit(X[y == 1][:2].mean(axis=0))])
    plan = plan_pool(X, None, tokens, CentroidIndex(C), opts, texts)
    assert {plan.existing[i][0] for i in np.where(y == 0)[0]} == {0}
    topic_of_1 = {plan.existing[i][0] for i in np.where(y == 1)[0]}
    assert len(topic_of_1) == 1 and topic_of_1 <= {1, 2}       # one cluster keeps one of them, never both
    assert len(plan.new_topics) == 2 and not plan.contested    # blobs 2 and 3 are new
    assert sorted(int(m) for t in plan.new_topics for m in t.members) == np.where(y >= 2)[0].tolist()
    again = plan_pool(X, None, tokens, CentroidIndex(C), opts, texts)
    assert again.existing == plan.existing                     # deterministic
    # a strict member guard leaves far members without topic instead of stretching the topic
    strict = plan_pool(X, None, tokens, CentroidIndex(C), replace(TOPICS, assign_threshold=0.0, cluster=co), texts)
    assert strict.outside > 0 and not strict.existing
