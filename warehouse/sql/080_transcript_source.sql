-- Transcripts made elsewhere (issue 13): a manifest row may name a transcript instead of a recording.
-- Such a call has no audio (audio_path NULL) and may have no channel layout; audio_sha256 then holds the
-- transcript file's sha256, so repeat-contact checks that compare content keep working.

ALTER TABLE calls ALTER COLUMN audio_path DROP NOT NULL;
ALTER TABLE calls ALTER COLUMN channel_layout DROP NOT NULL;
ALTER TABLE calls ADD COLUMN source VARCHAR DEFAULT 'asr';
ALTER TABLE calls ADD COLUMN transcript_path VARCHAR;

COMMENT ON COLUMN calls.source IS 'Where the words came from: asr (callintel''s own speech stage) or the reader of an imported transcript (callintel, whisper, funasr, aws-call-analytics; see docs/transcripts.md).';
COMMENT ON COLUMN calls.transcript_path IS 'Absolute path of the imported transcript file; NULL when callintel transcribed the audio.';
COMMENT ON COLUMN calls.audio_path IS 'Absolute path of the recording that was transcribed; NULL for a call imported from a transcript.';
COMMENT ON COLUMN calls.audio_sha256 IS 'sha256 of the audio file (or of the transcript file for an imported call): changed content gets a new transcript.';
COMMENT ON COLUMN calls.channel_layout IS 'stereo_agent_left, stereo_agent_right or mono, as the manifest said; may be NULL for an imported transcript.';
COMMENT ON COLUMN calls.role_method IS 'How speakers were assigned: channel (stereo layout), greeting (mono or diarised, inferred from cue words), transcript (labelled in the imported file) or unknown.';
COMMENT ON COLUMN calls.duration_s IS 'Length of the recording in seconds (imported transcript: end of its last turn).';
COMMENT ON COLUMN calls.asr_model IS 'Speech model name and weight hash that produced the transcript; NULL for an imported transcript.';
COMMENT ON COLUMN failures.stage IS 'manifest, decode, transcribe, import (a transcript made elsewhere), nlp or warehouse.';
COMMENT ON COLUMN pipeline_runs.calls_cached IS 'Calls whose transcript came from the speech cache (same audio, model and settings; or same transcript file, reader and text settings).';
COMMENT ON TABLE speech_cache IS 'Masked transcripts by content hash (audio sha256 + model + speech settings, or transcript sha256 + reader + text settings): a rerun skips transcription and cleaning.';
