"""Synthetic nights of transcripts for `callintel demo --text` and bench/bench_text_night.py.

The analytics need hundreds of calls to show anything, and transcribing hundreds of calls takes
hours; a night of transcripts takes seconds. Calls are recombined from the project's own scripts
(samples/dialogues.json): a script of a topic gives the turns, the greeting of another script is
said by the call's own agent (工号), and some customer questions are swapped for questions of
another script on the same topic. New call ids, callers (a pool small enough that people call
again, mostly on the same topic), agents and times. Each call is written in one of the four
formats callintel reads (docs/transcripts.md), so every reader runs. Same seed, same files.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callintel.records import TRANSCRIPT_FORMATS
from callintel.settings import SAMPLES_DIR

DIALOGUES = SAMPLES_DIR / "dialogues.json"
MANIFEST_COLUMNS = ("call_id", "transcript_path", "transcript_format", "caller_number", "agent_id", "started_at",
                    "queue", "script_topic")


@dataclass(frozen=True)
class TextDemo:
    """What to generate ([demo.text] in configs/callintel.toml)."""

    nights: int
    calls_per_night: int
    first_night: date
    seed: int
    callers_per_call: float  # size of the caller pool per call: lower means more repeat callers
    same_topic_again: float  # a caller who calls again does so on the same topic this often
    swap_question: float  # chance each customer question is taken from another script on the topic
    agents: int
    timezone: str

    @classmethod
    def from_settings(cls, settings: Any, **override: Any) -> TextDemo:
        cfg = dict(settings["demo"]["text"]) | {k: v for k, v in override.items() if v is not None}
        return cls(int(cfg["nights"]), int(cfg["calls_per_night"]), date.fromisoformat(str(cfg["first_night"])),
                   int(cfg["seed"]), float(cfg["callers_per_call"]), float(cfg["same_topic_again"]),
                   float(cfg["swap_question"]), int(cfg["agents"]), settings["night"]["timezone"])


def _scripts(path: Path = DIALOGUES) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["calls"]


def _timed(turns: list[dict[str, str]], rng: random.Random) -> list[dict[str, Any]]:
    """Times from text length (about 4.5 characters a second, short pauses)."""
    t, out = rng.uniform(0.3, 1.0), []
    for turn in turns:
        dur = round(0.8 + len(turn["text"]) * rng.uniform(0.19, 0.25), 2)
        out.append({**turn, "start": round(t, 2), "end": round(t + dur, 2)})
        t += dur + rng.uniform(0.2, 1.2)
    return out


def _as_format(fmt: str, call_id: str, turns: list[dict[str, Any]], rng: random.Random) -> Any:
    """The call's turns in one reader's shape."""
    if fmt == "callintel":
        return {"format": "callintel-transcript", "version": 1, "call": {"call_id": call_id}, "turns": turns}
    if fmt == "whisper":
        by_role: dict[str, list] = {"agent": [], "customer": []}
        for t in turns:
            by_role[t["speaker"]].append({"id": len(by_role[t["speaker"]]), "start": t["start"], "end": t["end"],
                                          "text": t["text"]})
        return {"channels": {role: {"language": "zh", "segments": segs} for role, segs in by_role.items()}}
    if fmt == "funasr":
        agent_spk = rng.randint(0, 1)
        return [{"key": call_id, "text": "".join(t["text"] for t in turns),
                 "sentence_info": [{"text": t["text"], "start": int(t["start"] * 1000), "end": int(t["end"] * 1000),
                                    "spk": agent_spk if t["speaker"] == "agent" else 1 - agent_spk} for t in turns]}]
    assert fmt == "aws-call-analytics"
    return {"JobStatus": "COMPLETED", "LanguageCode": "zh-CN", "Channel": "VOICE",
            "Participants": [{"ParticipantRole": "AGENT"}, {"ParticipantRole": "CUSTOMER"}],
            "Transcript": [{"Id": f"{call_id}-{i}", "ParticipantRole": t["speaker"].upper(),
                            "BeginOffsetMillis": int(t["start"] * 1000), "EndOffsetMillis": int(t["end"] * 1000),
                            "Content": t["text"], "Sentiment": "NEUTRAL"} for i, t in enumerate(turns)]}


def generate(out_dir: Path, demo: TextDemo, scripts: list[dict[str, Any]] | None = None) -> list[Path]:
    """Write the transcripts and one manifest per night under out_dir; returns the manifests in night order."""
    scripts = scripts or _scripts()
    rng = random.Random(demo.seed)
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in scripts:
        by_topic[s["truth"]["topic"]["slug"]].append(s)
    topics = sorted(by_topic)
    greetings = [s["turns"][0]["text"] for s in scripts if s["turns"][0]["speaker"] == "agent"]
    questions = {topic: [s["turns"][q["turn"]]["text"] for s in group for q in s["truth"]["questions"]]
                 for topic, group in by_topic.items()}
    pool = max(1, int(demo.nights * demo.calls_per_night * demo.callers_per_call))
    callers = [f"1{rng.choice('3578')}{rng.randrange(10 ** 9):09d}" for _ in range(pool)]
    topic_of: dict[str, str] = {}
    tz = ZoneInfo(demo.timezone)
    (out_dir / "transcripts").mkdir(parents=True, exist_ok=True)
    manifests = []
    for n in range(demo.nights):
        night = demo.first_night + timedelta(days=n)
        opens = datetime.combine(night, time(8, 0), tz)
        starts = sorted(opens + timedelta(seconds=rng.randrange(14 * 3600)) for _ in range(demo.calls_per_night))
        rows = []
        for i, started in enumerate(starts, start=1):
            call_id = f"T{night:%Y%m%d}-{i:05d}"
            caller = rng.choice(callers)
            topic = (topic_of[caller] if caller in topic_of and rng.random() < demo.same_topic_again
                     else rng.choice(topics))
            topic_of[caller] = topic
            script = rng.choice(by_topic[topic])
            agent = rng.randint(1, demo.agents)
            turns = [dict(speaker=t["speaker"], text=t["text"]) for t in script["turns"]]
            if turns[0]["speaker"] == "agent":
                turns[0]["text"] = re.sub(r"工号\d+", f"工号{agent:03d}", rng.choice(greetings))
            for q in script["truth"]["questions"]:
                if rng.random() < demo.swap_question:
                    turns[q["turn"]]["text"] = rng.choice(questions[topic])
            fmt = TRANSCRIPT_FORMATS[rng.randrange(len(TRANSCRIPT_FORMATS))]
            rel = Path("transcripts") / f"{call_id}.json"
            (out_dir / rel).write_text(json.dumps(_as_format(fmt, call_id, _timed(turns, rng), rng),
                                                  ensure_ascii=False), encoding="utf-8")
            rows.append({"call_id": call_id, "transcript_path": str(rel), "transcript_format": "",
                         "caller_number": caller, "agent_id": f"A{agent:03d}", "started_at": started.isoformat(),
                         "queue": script.get("queue", ""), "script_topic": topic})
        manifest = out_dir / f"manifest_{night}.csv"
        with manifest.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        manifests.append(manifest)
    return manifests
