-- Failures that clear (issue 18): a manifest row without a call_id is failed as "line N" and nothing tied it to
-- the call that later landed once the row was fixed in another manifest; the file the row names does.

ALTER TABLE failures ADD COLUMN source_path VARCHAR;

COMMENT ON COLUMN failures.source_path IS 'Absolute path of the recording or transcript the failed manifest row names (NULL when it names none): a call landing from that file clears a failure of a row that had no call_id ("line N").';
COMMENT ON TABLE failures IS 'Calls or manifest lines that did not make it through a stage, with a reason a person can act on. A call that lands clears the failures of its call_id (any manifest, any stage but a duplicate row''s) and those of rows without a call_id that named its file; rerunning a manifest clears its fixed rows.';
