-- lock_with_password belongs to this device (portability/tables.py, DEVICE_ONLY_SETTINGS): sync
-- never carries it, so turning the lock on or off is no change to send. Tracked as one, it made
-- the sync that follows a sign-in with the lock on run twice. The tracking trigger of
-- user_settings updates (migration 0010) now names every other column instead of firing on all;
-- a column added to user_settings must be named here too (tests/core/test_change_tracking.py).
DROP TRIGGER sync_track_user_settings_update;
CREATE TRIGGER sync_track_user_settings_update AFTER UPDATE OF user_id, background_color, text_color, font, personality_type, colors_chosen, text_size, typing_speed, idle_lock_minutes, reminders_enabled, display_name, onboarded_at, created_at, updated_at ON user_settings WHEN NOT EXISTS (SELECT 1 FROM app_meta WHERE key = 'sync.untracked') BEGIN DELETE FROM sync_changes WHERE table_name = 'user_settings' AND row_key = NEW.rowid; INSERT INTO sync_changes(table_name, row_key) VALUES ('user_settings', NEW.rowid); END;
