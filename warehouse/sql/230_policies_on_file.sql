-- A policy the agent reads from the caller's record (您名下有一份…) is a field of its own, policies_on_file
-- ([products] agent_read_field), apart from existing_policies, what the caller says they hold.
COMMENT ON COLUMN profile_facts.field IS 'gender, age, city, occupation, marital_status, children, existing_policies (what the caller says they hold), policies_on_file (what the agent read from the caller''s record), income_band, preferred_contact_time, health_condition, budget_concern or insured_person.';
