-- Recognised utterances written as speaker turns (callintel/turns.py, [night] turn_gap_s): the speech stage cuts a
-- turn wherever the VAD heard a pause or Whisper ended a segment, and the analytics read turns (a best reply, the
-- turn a question is asked in). A turn joined from several utterances keeps where each was heard in the audio.

ALTER TABLE utterances ADD COLUMN IF NOT EXISTS parts VARCHAR;

COMMENT ON COLUMN utterances.parts IS 'JSON list of [start_s, end_s] of each recognised utterance joined into this turn ([night] turn_gap_s: consecutive utterances of one speaker, a short pause apart), in order; NULL when the turn is one utterance (start_s and end_s say where it was heard).';
COMMENT ON COLUMN calls.agent_talk_s IS 'Seconds of agent speech: the recognised pieces'' spans, summed before they are joined into turns (a turn''s inner pauses are not speech).';
COMMENT ON COLUMN calls.customer_talk_s IS 'Seconds of customer speech: the recognised pieces'' spans, summed before they are joined into turns (a turn''s inner pauses are not speech).';
