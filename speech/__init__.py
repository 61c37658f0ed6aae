"""Speech stage: call audio in, masked, time-ordered Mandarin utterances out.

Entry point: `speech.stage.transcribe_call`. Modules, in the order audio flows through them:
decode, channels, band, vad, asr, guards, normalize, redact, roles; `vocabulary` holds the
insurance terms offered to Whisper.
"""

# Bump when a code change alters the text the stage produces: it is part of every cache key,
# so cached transcripts made by older code are not reused.
# 13: a looping window decoded again ([speech] loop_*); 14: names heard in other characters; 15: ID numbers read in
# groups or after their cue, the nearest cue names a number, "29." before Chinese text a full stop; 16: a generic
# 号码 cue lets an ID number be read, a period before one spoken numeral ends a sentence
SPEECH_CODE_VERSION = 16
