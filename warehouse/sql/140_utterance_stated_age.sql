-- 140: the age a turn states through an ID number or a birth date. Both are masked before the warehouse
-- ([身份证号], [出生日期]); the text path reads the age on the call's date just before masking and keeps only
-- that, so the profiles step can give the caller an age without the date ever being stored.

ALTER TABLE utterances ADD COLUMN stated_age INTEGER;
COMMENT ON COLUMN utterances.stated_age IS 'Age in whole years on the call''s date given by an ID number or birth date said in this turn, read before they were masked (only the age is kept, never the date); NULL when the turn states neither. Whose age it is the profiles step decides from the turn''s words.';
