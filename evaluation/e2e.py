"""`callintel eval e2e`: the calls figures measured from audio beside the same figures from text.

Users give callintel recordings, not text. This task voices the development calls (evaluation/voicing.py:
scripts/voice_samples.py, seeded; every [eval.e2e] mono_every-th call mixed to one channel), runs a night
over the audio (the manifest reader, the speech stage, the warehouse writer and every analytics step, as
plain functions, without Prefect) and scores the warehouse with the `eval calls` scorers against the same
truth. The text side is `eval calls` on the same calls. Printed: both sets of figures and their ratio,
CER per speaker, and domain-term recall (terms the analytics match on, present in the truth, that come back
in the transcript).

The scorers read turn numbers the way the text path writes them (an utterance's start_s is its turn's index,
reply_turn counts turns). The warehouse writer stores recognised speech as speaker turns ([night] turn_gap_s), as
a night does. Voicing knows each truth turn's span, so after the steps ran, each stored turn is given the truth
turn its pieces overlap most (same speaker on stereo calls); the analytics never see the truth.

Transcribing costs ~0.1 CPU-s per second of audio and voicing ~1: both are cached under [eval.e2e] cache
(var/e2e/, git-ignored), so a rerun only re-runs the analytics. The transcripts are cached as recognised, before
the sound-based term repair ([speech.terms] off, keyed like the night's speech cache with that section neutral),
and the repair is applied on every run (`repair_terms`, then masking again, as the text path orders them): a
change to the term lists or their settings is measured in seconds, without Whisper.
"""

from __future__ import annotations

import difflib
import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

from callintel.evaluation import calls as text_eval
from callintel.evaluation.calls_truth import checked_calls, problem_summary
from callintel.evaluation.samples import scoring_text, speech_scores
from callintel.evaluation.voicing import chosen_calls, set_folder, voice, write_manifest
from callintel.files import file_sha256
from callintel.manifest import read_manifest
from callintel.model_files import model_versions, whisper_model_dir
from callintel.pinyin import syllables
from callintel.privacy import caller_hash
from callintel.records import Transcript, Utterance
from callintel.settings import Settings
from callintel.speech.domain_terms import analytics_terms
from callintel.speech.redact import mask_pii
from callintel.speech.stage import cache_key, transcribe_call, transcript_from_json, transcript_to_json
from callintel.speech.text import TextCleaner
from callintel.warehouse.calls import TurnJoin, write_calls
from callintel.warehouse.db import connect

# The figures compared side by side (EVALUATION.md, task calls).
COMPARED = ("call_topic_ari", "question_topic_ari", "questions_recall", "questions_precision", "profile_precision",
            "profile_recall", "intent_auc", "best_reply_top1", "resolution_auc", "repeat_recall")
_HAN = re.compile(r"^[\u3400-\u9fff]{2,}$")


# ---- the night over the audio -------------------------------------------------------------------------

def raw_settings(settings: Settings) -> Settings:
    """`settings` with the sound-based term repair off and its whole section neutral (False, [], 0), so the
    speech cache key of a recognised transcript does not change when the repair's settings do."""
    neutral = {k: (False if isinstance(v, bool) else [] if isinstance(v, list) else 0 if isinstance(v, int) else v)
               for k, v in settings["speech"]["terms"].items()}
    return settings.with_overrides({"speech": {"terms": neutral}})


def repair_terms(transcript: Transcript, cleaner: TextCleaner) -> tuple[Transcript, int]:
    """A transcript recognised with the repair off, as the speech stage writes it with the repair on: terms put
    back by sound, then PII and names masked again (a repaired cue word, 受益人是, can reveal a name)."""
    names: set[str] = set()
    utterances, restored = [], 0
    for u in transcript.utterances:
        text, changes = cleaner.terms.correct(u.text)
        restored += len(changes)
        utterances.append(replace(u, text=mask_pii(text, cleaner.redact, names)))
    return replace(transcript, utterances=cleaner.mask_names(utterances, names)), restored


def transcribe_cached(manifest: Path, settings: Settings, cache: Path, log=print) -> tuple[list, dict[str, float]]:
    """(call record, transcript) for every manifest row, from `cache` when the speech cache key matches.

    Whisper runs with `raw_settings` (no term repair) and that text is what is cached; the repair of `settings`
    is applied afterwards (`repair_terms`), so tuning it needs no transcription.
    """
    cleaner = TextCleaner.from_settings(settings)
    settings = raw_settings(settings)
    read = read_manifest(manifest, settings["night"]["timezone"])
    if read.failures:
        raise ValueError(f"{manifest}: {'; '.join(f.reason for f in read.failures)}")
    cache.mkdir(parents=True, exist_ok=True)
    whisper_model_dir(settings)
    cost = {"audio_s": 0.0, "cpu_s": 0.0, "wall_s": 0.0, "transcribed": 0, "cached": 0, "terms_restored": 0}
    out = []
    for n, call in enumerate(read.calls, start=1):
        sha = file_sha256(call.audio_path)
        path = cache / f"{cache_key(sha, call.channel_layout, settings)}.json"
        if path.exists():
            transcript = transcript_from_json(path.read_text(encoding="utf-8"))
            cost["cached"] += 1
        else:
            cpu, wall = time.process_time(), time.perf_counter()
            transcript = transcribe_call(call, settings, sha)
            cost["cpu_s"] += time.process_time() - cpu
            cost["wall_s"] += time.perf_counter() - wall
            cost["audio_s"] += transcript.duration_s
            cost["transcribed"] += 1
            path.write_text(transcript_to_json(transcript), encoding="utf-8")
            log(f"[{n}/{len(read.calls)}] {call.call_id}: {transcript.duration_s:.0f} s audio in "
                f"{transcript.processing_s:.0f} s")
        transcript, restored = repair_terms(transcript, cleaner)
        cost["terms_restored"] += restored
        out.append((call, transcript))
    return out, cost


def land_audio(con: duckdb.DuckDBPyConnection, transcribed: list, settings: Settings) -> list:
    """Write the transcribed calls as a night does; returns their nights, oldest first."""
    asr = model_versions(settings)["asr"]
    keep = settings["privacy"]["keep_caller_number"]
    write_calls(con, [(call, t, caller_hash(call.caller_number, settings), asr) for call, t in transcribed],
                "eval-e2e", keep, TurnJoin.from_settings(settings))
    return sorted({call.night for call, _ in transcribed})


# ---- utterances back to truth turns -------------------------------------------------------------------

def align(utterances: Sequence[Utterance], truth_call: dict[str, Any]) -> list[int | None]:
    """Per stored utterance (a turn joined from several is timed by its parts), the index of the truth turn it
    overlaps most (None: overlaps none, e.g. a hallucination).

    On stereo calls only turns of the utterance's speaker count (the channel decides the speaker); on mono
    calls roles are inferred, so any turn counts.
    """
    turns = truth_call["turns"]
    mono = truth_call["channel_layout"] == "mono"
    out: list[int | None] = []
    for u in utterances:
        best, where = 0.0, None
        for t in turns:
            if not mono and t["speaker"] != u.speaker:
                continue
            overlap = sum(max(0.0, min(end, t["end"]) - max(start, t["start"]))
                          for start, end in (u.parts or ((u.start, u.end),)))
            if overlap > best:
                best, where = overlap, t["index"]
        out.append(where)
    return out


def mapping_summary(turn_of: dict[str, list[int | None]], truth: dict[str, dict[str, Any]],
                    recognised: dict[str, int]) -> dict[str, int]:
    """How the stored turns met the truth: stored turns and the recognised utterances they were joined from, turns
    mapped to no truth turn (heard where nothing was said), truth turns no stored turn maps to (lost whole), and
    truth turns that more than one stored turn maps to (one turn still split)."""
    hit_by_call = {cid: Counter(t for t in turns if t is not None) for cid, turns in turn_of.items()}
    said = sum(1 for call in truth.values() for t in call["turns"] if str(t.get("text") or "").strip())
    return {"recognised_utterances": sum(recognised.values()), "stored_turns": sum(len(v) for v in turn_of.values()),
            "stored_unmapped": sum(t is None for turns in turn_of.values() for t in turns),
            "truth_turns": said, "truth_turns_unheard": said - sum(len(c) for c in hit_by_call.values()),
            "truth_turns_split": sum(1 for c in hit_by_call.values() for n in c.values() if n > 1)}


def renumber_turns(con: duckdb.DuckDBPyConnection, turn_of: dict[str, list[int | None]],
                   dialogues: list[dict[str, Any]]) -> None:
    """Utterance times -> turn index, reply_turn (an utterance seq) -> the seq its turn has in the text path."""
    kept = {c["call_id"]: [i for i, t in enumerate(c["turns"]) if str(t.get("text") or "").strip()]
            for c in dialogues}
    start_rows, reply_rows = [], []
    for call_id, turns in turn_of.items():
        position = {turn: k for k, turn in enumerate(kept[call_id])}
        for seq, turn in enumerate(turns):
            start_rows.append((call_id, seq, -1.0 if turn is None else float(turn)))
            reply_rows.append((call_id, seq, position.get(turn, -1) if turn is not None else -1))
    con.execute("CREATE TEMP TABLE e2e_turns (call_id VARCHAR, seq INTEGER, turn DOUBLE, text_seq INTEGER)")
    con.executemany("INSERT INTO e2e_turns VALUES (?, ?, ?, ?)",
                    [(c, s, t, r) for (c, s, t), (_, _, r) in zip(start_rows, reply_rows, strict=True)])
    con.execute("""UPDATE utterances u SET start_s = e.turn FROM e2e_turns e
                   WHERE e.call_id = u.call_id AND e.seq = u.seq""")
    con.execute("""UPDATE reply_candidates r SET reply_turn = e.text_seq FROM e2e_turns e
                   WHERE e.call_id = r.call_id AND e.seq = r.reply_turn""")


# ---- domain terms --------------------------------------------------------------------------------------

def term_positions(text: str, terms: list[str]) -> list[tuple[int, str]]:
    """(position, term) of each term in `text`, longest first, non-overlapping (理赔款 once, not also as 理赔)."""
    found, i = [], 0
    while i < len(text):
        term = next((t for t in terms if text.startswith(t, i)), None)
        if term is None:
            i += 1
        else:
            found.append((i, term))
            i += len(term)
    return found


def term_counts(text: str, terms: list[str]) -> Counter:
    """Occurrences of each term (`term_positions`)."""
    return Counter(term for _, term in term_positions(text, terms))


def aligned_spans(ref: str, hyp: str) -> list[tuple[int, int]]:
    """For each character of `ref`, the span of `hyp` aligned to it: itself where they agree, the whole replaced
    run where they differ, an empty span where it was not heard (a character alignment, as CER counts)."""
    spans: list[tuple[int, int]] = [(0, 0)] * len(ref)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ref, hyp, autojunk=False).get_opcodes():
        for k in range(i1, i2):
            spans[k] = (j1 + k - i1, j1 + k - i1 + 1) if tag == "equal" else (j1, j2)
    return spans


SOUND_KINDS = ("same sound", "one syllable off", "further", "unheard")


def heard_as(term: str, span: str) -> str:
    """How near what stands at a term's place came back: `same sound` (other characters: a case for the repair),
    `one syllable off` (as long, one toneless syllable differs), `further`, or `unheard` (nothing there)."""
    if not span:
        return "unheard"
    want, got = syllables(term), syllables(span)
    if len(want) != len(got):
        return "further"
    off = sum(a != b for a, b in zip(want, got, strict=True))
    return SOUND_KINDS[min(off, 2)]


def term_recall(truth: dict[str, dict[str, Any]], transcripts: dict[str, Transcript],
                terms: list[str]) -> dict[str, Any]:
    """Share of the domain terms said in the truth (per call, counted) that the transcript has as often; the
    missed ones by what came back at their place in the alignment of truth and transcript (`heard_as`)."""
    terms = sorted({t for t in terms if _HAN.match(t)}, key=lambda t: (-len(t), t))
    said = heard = 0
    missed: Counter = Counter()
    by_sound: Counter = Counter()
    for call_id, call in truth.items():
        ref = scoring_text("".join(t["text"] for t in call["turns"]))
        hyp_text = scoring_text("".join(u.text for u in transcripts[call_id].utterances))
        positions = term_positions(ref, terms)
        spans = aligned_spans(ref, hyp_text) if positions else []
        kinds: dict[str, list[str]] = {}
        for pos, term in positions:
            span = hyp_text[spans[pos][0]:spans[pos + len(term) - 1][1]]
            if span != term:
                kinds.setdefault(term, []).append(heard_as(term, span))
        for term, n in Counter(term for _, term in positions).items():
            got = min(n, hyp_text.count(term))
            said += n
            heard += got
            if got < n:  # the nearest of the places where it is not, as many as were missed
                missed[term] += n - got
                near = sorted(kinds.get(term, []), key=SOUND_KINDS.index)
                by_sound.update((near + ["further"] * n)[:n - got])
    return {"domain_terms": len(terms), "domain_terms_said": said,
            "domain_term_recall": round(heard / said, 4) if said else None,
            "domain_terms_missed": dict(missed.most_common(20)), "domain_terms_missed_by_sound": dict(by_sound)}


# ---- the task ------------------------------------------------------------------------------------------

def evaluate_audio(calls: list[dict[str, Any]], truth: dict[str, dict[str, Any]], audio: Path, work: Path,
                   settings: Settings, db: Path, log=print) -> dict[str, Any]:
    """A night over the voiced calls (files under `audio`, as their truth names them), scored with the calls
    scorers. The manifest and the transcripts' cache go in `work`; the warehouse stays at `db`."""
    work.mkdir(parents=True, exist_ok=True)
    manifest = write_manifest(work / "manifest_e2e.csv", truth, audio)
    transcribed, cost = transcribe_cached(manifest, settings, work / "transcripts", log)
    transcripts = {call.call_id: t for call, t in transcribed}
    con = connect(db)
    try:
        nights = land_audio(con, transcribed, settings)
        text_eval.run_steps(con, nights, settings)
        result: dict[str, Any] = {"speech": speech_scores(con, truth)}
        stored = TurnJoin.from_settings(settings)
        turn_of = {cid: align(stored.turns(t), truth[cid]) for cid, t in transcripts.items()}
        result["mapping"] = mapping_summary(turn_of, truth, {cid: len(t.utterances) for cid, t in transcripts.items()})
        renumber_turns(con, turn_of, calls)
        for scorer in text_eval.SCORERS:
            result.update(scorer(calls, con))
    finally:
        con.close()
    result.update(term_recall(truth, transcripts, analytics_terms(settings)))
    audio_s = sum(t.duration_s for t in transcripts.values())
    result["audio_seconds"] = round(audio_s, 1)
    result["speech_cost"] = {k: round(v, 1) if isinstance(v, float) else v for k, v in cost.items()}
    if cost["audio_s"]:
        result["speech_cost"]["cpu_per_audio_s"] = round(cost["cpu_s"] / cost["audio_s"], 4)
    return result


def main_topics(db: Path) -> dict[str, str]:
    """Each call's main topic in a warehouse: its taxonomy slug, else "<source>: <label>" (discovered: 体检预约)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("""SELECT c.call_id, t.source, t.slug, t.label FROM call_topics c
                              JOIN topics t USING (topic_id)""").fetchall()
    finally:
        con.close()
    return {cid: slug if source == "taxonomy" and slug else f"{source}: {label}" for cid, source, slug, label in rows}


def topic_agreement(text: dict[str, str], audio: dict[str, str], call_ids: Sequence[str]) -> dict[str, Any]:
    """Share of the calls whose main topic from audio is the one from text, and the calls where it is not.

    Beside call_topic_ari: on a few calls of many topics (eval e2e's 12 health calls hold 11) the ARI is near 0 from
    text and audio alike, so their ratio says nothing, while this counts what audio changed call by call."""
    differs = {cid: [text.get(cid), audio.get(cid)] for cid in call_ids if text.get(cid) != audio.get(cid)}
    return {"call_topic_same_as_text": round(1 - len(differs) / len(call_ids), 4) if call_ids else None,
            "call_topic_differs": differs}


def side_by_side(text: dict[str, Any], audio: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each compared figure from text and from audio, and audio / text (the issue's goal: >= 0.9)."""
    out = {}
    for key in COMPARED:
        t, a = text.get(key), audio.get(key)
        ratio = round(a / t, 3) if isinstance(t, int | float) and isinstance(a, int | float) and t else None
        out[key] = {"text": t, "audio": a, "audio_over_text": ratio}
    return out


def run(data_dir: Path, settings: Settings, limit: int | None = None, log=print) -> dict[str, Any]:
    """`callintel eval e2e --data DIR [--limit N]`: text and audio figures for the first N calls of DIR."""
    opts = settings["eval"]["e2e"]
    path = text_eval.dialogues_file(data_dir)
    read = text_eval.load_dialogues(path)
    dialogues, problems = checked_calls(read, settings)   # as eval calls reads them
    for line in problems:
        log(f"{path}: {line}")
    calls = chosen_calls(dialogues, limit or opts["limit"] or None, opts["mono_every"])
    settings = settings.with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    folder = set_folder(settings.path("e2e_cache"), path)
    truth = voice(calls, folder, log)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="callintel-eval-e2e-") as tmp:
        text = text_eval.evaluate(calls, settings, Path(tmp) / "text.duckdb")
        audio = evaluate_audio(calls, truth, folder, folder, settings, Path(tmp) / "audio.duckdb", log)
        agreement = topic_agreement(main_topics(Path(tmp) / "text.duckdb"), main_topics(Path(tmp) / "audio.duckdb"),
                                    [c["call_id"] for c in calls])
    speech = audio.pop("speech")
    return {"data": str(path), "calls": len(calls),
            "truth_problems": problem_summary(len(read), dialogues, problems),
            "mono_calls": sum(c["channel_layout"] == "mono" for c in calls),
            "voiced": str(folder), "compared": side_by_side(text, audio), **agreement,
            "cer": speech["cer"], "cer_agent": speech["cer_agent"], "cer_customer": speech["cer_customer"],
            "cer_per_call": speech["per_call"],
            **{k: audio[k] for k in ("domain_term_recall", "domain_terms_said", "domain_terms", "domain_terms_missed",
                                     "domain_terms_missed_by_sound", "audio_seconds", "speech_cost")},
            "audio_call_topic_names": audio.get("call_topic_names"),
            "text_call_topic_names": text.get("call_topic_names"),
            "audio_profile_by_field": audio.get("profile_by_field"),
            "text_profile_by_field": text.get("profile_by_field"), "mapping": audio.get("mapping"),
            "seconds": round(time.perf_counter() - t0, 1)}


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The side-by-side table a person reads (the JSON follows on the last line)."""
    lines = [f"{result['calls']} calls ({result['mono_calls']} mono), {result['audio_seconds']:.0f} s of audio",
             f"{'figure':22s} {'text':>8s} {'audio':>8s} {'audio/text':>10s}"]
    for key, row in result["compared"].items():
        def fmt(v: Any) -> str:
            return "-" if v is None else f"{v:.3f}"
        lines.append(f"{key:22s} {fmt(row['text']):>8s} {fmt(row['audio']):>8s} {fmt(row['audio_over_text']):>10s}")
    if result.get("call_topic_same_as_text") is not None:
        lines.append(f"main topic from audio = from text: {result['call_topic_same_as_text']:.3f} of the calls; "
                     f"differs: {json.dumps(result['call_topic_differs'], ensure_ascii=False)}")
    text_fields, audio_fields = result.get("text_profile_by_field") or {}, result.get("audio_profile_by_field") or {}
    lost = [f"{name} {row['recall']:.2f}/{audio_fields.get(name, {}).get('recall') or 0:.2f}"
            for name, row in text_fields.items() if row.get("true") and row.get("recall") is not None]
    if lost:
        lines.append("profile recall text/audio by field: " + ", ".join(lost))
    if result.get("mapping"):
        m = result["mapping"]
        lines.append(f"turns: {m['recognised_utterances']} utterances recognised, stored as {m['stored_turns']} turns "
                     f"({m['stored_unmapped']} on no truth turn); of {m['truth_turns']} truth turns "
                     f"{m['truth_turns_unheard']} unheard, {m['truth_turns_split']} still split")
    lines.append(f"CER overall {result['cer']:.3f}, agent {result['cer_agent']:.3f}, customer "
                 f"{result['cer_customer']:.3f} (stereo calls)")
    lines.append(f"domain-term recall {result['domain_term_recall']} of {result['domain_terms_said']} said; "
                 f"missed by sound: {json.dumps(result['domain_terms_missed_by_sound'], ensure_ascii=False)}; "
                 f"most missed: {json.dumps(result['domain_terms_missed'], ensure_ascii=False)}")
    return lines
