-- Answers that name real people or say things about them, places lived and the walk-away pay
-- figure are personal from now on (the list is pii.PERSONAL_PROMPTS): their prompts are marked,
-- and the values already stored are sealed the next time the folder is opened with its data key
-- (security/sealing.py; the migration runner has backed the database up first). The edited
-- resume (email, phone, address) is sealed the same way.
UPDATE prompts SET is_pii = 1 WHERE id IN ('1.2.1.past-places', '1.2.3.best-people', '3.3.2.heard', '3.4.2.first', '3.4.2.intro-request', '3.5.2.draft', '3.5.2.follow-up', '3.5.3.next', '3.5.4.first-note', '3.5.4.keep-in-touch', '3.5.5.offer-criteria');

-- user_settings.location was declared personal but nothing ever wrote or read it; the places a
-- person considers live in user_locations. Removed rather than left as a trap.
ALTER TABLE user_settings DROP COLUMN location;

INSERT INTO app_meta(key, value) VALUES ('seal_personal_fields', '1')
    ON CONFLICT(key) DO UPDATE SET value = excluded.value;
