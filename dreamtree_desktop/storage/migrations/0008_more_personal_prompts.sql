-- Two more answers name or report on real people (pii.PERSONAL_PROMPTS): 2.4.3.first-step asks who
-- the person could ask, 3.5.3.learned what someone told them in a meeting. Marked personal, and
-- what is already stored is sealed at the next open with the data key (portability/sealing.py,
-- after the runner's backup), as step 5 did for the first list.
UPDATE prompts SET is_pii = 1 WHERE id IN ('2.4.3.first-step', '3.5.3.learned');

INSERT INTO app_meta(key, value) VALUES ('seal_personal_fields', '1')
    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
