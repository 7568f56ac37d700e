"""What the folder records as changed here since the last sync (sync_changes, migrations 0007,
0010 and 0012): every synced setting, never a setting that stays on this device."""

from __future__ import annotations

from dreamtree_desktop.portability.tables import DEVICE_ONLY_SETTINGS
from dreamtree_desktop.security.lockstate import store_lock_setting
from dreamtree_desktop.settings import update_settings
from dreamtree_desktop.sync.mirror import pending_changes


def _clear(ctx) -> None:
    with ctx.db.transaction():
        ctx.db.execute("DELETE FROM sync_changes")


def test_turning_the_lock_on_or_off_is_no_change_to_send(ctx) -> None:
    _clear(ctx)
    store_lock_setting(ctx.db, ctx.user_id, True)
    assert ctx.db.scalar("SELECT lock_with_password FROM user_settings WHERE user_id = ?", (ctx.user_id,)) == 1
    assert pending_changes(ctx.db) == 0
    store_lock_setting(ctx.db, ctx.user_id, False)
    assert pending_changes(ctx.db) == 0


def test_a_synced_setting_is_a_change_to_send(ctx) -> None:
    _clear(ctx)
    update_settings(ctx, text_size=18)
    assert pending_changes(ctx.db) == 1


def test_every_user_settings_column_but_the_device_ones_is_tracked(ctx) -> None:
    """A column added to user_settings must be named by the tracking trigger (migration 0012)."""
    columns = {str(r[1]) for r in ctx.db.query("PRAGMA table_info(user_settings)")}
    sql = str(ctx.db.scalar("SELECT sql FROM sqlite_master WHERE name = 'sync_track_user_settings_update'"))
    named = {c.strip() for c in sql.split(" UPDATE OF ", 1)[1].split(" ON ", 1)[0].split(",")}
    assert named == columns - set(DEVICE_ONLY_SETTINGS)
