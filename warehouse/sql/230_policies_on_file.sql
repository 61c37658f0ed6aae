-- A policy the agent reads from the caller's record (您名下有一份…) is a field of its own, policies_on_file
-- ([products] agent_read_field), apart from existing_policies, what the caller says they hold. The rows written
-- before it (the agent's read-outs, source 'agent') move to it, so an old caller's profile says the same as a new one's.
UPDATE profile_facts SET field = 'policies_on_file' WHERE field = 'existing_policies' AND source = 'agent';
COMMENT ON COLUMN profile_facts.field IS 'gender, age, city, occupation, marital_status, children, existing_policies (what the caller says they hold), policies_on_file (what the agent read from the caller''s record), income_band, preferred_contact_time, health_condition, budget_concern or insured_person.';
COMMENT ON COLUMN profile_facts.value IS 'Normalised value: 男/女; age "41" or a band "50-59"; city without 市; 已婚/未婚/离异/丧偶; a child count; one product type per row for existing_policies and policies_on_file; income band <5000 / 5000-10000 / 10000-20000 / >20000; 上午/中午/下午/晚上/周末.';
