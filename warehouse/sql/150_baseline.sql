-- The warehouse's tables, one writer each (flows/steps.py names the step that writes them): the baseline of
-- callintel before 1.0, replacing migrations 001-150. A new warehouse starts here; a warehouse those migrations
-- wrote is brought to the same tables by warehouse/sql/upgrade/150_from_legacy.sql (warehouse/db.py), its rows
-- kept. Views live one per file in warehouse/sql/views/ and are created again on every writer's connect.
-- Later schema changes go in new files numbered after this one.

-- Runs, calls and their turns. Re-running a night replaces a call's rows (keyed by call_id); it never duplicates them.
CREATE TABLE pipeline_runs (
    run_id             VARCHAR PRIMARY KEY,
    flow               VARCHAR NOT NULL,
    manifest           VARCHAR,
    nights             VARCHAR,
    started_at         TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at        TIMESTAMP WITH TIME ZONE,
    status             VARCHAR NOT NULL,
    calls_in_manifest  INTEGER,
    calls_ok           INTEGER,
    calls_cached       INTEGER,
    calls_failed       INTEGER,
    audio_seconds      DOUBLE,
    processing_seconds DOUBLE,
    config_fingerprint VARCHAR,
    model_versions     JSON,
    callintel_version  VARCHAR,
    summary            JSON,
    exit_code          INTEGER,
    note               VARCHAR,
    host               VARCHAR,
    pid                INTEGER
);
COMMENT ON TABLE pipeline_runs IS 'One row per run of a flow (a night, a demo, a rerun): what went in, what came out, which code, models and settings.';
COMMENT ON COLUMN pipeline_runs.run_id IS 'Unique id: label, start time and a random suffix.';
COMMENT ON COLUMN pipeline_runs.flow IS 'night (callintel run) or demo.';
COMMENT ON COLUMN pipeline_runs.manifest IS 'Absolute path of the manifest.';
COMMENT ON COLUMN pipeline_runs.nights IS 'Comma-separated nights (local dates) the manifest''s calls belong to.';
COMMENT ON COLUMN pipeline_runs.started_at IS 'When the run began.';
COMMENT ON COLUMN pipeline_runs.finished_at IS 'When it ended; NULL while running or if the process was killed.';
COMMENT ON COLUMN pipeline_runs.status IS 'running, succeeded (no failures), partial (some calls failed) or failed (the run itself broke).';
COMMENT ON COLUMN pipeline_runs.calls_in_manifest IS 'Rows in the manifest, good and bad.';
COMMENT ON COLUMN pipeline_runs.calls_ok IS 'Calls written to calls/utterances by this run.';
COMMENT ON COLUMN pipeline_runs.calls_cached IS 'Calls whose transcript came from the speech cache (same audio, model and settings; or same transcript file, reader and text settings).';
COMMENT ON COLUMN pipeline_runs.calls_failed IS 'Failures recorded by this run (manifest rows and calls).';
COMMENT ON COLUMN pipeline_runs.audio_seconds IS 'Audio transcribed by this run (cached calls excluded).';
COMMENT ON COLUMN pipeline_runs.processing_seconds IS 'Speech-stage seconds spent on it: divide by audio_seconds for the real-time factor.';
COMMENT ON COLUMN pipeline_runs.config_fingerprint IS 'Hash of the merged settings; differing fingerprints explain differing results.';
COMMENT ON COLUMN pipeline_runs.model_versions IS 'Model names and weight hashes (JSON).';
COMMENT ON COLUMN pipeline_runs.callintel_version IS 'Version of this code base.';
COMMENT ON COLUMN pipeline_runs.summary IS 'The run summary (JSON): calls in / done / cached / failed / to review, audio hours, wall seconds, calls per hour, slowest calls.';
COMMENT ON COLUMN pipeline_runs.exit_code IS 'Exit code `callintel run` returned: 0 succeeded, 3 partial, 4 failed (see README, Operations).';
COMMENT ON COLUMN pipeline_runs.note IS 'Why a run ended as it did: for interrupted runs, how far it got and when it was last alive; for failed runs, the error.';
COMMENT ON COLUMN pipeline_runs.host IS 'Machine the run ran on.';
COMMENT ON COLUMN pipeline_runs.pid IS 'Process id of the run (to match it with system logs).';
CREATE TABLE calls (
    call_id         VARCHAR PRIMARY KEY,
    night           DATE NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at        TIMESTAMP WITH TIME ZONE,
    duration_s      DOUBLE,
    caller_hash     VARCHAR,
    caller_number   VARCHAR,
    agent_id        VARCHAR,
    channel_layout  VARCHAR,
    role_method     VARCHAR,
    audio_path      VARCHAR,
    audio_sha256    VARCHAR NOT NULL,
    n_utterances    INTEGER NOT NULL,
    agent_talk_s    DOUBLE,
    customer_talk_s DOUBLE,
    warnings        JSON,
    attributes      JSON,
    run_id          VARCHAR NOT NULL,
    asr_model       VARCHAR,
    processed_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    source          VARCHAR DEFAULT 'asr',
    transcript_path VARCHAR
);
COMMENT ON TABLE calls IS 'One row per successfully transcribed call. Keyed by call_id; a rerun replaces the row.';
COMMENT ON COLUMN calls.call_id IS 'The manifest''s call id: the key every other table joins on.';
COMMENT ON COLUMN calls.night IS 'Local (configs [night].timezone) date the call started: the night that processed it.';
COMMENT ON COLUMN calls.started_at IS 'When the call started (manifest started_at, with its time zone).';
COMMENT ON COLUMN calls.ended_at IS 'started_at plus the recording''s duration.';
COMMENT ON COLUMN calls.duration_s IS 'Length of the recording in seconds (imported transcript: end of its last turn).';
COMMENT ON COLUMN calls.caller_hash IS 'HMAC-SHA256 of the normalised caller number (key from CALLINTEL_CALLER_HASH_KEY); NULL when withheld. Join repeat calls on this.';
COMMENT ON COLUMN calls.caller_number IS 'Raw caller number, only when [privacy].keep_caller_number = true; NULL otherwise.';
COMMENT ON COLUMN calls.agent_id IS 'The agent who took the call (manifest agent_id).';
COMMENT ON COLUMN calls.channel_layout IS 'stereo_agent_left, stereo_agent_right or mono, as the manifest said; may be NULL for an imported transcript.';
COMMENT ON COLUMN calls.role_method IS 'How speakers were assigned: channel (stereo layout), greeting (mono or diarised, inferred from cue words), transcript (labelled in the imported file) or unknown.';
COMMENT ON COLUMN calls.audio_path IS 'Absolute path of the recording that was transcribed; NULL for a call imported from a transcript.';
COMMENT ON COLUMN calls.audio_sha256 IS 'sha256 of the audio file (or of the transcript file for an imported call): changed content gets a new transcript.';
COMMENT ON COLUMN calls.n_utterances IS 'Number of rows in utterances for this call.';
COMMENT ON COLUMN calls.agent_talk_s IS 'Seconds of agent speech (sum of agent utterance spans).';
COMMENT ON COLUMN calls.customer_talk_s IS 'Seconds of customer speech (sum of customer utterance spans).';
COMMENT ON COLUMN calls.warnings IS 'Per-call warnings from the speech stage (e.g. a silent channel), as a JSON list of strings.';
COMMENT ON COLUMN calls.attributes IS 'Manifest columns beyond the required ones, kept as given.';
COMMENT ON COLUMN calls.run_id IS 'The pipeline_runs row that last wrote this call.';
COMMENT ON COLUMN calls.asr_model IS 'Speech model name and weight hash that produced the transcript; NULL for an imported transcript.';
COMMENT ON COLUMN calls.processed_at IS 'When this row was written.';
COMMENT ON COLUMN calls.source IS 'Where the words came from: asr (callintel''s own speech stage) or the reader of an imported transcript (callintel, whisper, funasr, aws-call-analytics; see docs/transcripts.md).';
COMMENT ON COLUMN calls.transcript_path IS 'Absolute path of the imported transcript file; NULL when callintel transcribed the audio.';
CREATE TABLE utterances (
    call_id         VARCHAR NOT NULL,
    seq             INTEGER NOT NULL,
    speaker         VARCHAR NOT NULL,
    channel         INTEGER,
    start_s         DOUBLE NOT NULL,
    end_s           DOUBLE NOT NULL,
    text            VARCHAR NOT NULL,
    avg_logprob     DOUBLE,
    no_speech_prob  DOUBLE,
    stated_age      INTEGER,
    PRIMARY KEY (call_id, seq)
);
COMMENT ON TABLE utterances IS 'Time-ordered turns of each call, Simplified Chinese, PII masked ([手机号], [身份证号], [银行卡号]).';
COMMENT ON COLUMN utterances.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN utterances.seq IS 'Position of the turn in the call, from 0, in time order.';
COMMENT ON COLUMN utterances.speaker IS 'agent, customer or unknown.';
COMMENT ON COLUMN utterances.channel IS 'Audio channel the turn was heard on (0 left / mono, 1 right).';
COMMENT ON COLUMN utterances.start_s IS 'Seconds from the start of the recording.';
COMMENT ON COLUMN utterances.end_s IS 'Seconds from the start of the recording.';
COMMENT ON COLUMN utterances.text IS 'What was said: Simplified Chinese, normalised punctuation, PII masked.';
COMMENT ON COLUMN utterances.avg_logprob IS 'Whisper''s mean token log-probability: lower means less certain.';
COMMENT ON COLUMN utterances.no_speech_prob IS 'Whisper''s probability that the segment held no speech.';
COMMENT ON COLUMN utterances.stated_age IS 'Age in whole years on the call''s date given by an ID number or birth date said in this turn, read before they were masked (only the age is kept, never the date); NULL when the turn states neither. Whose age it is the profiles step decides from the turn''s words.';
CREATE TABLE failures (
    item            VARCHAR NOT NULL,
    stage           VARCHAR NOT NULL,
    call_id         VARCHAR,
    manifest        VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    detail          VARCHAR,
    run_id          VARCHAR NOT NULL,
    failed_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    source_path     VARCHAR,
    PRIMARY KEY (manifest, item, stage)
);
COMMENT ON TABLE failures IS 'Calls or manifest lines that did not make it through a stage, with a reason a person can act on. A call that lands clears the failures of its call_id (any manifest, any stage but a duplicate row''s) and those of rows without a call_id that named its file; rerunning a manifest clears its fixed rows.';
COMMENT ON COLUMN failures.item IS 'The call_id, or "line N" for a manifest row without one.';
COMMENT ON COLUMN failures.stage IS 'manifest, decode, transcribe, import (a transcript made elsewhere), nlp or warehouse.';
COMMENT ON COLUMN failures.call_id IS 'The call, when the failing row had one.';
COMMENT ON COLUMN failures.manifest IS 'Absolute path of the manifest the item came from.';
COMMENT ON COLUMN failures.reason IS 'What went wrong and what to do about it.';
COMMENT ON COLUMN failures.detail IS 'Technical detail (exception text), when there is any.';
COMMENT ON COLUMN failures.run_id IS 'The run that last saw this failure.';
COMMENT ON COLUMN failures.failed_at IS 'When the failure was last recorded.';
COMMENT ON COLUMN failures.source_path IS 'Absolute path of the recording or transcript the failed manifest row names (NULL when it names none): a call landing from that file clears a failure of a row that had no call_id ("line N").';
CREATE TABLE speech_cache (
    cache_key       VARCHAR PRIMARY KEY,
    call_id         VARCHAR NOT NULL,
    audio_sha256    VARCHAR NOT NULL,
    transcript      JSON NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE speech_cache IS 'Masked transcripts by content hash (audio sha256 + model + speech settings, or transcript sha256 + reader + text settings): a rerun skips transcription and cleaning.';
COMMENT ON COLUMN speech_cache.cache_key IS 'sha256 of the content hash with the model and speech (or reader and text) settings.';
COMMENT ON COLUMN speech_cache.call_id IS 'The call the transcript was first made for (calls.call_id).';
COMMENT ON COLUMN speech_cache.audio_sha256 IS 'sha256 of the audio (or transcript) file.';
COMMENT ON COLUMN speech_cache.transcript IS 'The masked, time-ordered utterances as JSON.';
COMMENT ON COLUMN speech_cache.created_at IS 'When the transcript was cached.';
CREATE TABLE publication (
    run_id          VARCHAR PRIMARY KEY,
    nights          VARCHAR,
    status          VARCHAR NOT NULL,
    calls           INTEGER NOT NULL,
    published_at    TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE publication IS 'One row: the night this file holds. Nights write a copy and replace the file readers open when they end, so a reader always sees a whole night; pipeline_runs has the history.';
COMMENT ON COLUMN publication.run_id IS 'The run (pipeline_runs.run_id) that published this file.';
COMMENT ON COLUMN publication.nights IS 'Comma-separated nights (local dates) that run processed.';
COMMENT ON COLUMN publication.status IS 'succeeded or partial (a failed or killed night is never published).';
COMMENT ON COLUMN publication.calls IS 'Rows in calls when it was published (all nights).';
COMMENT ON COLUMN publication.published_at IS 'When the file was handed to readers.';
CREATE TABLE privacy_keys (
    purpose         VARCHAR PRIMARY KEY,
    key_fingerprint VARCHAR NOT NULL,
    first_run_id    VARCHAR,
    recorded_at     TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);
COMMENT ON TABLE privacy_keys IS 'The key each keyed hash of this warehouse was made with, as a fingerprint (never the key): a run with another key is refused.';
COMMENT ON COLUMN privacy_keys.purpose IS 'What the key hashes: caller_hash (calls.caller_hash).';
COMMENT ON COLUMN privacy_keys.key_fingerprint IS 'HMAC-SHA256(key, a fixed text), first 16 hex characters: identifies the key without revealing it.';
COMMENT ON COLUMN privacy_keys.first_run_id IS 'The run that first hashed numbers with this key (pipeline_runs.run_id).';
COMMENT ON COLUMN privacy_keys.recorded_at IS 'When the fingerprint was recorded.';

-- The settings each analytics step ran with: the one parameters table the views and warehouse/sql/derived/ read.
CREATE TABLE step_params (
    step            VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    value           VARCHAR NOT NULL,
    PRIMARY KEY (step, name)
);
COMMENT ON TABLE step_params IS 'The settings each analytics step last ran with (from configs/callintel.toml), as text: what the views and the derived SQL files read, so a query shows the thresholds behind its numbers.';
COMMENT ON COLUMN step_params.step IS 'The step that wrote it: topics, outcomes, ...';
COMMENT ON COLUMN step_params.name IS 'The setting''s key within the step''s section, dotted for subsections (trend.min_count).';
COMMENT ON COLUMN step_params.value IS 'The value as text; readers cast it.';

-- Hot questions and topics (warehouse/topics.py): the questions step writes questions, the topics step (taxonomy
-- match, then clustering) topics, question_topics and question_follow_ups, the call_topics step
-- call_question_topics and call_topics; topic_daily is derived
-- (warehouse/sql/derived/topic_daily.sql). Every other table reads a call's topic from call_topics, never a copy.
CREATE TABLE embedding_cache (
    text_sha256     VARCHAR NOT NULL,
    model           VARCHAR NOT NULL,
    vector          FLOAT[] NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (text_sha256, model)
);
COMMENT ON TABLE embedding_cache IS 'Sentence embeddings by content: sha256 of the embedded text plus model name. A rerun embeds only texts it has not seen.';
COMMENT ON COLUMN embedding_cache.text_sha256 IS 'sha256 of the exact text embedded (questions.core).';
COMMENT ON COLUMN embedding_cache.model IS 'Embedding model name from [topics].model, e.g. m3e-small.';
COMMENT ON COLUMN embedding_cache.vector IS 'Unit-length embedding (cosine = dot product).';
COMMENT ON COLUMN embedding_cache.created_at IS 'When the vector was computed.';
CREATE TABLE questions (
    question_id     VARCHAR PRIMARY KEY,
    call_id         VARCHAR NOT NULL,
    seq             INTEGER NOT NULL,
    part            INTEGER NOT NULL,
    night           DATE NOT NULL,
    asked_at        TIMESTAMP WITH TIME ZONE,
    text            VARCHAR NOT NULL,
    core            VARCHAR NOT NULL,
    cue             VARCHAR NOT NULL,
    text_sha256     VARCHAR NOT NULL
);
COMMENT ON TABLE questions IS 'Questions and requests detected in customer turns, one per sentence. Keyed by call, utterance and sentence; a rerun of the night replaces them.';
COMMENT ON COLUMN questions.question_id IS 'call_id:seq:part, stable across reruns.';
COMMENT ON COLUMN questions.call_id IS 'The call it was asked in (calls.call_id).';
COMMENT ON COLUMN questions.seq IS 'The utterance (utterances.seq) it comes from.';
COMMENT ON COLUMN questions.part IS 'Sentence number within the utterance, from 0.';
COMMENT ON COLUMN questions.night IS 'The call''s night (calls.night).';
COMMENT ON COLUMN questions.asked_at IS 'calls.started_at plus the utterance''s start offset.';
COMMENT ON COLUMN questions.text IS 'The sentence as said, PII-masked.';
COMMENT ON COLUMN questions.core IS 'The sentence without greetings and "I want to ask" openers: what is embedded and labelled.';
COMMENT ON COLUMN questions.cue IS 'Why it counts as a question: mark (？), interrogative (怎么, 多少...), particle (吗, 呢) or request (帮我查一下...). Lexicon: configs/question_cues.toml.';
COMMENT ON COLUMN questions.text_sha256 IS 'sha256 of core: the embedding_cache key.';
CREATE TABLE question_follow_ups (
    question_id     VARCHAR PRIMARY KEY,
    night           DATE NOT NULL
);
COMMENT ON TABLE question_follow_ups IS 'Questions that only make sense after what they follow (那要等多久, 打到哪张卡上了): they take that topic in the call_topics step (call_question_topics, method context), are never clustered nor a representative. Written by the topics step; a question without a row makes sense alone.';
COMMENT ON COLUMN question_follow_ups.question_id IS 'questions.question_id.';
COMMENT ON COLUMN question_follow_ups.night IS 'The question''s night: a rerun of the topics step for that night replaces its rows.';
CREATE TABLE topics (
    topic_id                   INTEGER PRIMARY KEY,
    label                      VARCHAR NOT NULL,
    keywords                   JSON NOT NULL,
    representative             VARCHAR NOT NULL,
    representative_question_id VARCHAR,
    created_night              DATE NOT NULL,
    initial_size               INTEGER NOT NULL,
    model                      VARCHAR NOT NULL,
    centroid                   FLOAT[] NOT NULL,
    created_at                 TIMESTAMP WITH TIME ZONE NOT NULL,
    slug                       VARCHAR,
    source                     VARCHAR DEFAULT 'discovered',
    label_source               VARCHAR DEFAULT 'keywords'
);
COMMENT ON TABLE topics IS 'Hot-question topics, known (taxonomy, "other") and discovered, written by the topics step alone (ids from one sequence, known first). A topic id keeps its meaning for ever: its centroid is frozen at creation and questions join only within [topics].assign_threshold of it.';
COMMENT ON COLUMN topics.topic_id IS 'Integer id, handed out in order of creation.';
COMMENT ON COLUMN topics.label IS 'Short Chinese name: the taxonomy name, an analyst''s name from configs/topic_names.toml (applied by the topics step after each night), or for a discovered topic its two leading key phrases (c-TF-IDF over jieba words).';
COMMENT ON COLUMN topics.keywords IS 'The label''s keywords with their c-TF-IDF weights, as a JSON list of [word, weight].';
COMMENT ON COLUMN topics.representative IS 'The medoid question at creation (the member closest to all others), PII-masked.';
COMMENT ON COLUMN topics.representative_question_id IS 'questions.question_id of the representative (NULL if that call was removed since).';
COMMENT ON COLUMN topics.created_night IS 'The night whose run created the topic.';
COMMENT ON COLUMN topics.initial_size IS 'Questions in the cluster that created it.';
COMMENT ON COLUMN topics.model IS 'Embedding model of the centroid; topics of another model are not assigned to.';
COMMENT ON COLUMN topics.centroid IS 'Unit mean embedding of the first members; never updated.';
COMMENT ON COLUMN topics.created_at IS 'When the row was written.';
COMMENT ON COLUMN topics.slug IS 'Key of the taxonomy topic (configs/topic_taxonomy.toml) or of the "other" topic; NULL for a discovered topic. One id per slug, kept for ever.';
COMMENT ON COLUMN topics.source IS 'taxonomy (a known business topic), other (calls with nothing topical) or discovered (a cluster of questions no known topic matched).';
COMMENT ON COLUMN topics.label_source IS 'Where the label comes from: taxonomy (its name there), keywords (key phrases of its own questions) or analyst (configs/topic_names.toml, which always wins).';
CREATE TABLE question_topics (
    question_id     VARCHAR PRIMARY KEY,
    topic_id        INTEGER NOT NULL,
    similarity      DOUBLE NOT NULL,
    method          VARCHAR NOT NULL,
    assigned_night  DATE NOT NULL
);
COMMENT ON TABLE question_topics IS 'Which topic each question belongs to by its own words: a taxonomy match or a cluster, both by the topics step. A question with no row here nor in call_question_topics is noise: not (yet) part of any topic; it is pooled with the next nights'' questions for discovery. Read v_question_topics for the topic the call gives it.';
COMMENT ON COLUMN question_topics.question_id IS 'questions.question_id.';
COMMENT ON COLUMN question_topics.topic_id IS 'topics.topic_id.';
COMMENT ON COLUMN question_topics.similarity IS 'phrase: summed key-phrase weight; example: cosine to the nearest example; absorbed/discovered: cosine to the topic centroid.';
COMMENT ON COLUMN question_topics.method IS 'phrase (key phrases of a taxonomy topic) or example (nearest taxonomy example question), matched first; absorbed (its cluster kept the existing topic whose frozen centroid is nearest) or discovered (its cluster opened a new topic), by the clustering of what no match decided. What the call adds is call_question_topics (v_question_topics shows both).';
COMMENT ON COLUMN question_topics.assigned_night IS 'The night whose run made or last revised the assignment (a question of an earlier night in the pool window can be moved later). A rerun of that night removes it first.';
CREATE TABLE call_question_topics (
    question_id     VARCHAR PRIMARY KEY,
    topic_id        INTEGER NOT NULL,
    similarity      DOUBLE NOT NULL,
    method          VARCHAR NOT NULL,
    assigned_night  DATE NOT NULL
);
COMMENT ON TABLE call_question_topics IS 'The topics the call_topics step gives questions in the light of their call, over what question_topics says: a follow-up takes the topic of what it follows (context), a general topic is made specific by a sibling said in the same call (family). Written by the call_topics step alone; v_question_topics lays it over question_topics.';
COMMENT ON COLUMN call_question_topics.question_id IS 'questions.question_id.';
COMMENT ON COLUMN call_question_topics.topic_id IS 'topics.topic_id the call gives the question.';
COMMENT ON COLUMN call_question_topics.similarity IS '0: the topic comes from the call, not from a likeness.';
COMMENT ON COLUMN call_question_topics.method IS 'context (a follow-up: the topic of the question it follows) or family (the specific sibling topic said in the call).';
COMMENT ON COLUMN call_question_topics.assigned_night IS 'The question''s night: a rerun of the call_topics step for that night replaces its rows.';
CREATE TABLE call_topics (
    call_id         VARCHAR PRIMARY KEY,
    night           DATE NOT NULL,
    topic_id        INTEGER NOT NULL,
    method          VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    question_id     VARCHAR,
    evidence_text   VARCHAR,
    questions       INTEGER NOT NULL,
    unclustered     INTEGER NOT NULL,
    assigned_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE call_topics IS 'The main topic of every call with customer speech: why the customer called. Never NULL: a call with nothing topical gets the "other" topic (topics.source = ''other'', 其他). Repeat callers and low-resolution topics read it. Rewritten when a later night''s re-clustering moves the questions of its night (within [topics] pool_nights); the tables that need a call''s topic join it, so none shows an old one.';
COMMENT ON COLUMN call_topics.call_id IS 'calls.call_id.';
COMMENT ON COLUMN call_topics.night IS 'The call''s night; a rerun of the night, or a later night whose re-clustering changed its questions'' topics, replaces its rows.';
COMMENT ON COLUMN call_topics.topic_id IS 'topics.topic_id of the main topic.';
COMMENT ON COLUMN call_topics.method IS 'questions (vote of its questions'' topics, the first counting most, plus key phrases over all customer words), customer_text (key phrases or nearest example over the customer''s words, no topical question) or other.';
COMMENT ON COLUMN call_topics.score IS 'The winning vote ([topics.taxonomy] weights), or the cosine for customer_text by example; 0 for other.';
COMMENT ON COLUMN call_topics.question_id IS 'The first question of the call in that topic (questions.question_id), NULL when none.';
COMMENT ON COLUMN call_topics.evidence_text IS 'That question as said (PII-masked), NULL when none.';
COMMENT ON COLUMN call_topics.questions IS 'Questions detected in the call.';
COMMENT ON COLUMN call_topics.unclustered IS 'Of those, how many have no topic (not matched, not in any cluster, or a follow-up with nothing to follow).';
COMMENT ON COLUMN call_topics.assigned_at IS 'When the call_topics step last wrote the row (its own night, or a revision by a later one).';
CREATE TABLE topic_daily (
    topic_id        INTEGER NOT NULL,
    night           DATE NOT NULL,
    questions       INTEGER NOT NULL,
    calls           INTEGER NOT NULL,
    prev7_avg       DOUBLE NOT NULL,
    change_pct      DOUBLE,
    first_seen      DATE NOT NULL,
    trend           VARCHAR NOT NULL,
    PRIMARY KEY (topic_id, night)
);
COMMENT ON TABLE topic_daily IS 'Per topic and night: questions, calls, the mean of the previous 7 nights and the trend. Recomputed from questions and v_question_topics after every run.';
COMMENT ON COLUMN topic_daily.topic_id IS 'topics.topic_id.';
COMMENT ON COLUMN topic_daily.night IS 'The night counted.';
COMMENT ON COLUMN topic_daily.questions IS 'Questions of that night in the topic.';
COMMENT ON COLUMN topic_daily.calls IS 'Distinct calls of that night with a question in the topic.';
COMMENT ON COLUMN topic_daily.prev7_avg IS 'Mean questions per night over the nights with data (any call) among the 7 before, from the topic''s first night on; 0 when there is none.';
COMMENT ON COLUMN topic_daily.change_pct IS 'questions / prev7_avg - 1, in percent; NULL when prev7_avg is 0.';
COMMENT ON COLUMN topic_daily.first_seen IS 'First night with a question in the topic, not before the night that created it.';
COMMENT ON COLUMN topic_daily.trend IS 'new (first seen within [topics.trend].new_nights), rising, falling (includes a fall to 0 tonight), quiet (0 tonight after too few to call it a fall) or steady, against prev7_avg ([topics.trend] ratios and min_count).';

-- Call outcomes (warehouse/outcomes.py): resolution per call; repeat contacts and FCR are derived
-- (warehouse/sql/derived/repeat_contacts.sql). The awkward cases are defined in views/v_repeat_links.sql.
CREATE TABLE call_outcomes (
    call_id          VARCHAR PRIMARY KEY,
    night            DATE NOT NULL,
    caller_hash      VARCHAR,
    agent_id         VARCHAR,
    started_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    local_hour       INTEGER NOT NULL,
    handle_s         DOUBLE,
    n_turns          INTEGER NOT NULL,
    score            DOUBLE NOT NULL,
    rule_score       DOUBLE NOT NULL,
    method           VARCHAR NOT NULL,
    dialogue_label   VARCHAR NOT NULL,
    label            VARCHAR NOT NULL,
    fcr_override     BOOLEAN NOT NULL DEFAULT false,
    escalated        BOOLEAN NOT NULL,
    unanswered       BOOLEAN NOT NULL,
    evidence         JSON NOT NULL,
    evidence_text    VARCHAR NOT NULL,
    versions         VARCHAR NOT NULL,
    scored_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    resolved_in_call BOOLEAN,
    fcr_failed       BOOLEAN,
    fcr_next_call_id VARCHAR
);
COMMENT ON TABLE call_outcomes IS 'One row per scored call: was the issue resolved in this contact, how sure, and the phrases that say so; first-contact resolution beside it (fcr_failed). The call''s topic is call_topics.topic_id (v_calls, v_call_resolution join it).';
COMMENT ON COLUMN call_outcomes.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN call_outcomes.night IS 'The call''s night (calls.night).';
COMMENT ON COLUMN call_outcomes.caller_hash IS 'The caller (calls.caller_hash); NULL when withheld.';
COMMENT ON COLUMN call_outcomes.agent_id IS 'The agent who took the call (calls.agent_id).';
COMMENT ON COLUMN call_outcomes.started_at IS 'When the call started (calls.started_at).';
COMMENT ON COLUMN call_outcomes.local_hour IS 'Hour (0-23) the call started, in [night].timezone.';
COMMENT ON COLUMN call_outcomes.handle_s IS 'ended_at - started_at in seconds; NULL when the clock is skewed (ends before it starts).';
COMMENT ON COLUMN call_outcomes.n_turns IS 'Speaker turns (consecutive utterances of one speaker joined).';
COMMENT ON COLUMN call_outcomes.score IS 'Probability-like 0..1, higher = more likely unresolved (the model when configured, else the rules).';
COMMENT ON COLUMN call_outcomes.rule_score IS 'The rules-only score (configs/resolution_lexicon.toml), kept for comparison.';
COMMENT ON COLUMN call_outcomes.method IS 'model or rules: what produced score.';
COMMENT ON COLUMN call_outcomes.dialogue_label IS 'resolved / unresolved / unknown from the dialogue alone ([labels] thresholds; too-short calls are unknown).';
COMMENT ON COLUMN call_outcomes.label IS 'Resolved in the call: the same as dialogue_label (resolved / unresolved / unknown). A later repeat call never changes it: FCR is fcr_failed.';
COMMENT ON COLUMN call_outcomes.fcr_override IS 'The same as fcr_failed (false when no verdict), kept for the views that read it: the caller came back within the window about the matter this call left unresolved.';
COMMENT ON COLUMN call_outcomes.escalated IS 'The caller asked to complain or escalate (我要投诉, 找你们领导, 去银保监): [escalation] of the lexicon, customer turns only, a request rather than a past mention (昨天投诉过) or an agent''s transfer.';
COMMENT ON COLUMN call_outcomes.unanswered IS 'The call ended on a customer question no agent turn answered.';
COMMENT ON COLUMN call_outcomes.evidence IS 'JSON list of {cue, phrase, turn, speaker, weight, text}: the rule cues that fired, those pulling the way the score went first; text is the sentence said (masked), weight > 0 pushes towards unresolved.';
COMMENT ON COLUMN call_outcomes.evidence_text IS 'The evidence as cue:phrase@turn, for reading in a query result.';
COMMENT ON COLUMN call_outcomes.versions IS 'Lexicon and model hashes the score came from.';
COMMENT ON COLUMN call_outcomes.scored_at IS 'When the outcomes step wrote the row.';
COMMENT ON COLUMN call_outcomes.resolved_in_call IS 'Resolved in the call by what the dialogue says: true when dialogue_label = resolved, false when unresolved, NULL when unknown.';
COMMENT ON COLUMN call_outcomes.fcr_failed IS 'First-contact resolution failed: this call was not resolved in the call (dialogue_label is not resolved) and the same caller called again within the window about the same matter ([outcomes] fcr_same_topic_only, fcr_unknown_topic_overrides). A callback after a resolved call (to buy, to send a promised document, about another matter) is not a failure. NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN call_outcomes.fcr_next_call_id IS 'When fcr_failed: the repeat call that came back about it.';
CREATE TABLE repeat_contacts (
    call_id         VARCHAR PRIMARY KEY,
    caller_hash     VARCHAR,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    agent_id        VARCHAR,
    flag            VARCHAR NOT NULL,
    duplicate_of    VARCHAR,
    prev_call_id    VARCHAR,
    prev_started_at TIMESTAMP WITH TIME ZONE,
    gap_prev_s      BIGINT,
    next_call_id    VARCHAR,
    next_started_at TIMESTAMP WITH TIME ZONE,
    gap_next_s      BIGINT,
    same_topic_prev BOOLEAN,
    same_topic_next BOOLEAN,
    same_agent_prev BOOLEAN,
    same_agent_next BOOLEAN,
    is_repeat       BOOLEAN NOT NULL,
    has_repeat      BOOLEAN NOT NULL,
    fcr_override    BOOLEAN NOT NULL,
    window_days     DOUBLE NOT NULL,
    fcr_failed      BOOLEAN
);
COMMENT ON TABLE repeat_contacts IS 'One row per call: the same caller''s previous and next call within the window, the gaps, whether topic (call_topics) and agent are the same, and the FCR decision. Recomputed whole after every outcomes run.';
COMMENT ON COLUMN repeat_contacts.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN repeat_contacts.caller_hash IS 'The caller (calls.caller_hash); NULL when withheld.';
COMMENT ON COLUMN repeat_contacts.started_at IS 'When the call started (calls.started_at).';
COMMENT ON COLUMN repeat_contacts.agent_id IS 'The agent who took the call (calls.agent_id).';
COMMENT ON COLUMN repeat_contacts.flag IS 'ok, withheld (no caller number: never a repeat), duplicate (same call loaded twice) or clock_skew (ends before it starts).';
COMMENT ON COLUMN repeat_contacts.duplicate_of IS 'For a duplicate: the call_id kept as the call.';
COMMENT ON COLUMN repeat_contacts.prev_call_id IS 'The caller''s previous call when it started at most window_days before this one; else NULL.';
COMMENT ON COLUMN repeat_contacts.prev_started_at IS 'When that previous call started.';
COMMENT ON COLUMN repeat_contacts.gap_prev_s IS 'Seconds from the previous call''s start to this call''s start (exact).';
COMMENT ON COLUMN repeat_contacts.next_call_id IS 'The caller''s next call when it started at most window_days after this one; else NULL.';
COMMENT ON COLUMN repeat_contacts.next_started_at IS 'When that next call started.';
COMMENT ON COLUMN repeat_contacts.gap_next_s IS 'Seconds from this call''s start to the next call''s start (exact).';
COMMENT ON COLUMN repeat_contacts.same_topic_prev IS 'Both calls have the same main topic; NULL when either topic is unknown.';
COMMENT ON COLUMN repeat_contacts.same_topic_next IS 'Both calls have the same main topic (call_topics); NULL when either topic is unknown.';
COMMENT ON COLUMN repeat_contacts.same_agent_prev IS 'Both calls were taken by the same agent; NULL when either agent is unknown.';
COMMENT ON COLUMN repeat_contacts.same_agent_next IS 'Both calls were taken by the same agent; NULL when either agent is unknown.';
COMMENT ON COLUMN repeat_contacts.is_repeat IS 'This call has a previous call within the window.';
COMMENT ON COLUMN repeat_contacts.has_repeat IS 'The caller called again within the window after this call.';
COMMENT ON COLUMN repeat_contacts.fcr_override IS 'The same as fcr_failed (kept for the views that read it).';
COMMENT ON COLUMN repeat_contacts.window_days IS 'The repeat window in days the row was computed with (step_params outcomes.repeat_window_days).';
COMMENT ON COLUMN repeat_contacts.fcr_failed IS 'The caller came back within the window about the matter this call left unresolved (see call_outcomes.fcr_failed).';

-- Customer profiles (warehouse/profiles.py), the script library (warehouse/replies.py, script_reviews copied from
-- the QA leads' review store by warehouse/reviews.py) and purchase-intent leads (warehouse/leads.py).
CREATE TABLE profile_facts (
    call_id         VARCHAR NOT NULL,
    caller_hash     VARCHAR,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    field           VARCHAR NOT NULL,
    value           VARCHAR NOT NULL,
    confidence      DOUBLE NOT NULL,
    turn            INTEGER NOT NULL,
    evidence        VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    extracted_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (call_id, field, value)
);
COMMENT ON TABLE profile_facts IS 'Customer-profile facts (客户画像), long form: one row per fact a call states about its caller, with the utterance that says it.';
COMMENT ON COLUMN profile_facts.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN profile_facts.caller_hash IS 'The caller (calls.caller_hash); NULL when the number was withheld.';
COMMENT ON COLUMN profile_facts.started_at IS 'When the call started: the newest call wins when facts are merged per caller.';
COMMENT ON COLUMN profile_facts.field IS 'gender, age, city, occupation, marital_status, children, existing_policies, income_band, preferred_contact_time, health_condition, budget_concern or insured_person.';
COMMENT ON COLUMN profile_facts.value IS 'Normalised value: 男/女; age "41" or a band "50-59"; city without 市; 已婚/未婚/离异/丧偶; a child count; one product type per row for existing_policies; income band <5000 / 5000-10000 / 10000-20000 / >20000; 上午/中午/下午/晚上/周末.';
COMMENT ON COLUMN profile_facts.confidence IS 'How sure the pattern is (0..1); facts under [profiles].min_confidence are not stored.';
COMMENT ON COLUMN profile_facts.turn IS 'utterances.seq of the evidence utterance.';
COMMENT ON COLUMN profile_facts.evidence IS 'The evidence utterance''s text (masked).';
COMMENT ON COLUMN profile_facts.source IS 'customer (the caller''s own words) or agent (the agent confirms it to the caller: 好的刘先生, 您名下有一份…).';
COMMENT ON COLUMN profile_facts.extracted_at IS 'When the profiles step wrote the row.';
CREATE TABLE reply_candidates (
    call_id         VARCHAR NOT NULL,
    caller_hash     VARCHAR,
    agent_id        VARCHAR,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    question_turn   INTEGER NOT NULL,
    question        VARCHAR NOT NULL,
    objection       VARCHAR,
    reply_turn      INTEGER NOT NULL,
    reply           VARCHAR NOT NULL,
    reply_score     DOUBLE NOT NULL,
    reasons         VARCHAR NOT NULL,
    followed        VARCHAR NOT NULL,
    next_text       VARCHAR,
    is_best         BOOLEAN NOT NULL,
    score           DOUBLE NOT NULL,
    script_group    VARCHAR NOT NULL,
    similar_replies INTEGER NOT NULL,
    library_rank    INTEGER,
    scored_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    worked          BOOLEAN,
    reasons_zh      VARCHAR,
    PRIMARY KEY (call_id, question_turn)
);
COMMENT ON TABLE reply_candidates IS 'Script-library candidates (优秀话术): every customer question or objection of a call, the agent''s reply, what followed, and the reply''s score. The call''s topic and outcome are joined where read (v_script_library), never copied here.';
COMMENT ON COLUMN reply_candidates.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN reply_candidates.caller_hash IS 'The caller (calls.caller_hash).';
COMMENT ON COLUMN reply_candidates.agent_id IS 'The agent who gave the reply (calls.agent_id).';
COMMENT ON COLUMN reply_candidates.started_at IS 'When the call started.';
COMMENT ON COLUMN reply_candidates.question_turn IS 'utterances.seq of the customer''s question or objection.';
COMMENT ON COLUMN reply_candidates.question IS 'The customer''s question or objection (masked).';
COMMENT ON COLUMN reply_candidates.objection IS 'Objection type (价格太贵, 网上更便宜, 再考虑一下, 等太久了, 手续麻烦, 质疑不信任: configs/reply_cues.toml); NULL for a plain question.';
COMMENT ON COLUMN reply_candidates.reply_turn IS 'utterances.seq of the agent''s reply.';
COMMENT ON COLUMN reply_candidates.reply IS 'The agent''s reply (masked).';
COMMENT ON COLUMN reply_candidates.reply_score IS 'Reply quality within its call: the learned ranker''s score ([replies] ranker, nlp/reply_ranker.py) for an answer, -10 for a greeting, identity check, question back, read-back or closing; the hand-set [call_reply] weights when no ranker is set.';
COMMENT ON COLUMN reply_candidates.reasons IS 'What the reply does (answer, or the kind of turn that is never a script) and the ranker features that raised its score most, comma-separated.';
COMMENT ON COLUMN reply_candidates.followed IS 'The caller''s next turn: accepted, rejected or none.';
COMMENT ON COLUMN reply_candidates.next_text IS 'The caller''s next turn (masked).';
COMMENT ON COLUMN reply_candidates.is_best IS 'This is the call''s best reply (the pick scored by eval calls best_reply_top1).';
COMMENT ON COLUMN reply_candidates.score IS 'Library score: reply_score plus [call_reply] call_resolved when the call was resolved in the call; ranks the replies that worked.';
COMMENT ON COLUMN reply_candidates.script_group IS 'Near-identical replies (character-bigram Jaccard >= [replies].merge_similarity) share a group: the call_id:reply_turn of its best reply.';
COMMENT ON COLUMN reply_candidates.similar_replies IS 'How many replies the group holds (1 = no near-duplicate).';
COMMENT ON COLUMN reply_candidates.library_rank IS 'Rank of a group''s best reply within its topic and objection type, for the best [replies].per_group groups of replies that worked; NULL otherwise (never for a reply from an unsuccessful call). Ranked over every stored call on each replies run, by the topic in call_topics and the outcome in call_outcomes then.';
COMMENT ON COLUMN reply_candidates.scored_at IS 'When the replies step wrote the row.';
COMMENT ON COLUMN reply_candidates.worked IS 'The reply may enter the library: the call was resolved in the call, did not fail FCR, and the caller''s next turn did not reject the reply.';
COMMENT ON COLUMN reply_candidates.reasons_zh IS 'reasons in words a QA lead reads (configs/reply_cues.toml [reason_names]), 、-joined.';
CREATE TABLE script_reviews (
    call_id         VARCHAR NOT NULL,
    reply_turn      INTEGER NOT NULL,
    status          VARCHAR NOT NULL,
    wording         VARCHAR,
    note            VARCHAR,
    reply           VARCHAR NOT NULL,
    question        VARCHAR,
    topic           VARCHAR,
    objection       VARCHAR,
    reviewer        VARCHAR NOT NULL,
    reviewed_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (call_id, reply_turn)
);
COMMENT ON TABLE script_reviews IS 'QA leads'' decisions on script-library replies (审核), copied each night from the review store ([paths] reviews, written by `callintel library serve`); a rerun recopies, never loses them.';
COMMENT ON COLUMN script_reviews.call_id IS 'The call of the reply (calls.call_id).';
COMMENT ON COLUMN script_reviews.reply_turn IS 'utterances.seq of the agent''s reply (reply_candidates.reply_turn).';
COMMENT ON COLUMN script_reviews.status IS 'approved (published first in the library) or rejected (never published).';
COMMENT ON COLUMN script_reviews.wording IS 'The wording the QA lead published instead of the agent''s (masked); NULL = as said.';
COMMENT ON COLUMN script_reviews.note IS 'The QA lead''s note (why a reply was rejected).';
COMMENT ON COLUMN script_reviews.reply IS 'The reply as the QA lead read it (masked).';
COMMENT ON COLUMN script_reviews.question IS 'The customer''s question the reply answered (masked).';
COMMENT ON COLUMN script_reviews.topic IS 'The topic the reply was listed under when reviewed.';
COMMENT ON COLUMN script_reviews.objection IS 'The objection type the reply was listed under when reviewed.';
COMMENT ON COLUMN script_reviews.reviewer IS 'Who decided.';
COMMENT ON COLUMN script_reviews.reviewed_at IS 'When the decision was saved.';
CREATE TABLE call_intent (
    call_id         VARCHAR PRIMARY KEY,
    caller_hash     VARCHAR,
    night           DATE NOT NULL,
    started_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    score           DOUBLE NOT NULL,
    band            VARCHAR NOT NULL,
    product         VARCHAR,
    excluded        BOOLEAN NOT NULL,
    exclude_reason  VARCHAR,
    cues            VARCHAR NOT NULL,
    evidence_turn   INTEGER,
    evidence        VARCHAR,
    scored_at       TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE call_intent IS 'Purchase intent per call (二次营销): score from the caller''s buying cues and objections (configs/intent_cues.toml), band, product of interest, evidence sentence.';
COMMENT ON COLUMN call_intent.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN call_intent.caller_hash IS 'The caller (calls.caller_hash); NULL when withheld (never a lead).';
COMMENT ON COLUMN call_intent.night IS 'The call''s night.';
COMMENT ON COLUMN call_intent.started_at IS 'When the call started.';
COMMENT ON COLUMN call_intent.score IS '0..1, sigmoid of the cue weights that fired.';
COMMENT ON COLUMN call_intent.band IS 'high / medium / low ([score] high_at, medium_at in configs/intent_cues.toml).';
COMMENT ON COLUMN call_intent.product IS 'Product type of interest (重疾险, 医疗险, …); NULL without a buying cue.';
COMMENT ON COLUMN call_intent.excluded IS 'The caller complained or asked not to be called in this call: never a lead.';
COMMENT ON COLUMN call_intent.exclude_reason IS 'complaint or do_not_call.';
COMMENT ON COLUMN call_intent.cues IS 'The cues that fired as cue:phrase@turn, strongest first.';
COMMENT ON COLUMN call_intent.evidence_turn IS 'utterances.seq of the strongest buying cue.';
COMMENT ON COLUMN call_intent.evidence IS 'That utterance''s text (masked).';
COMMENT ON COLUMN call_intent.scored_at IS 'When the leads step wrote the row.';
CREATE TABLE marketing_opt_out (
    caller_hash     VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    added_at        TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE marketing_opt_out IS 'Callers who must not be contacted for marketing: loaded from [leads].opt_out (configs/marketing_opt_out.txt) by the leads step; rows may also be inserted by hand.';
COMMENT ON COLUMN marketing_opt_out.caller_hash IS 'calls.caller_hash of the caller.';
COMMENT ON COLUMN marketing_opt_out.source IS 'Where the row came from (the file''s path, or who added it).';
COMMENT ON COLUMN marketing_opt_out.added_at IS 'When it was added.';

-- Until the outcomes step has run, the views read these (the step then writes its [outcomes] and [night] settings).
INSERT INTO step_params VALUES ('outcomes', 'repeat_window_days', '7'), ('outcomes', 'min_topic_calls', '20'),
    ('outcomes', 'example_calls', '3'), ('outcomes', 'timezone', 'Asia/Shanghai');
