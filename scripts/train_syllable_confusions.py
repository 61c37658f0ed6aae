"""Learn which syllables Whisper hears as which (configs/models/syllable_confusions.json; speech/confusions.py).

    .venv/bin/python scripts/train_syllable_confusions.py [--manifest samples/manifest.csv]
        [--truth samples/truth.json] [--cache var/confusions] [--out FILE] [--min-count 2]

Transcribes the manifest's recordings as the speech stage does with the term repair off (what Whisper wrote; the
transcripts are cached under --cache, so a rerun only counts), and aligns each speaker's text with what was said
(the truth's turns: `speaker`, `text`, as scripts/voice_samples.py writes them; a mono call as one text). By
default the project's own sample calls, voiced by the project: never the development sets, on which the table is
measured (`callintel eval e2e`). An installation points it at its own recordings and their corrected transcripts.
The counts depend on Whisper's words, which can differ by a character or two between processors; the file
records what it was learned from.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.evaluation.e2e import raw_settings, transcribe_cached  # noqa: E402
from callintel.evaluation.samples import scoring_text  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech import confusions  # noqa: E402


def texts(truth: dict, transcripts: list) -> list[tuple[str, str]]:
    """(what was said, what Whisper wrote) per speaker of each stereo call, per mono call."""
    out = []
    for call, transcript in transcripts:
        turns = truth.get(call.call_id, {}).get("turns")
        if not turns:
            continue
        speakers = [None] if call.channel_layout == "mono" else ["agent", "customer"]
        for who in speakers:
            said = "".join(t["text"] for t in turns if who is None or t["speaker"] == who)
            heard = "".join(u.text for u in transcript.utterances if who is None or u.speaker == who)
            out.append((scoring_text(said), scoring_text(heard)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--manifest", type=Path, default=ROOT / "samples" / "manifest.csv")
    parser.add_argument("--truth", type=Path, default=ROOT / "samples" / "truth.json")
    parser.add_argument("--cache", type=Path, default=ROOT / "var" / "confusions")
    parser.add_argument("--out", type=Path, default=ROOT / "configs" / "models" / "syllable_confusions.json")
    parser.add_argument("--min-count", type=int, default=2, help="pairs seen fewer times are not written")
    args = parser.parse_args()
    settings = load_settings().with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    # what Whisper wrote: no repair, so neither the table in force nor a missing one shapes what is counted
    transcribed, _ = transcribe_cached(args.manifest, raw_settings(settings), args.cache, log=print)
    truth = {c["call_id"]: c for c in json.loads(args.truth.read_text(encoding="utf-8"))["calls"]}
    said, heard = confusions.count(texts(truth, transcribed))
    meta = {"trained_on": f"{args.manifest.name} ({len(transcribed)} calls) with {args.truth.name}",
            "audio_s": round(sum(t.duration_s for _, t in transcribed), 1)}
    model = confusions.model_file(said, heard, args.min_count, meta)
    args.out.write_text(model.to_json(indent=1) + "\n", encoding="utf-8")
    print(f"{len(model.weights)} pairs from {sum(said.values())} syllables said -> {args.out}")
    for key, rate in list(model.weights.items())[:15]:
        print(f"  {key}: {model.body['counts'][key][0]} of {model.body['counts'][key][1]} ({rate:.3f})")


if __name__ == "__main__":
    main()
