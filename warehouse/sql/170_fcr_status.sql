-- Resolution's two meanings, measured honestly (issue 22). Resolved in the call is what the dialogue says
-- (call_outcomes.dialogue_label, resolved_in_call); first-contact resolution (FCR) is that the caller did not come
-- back within the window about the same matter left unresolved (fcr_failed). Before this, the views and the
-- period report counted FCR as label = 'resolved', which is resolved-in-call under another name, and a callback
-- to buy after an undecided sales call failed FCR. Now: fcr_status says failed / achieved / pending (the window is
-- still open as of the warehouse's latest call) / unknown (withheld number), a sale's callback is no failure
-- (purchase_call), and every rate below says which meaning it is.

ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS purchase_call BOOLEAN;
ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS fcr_status VARCHAR;
ALTER TABLE repeat_contacts ADD COLUMN IF NOT EXISTS callback_to_buy BOOLEAN;

COMMENT ON COLUMN call_outcomes.purchase_call IS 'The caller is buying: purchase intent (the leads step''s cues) in [outcomes] purchase_bands. When a call and the caller''s next call are both purchase calls, the callback is to buy and is no FCR failure.';
COMMENT ON COLUMN call_outcomes.fcr_status IS 'First-contact resolution of this call: failed (fcr_failed), achieved (the window closed without a callback about the matter it left open), pending (the window is still open as of the warehouse''s latest call: it may yet fail) or unknown (withheld number or duplicate: nobody can tell). NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN call_outcomes.fcr_failed IS 'First-contact resolution failed: this call was not resolved in the call (dialogue_label is not resolved) and the same caller called again within the window about the same matter ([outcomes] fcr_same_topic_only, fcr_unknown_topic_overrides). Not a failure: a callback after a resolved call, about another matter, or to buy after a sales call (repeat_contacts.callback_to_buy). NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN repeat_contacts.callback_to_buy IS 'This call and the caller''s next call within the window are both purchase calls (call_outcomes.purchase_call): the callback is a sale going on, not a matter left open.';
