"""The bundled sample calls (samples/) are what their README promises, and agree with each other.

No model runs here: these check the scripts (samples/dialogues.json), the truth labels, the manifests
and the audio files themselves (decoded with PyAV, as the speech stage does), so a regeneration that
swaps a channel, loses a call or breaks a label fails fast and says where.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
MANIFEST_COLUMNS = ["call_id", "audio_path", "caller_number", "agent_id", "started_at", "channel_layout", "queue"]
TOPICS = {
    "policy_renewal",
    "claim_status",
    "beneficiary_change",
    "premium_payment",
    "cooling_off_cancellation",
    "purchase_inquiry",
}
CALL_IDS = [c["call_id"] for c in json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))["calls"]]
LAYOUT_CHANNELS = {
    "stereo_agent_left": ("left", "right"),
    "stereo_agent_right": ("right", "left"),
    "mono": ("mono", "mono"),
}


@pytest.fixture(scope="module")
def calls() -> list[dict]:
    return json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]


@pytest.fixture(scope="module")
def truth() -> dict[str, dict]:
    data = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))
    return {c["call_id"]: c for c in data["calls"]}


def read_manifest(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == MANIFEST_COLUMNS, path
        return list(reader)


def started(call: dict) -> datetime:
    return datetime.fromisoformat(call["started_at"])


def id_card_valid(number: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) % 11]
    return len(number) == 18 and number[17].upper() == check


def luhn_valid(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


# ------------------------------------------------------------------------------------- scripts
def test_calls_are_well_formed(calls):
    assert 16 <= len(calls) <= 18
    assert len({c["call_id"] for c in calls}) == len(calls)
    for c in calls:
        assert re.fullmatch(r"C\d{8}-\d{3}", c["call_id"])
        assert c["call_id"][1:9] == started(c).strftime("%Y%m%d")
        assert started(c).utcoffset().total_seconds() == 8 * 3600
        assert c["channel_layout"] in LAYOUT_CHANNELS
        assert 6 <= len(c["turns"]) <= 12, c["call_id"]
        assert {t["speaker"] for t in c["turns"]} == {"agent", "customer"}
        assert c["turns"][0]["speaker"] == "agent" and "您好" in c["turns"][0]["text"]
        assert "工号" in c["turns"][0]["text"]


def test_three_nights_and_a_few_agents(calls):
    days = sorted({started(c).date() for c in calls})
    assert [d.isoformat() for d in days] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert 3 <= len({c["agent_id"] for c in calls}) <= 4
    assert all(re.fullmatch(r"A\d{3}", c["agent_id"]) for c in calls)


def test_every_topic_has_at_least_two_calls(calls):
    topics = Counter(c["truth"]["topic"]["slug"] for c in calls)
    assert set(topics) == TOPICS
    assert min(topics.values()) >= 2


def test_repeat_callers_chain_back_to_the_same_number_and_topic(calls):
    by_id = {c["call_id"]: c for c in calls}
    per_caller = defaultdict(list)
    for c in calls:
        per_caller[c["caller_number"]].append(c)
    repeaters = {n: cs for n, cs in per_caller.items() if len(cs) > 1}
    assert 5 <= len(repeaters) <= 6
    assert max(len(cs) for cs in repeaters.values()) >= 3
    for c in calls:
        earlier = sorted((x for x in per_caller[c["caller_number"]] if started(x) < started(c)), key=started)
        prev = c["truth"]["repeat_of"]
        if not earlier:
            assert prev is None, c["call_id"]
            continue
        assert prev == earlier[-1]["call_id"], c["call_id"]
        gap_days = (started(c) - started(by_id[prev])).total_seconds() / 86400
        assert 0.5 <= gap_days <= 6.5, c["call_id"]
        assert by_id[prev]["truth"]["topic"] == c["truth"]["topic"], c["call_id"]
    # at least some repeats are about an issue the earlier call left open
    assert any(not by_id[c["truth"]["repeat_of"]]["truth"]["resolved"] for c in calls if c["truth"]["repeat_of"])


def test_both_outcomes_and_their_cues_occur(calls):
    resolved = [c for c in calls if c["truth"]["resolved"]]
    unresolved = [c for c in calls if not c["truth"]["resolved"]]
    assert len(resolved) >= 6 and len(unresolved) >= 4
    escalations = ("提交工单", "反馈给相关部门", "二十四小时内", "转接")
    for c in unresolved:
        text = "".join(t["text"] for t in c["turns"])
        assert any(e in text for e in (*escalations, "还是不行", "那算了", "投诉")), c["call_id"]
    for c in resolved:
        last = c["turns"][-1]
        assert last["speaker"] == "customer" and re.search("谢谢|明白了", last["text"]), c["call_id"]


def test_truth_points_at_real_turns(calls):
    assert sum(bool(c["truth"]["questions"]) for c in calls) >= len(calls) - 2
    for c in calls:
        t, turns = c["truth"], c["turns"]
        for q in t["questions"]:
            assert turns[q["turn"]]["speaker"] == "customer" and turns[q["turn"]]["text"] == q["text"]
        for field, fact in t["profile"].items():
            assert turns[fact["turn"]]["text"] == fact["evidence"], (c["call_id"], field)
        best = t["best_agent_reply"]
        if best is not None:
            assert turns[best["turn"]]["speaker"] == "agent" and turns[best["turn"]]["text"] == best["text"]
        assert t["purchase_intent"] in {"high", "medium", "low"}


def test_questions_are_phrased_many_ways(calls):
    questions = [q["text"] for c in calls for q in c["truth"]["questions"]]
    for cue in ("我想问一下", "怎么", "能不能", "帮我查一下"):
        assert any(cue in q for q in questions), cue
    assert sum(not re.search("[？?]", q) for q in questions) >= 5  # questions without a question mark


def test_profiles_and_leads(calls):
    fields = Counter(f for c in calls for f in c["truth"]["profile"])
    for field in ("age", "gender", "city", "occupation", "marital_status", "children", "existing_policies", "income"):
        assert fields[field] >= 1, field
    leads = {c["caller_number"] for c in calls if c["truth"]["purchase_intent"] in {"high", "medium"}}
    assert 3 <= len(leads) <= 4


def test_spoken_identity_numbers_are_synthetic_but_valid(calls):
    runs = [m for c in calls for t in c["turns"] for m in re.findall(r"\d+", t["text"])]
    ids = [r for r in runs if len(r) == 18]
    cards = [r for r in runs if 16 <= len(r) <= 19 and len(r) != 18]
    phones = [r for r in runs if re.fullmatch(r"1[3-9]\d{9}", r)]
    assert ids and all(id_card_valid(n) for n in ids)
    assert cards and all(luhn_valid(n) for n in cards)
    assert phones
    # quantities are written in Chinese characters; Arabic digits only for strings read digit by digit
    assert all(len(r) >= 3 for r in runs), [r for r in runs if len(r) < 3]


# ------------------------------------------------------------------------- manifests and truth
def test_manifests_list_every_call_once_per_night(calls):
    rows = read_manifest(SAMPLES / "manifest.csv")
    by_id = {c["call_id"]: c for c in calls}
    assert [r["call_id"] for r in rows] == [c["call_id"] for c in calls]
    for r in rows:
        c = by_id[r["call_id"]]
        for key in ("caller_number", "agent_id", "started_at", "channel_layout", "queue"):
            assert r[key] == c[key], (r["call_id"], key)
        assert not Path(r["audio_path"]).is_absolute() and (SAMPLES / r["audio_path"]).is_file()
    nights = sorted(SAMPLES.glob("manifest_*.csv"))
    assert [p.stem for p in nights] == ["manifest_2026-11-20", "manifest_2026-11-21", "manifest_2026-11-22"]
    per_night = [r for p in nights for r in read_manifest(p)]
    assert sorted(map(tuple, (r.values() for r in per_night))) == sorted(map(tuple, (r.values() for r in rows)))
    for p in nights:
        assert {r["started_at"][:10] for r in read_manifest(p)} == {p.stem.removeprefix("manifest_")}


def test_truth_matches_the_scripts_and_the_timeline(calls, truth):
    assert list(truth) == [c["call_id"] for c in calls]
    for c in calls:
        t = truth[c["call_id"]]
        assert t["truth"] == c["truth"] and t["channel_layout"] == c["channel_layout"]
        assert [(x["speaker"], x["text"]) for x in t["turns"]] == [(x["speaker"], x["text"]) for x in c["turns"]]
        agent_ch, customer_ch = LAYOUT_CHANNELS[c["channel_layout"]]
        lead = t["turns"][0]["start"]
        assert 0.3 <= lead <= 1.0
        for x in t["turns"]:
            assert x["channel"] == (agent_ch if x["speaker"] == "agent" else customer_ch)
            assert 0 <= x["start"] < x["end"] <= t["duration_s"]
        assert 25 <= t["duration_s"] <= 75, c["call_id"]


def test_layouts_and_formats_cover_the_decoders(truth):
    layouts = Counter(t["channel_layout"] for t in truth.values())
    assert layouts["stereo_agent_right"] in (1, 2) and layouts["mono"] in (1, 2)
    formats = Counter(t["format"] for t in truth.values())
    assert formats["wav_pcm16"] >= 1 and formats["wav_mulaw"] >= 1
    assert formats["wav_pcm16"] + formats["wav_mulaw"] >= 3
    total = sum((SAMPLES / t["audio_path"]).stat().st_size for t in truth.values())
    assert total <= 6 * 1024 * 1024, total


# ----------------------------------------------------------------------------------------- audio
@pytest.mark.slow  # decodes and reads the speech of every sample recording
@pytest.mark.parametrize("call_id", CALL_IDS)
def test_audio_decodes_with_speech_on_the_declared_channel(truth, call_id):
    from faster_whisper import decode_audio

    t = truth[call_id]
    stereo = t["channel_layout"] != "mono"
    decoded = decode_audio(str(SAMPLES / t["audio_path"]), sampling_rate=8000, split_stereo=stereo)
    channels = dict(zip(("left", "right"), decoded, strict=True)) if stereo else {"mono": decoded}
    for name, audio in channels.items():
        assert abs(len(audio) / 8000 - t["duration_s"]) < 0.05
        inside = np.zeros(len(audio), bool)
        for x in t["turns"]:
            if x["channel"] == name:
                inside[int(x["start"] * 8000) : int(x["end"] * 8000)] = True
        assert inside.any() and (~inside).any()
        ratio_db = 10 * np.log10(np.mean(audio[inside] ** 2) / np.mean(audio[~inside] ** 2))
        # ~35 dB on these files; a swapped channel, crosstalk or a shifted timeline falls far below
        assert ratio_db > 20, (call_id, name, round(float(ratio_db), 1))
