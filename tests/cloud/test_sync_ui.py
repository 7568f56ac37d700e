"""The Profile page's "Sync now" and last sync time, on a folder linked to the real worker."""

from __future__ import annotations

from typing import Any

import pytest
from sync_helpers import (
    PASSWORD,
    PLAIN_PROMPT,
    answer,
    answer_through,
    mailed_code,
    new_email,
    new_folder,
    opened,
    own_identity,
)

import ui.app  # noqa: F401  (before any Qt use: lifts PySide6's refcount bug, as tests/ui/conftest.py does)

pytestmark = pytest.mark.cloud


def _services(app_data: Any) -> Any:
    from dreamtree_desktop.context import UserContext
    from dreamtree_desktop.settings import get_settings
    from ui.services import AppServices, Navigator
    from ui.theme import ThemeManager
    from ui.worker import DbWorker

    worker = DbWorker(UserContext.from_app(app_data))
    theme = ThemeManager(worker.call_sync(get_settings))
    return AppServices(app_data=app_data, worker=worker, theme=theme, navigator=Navigator())


def test_sync_now_and_last_sync_time_on_the_profile_page(cloud_server, seeded_template, tmp_path, qtbot):
    from dreamtree_desktop.sync import service
    from ui.pages.profile import ProfilePage

    unlinked = new_folder(seeded_template, tmp_path, "unlinked")
    linked = new_folder(seeded_template, tmp_path, "linked")
    with opened(linked) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.1.2")
        service.cloud_claim(app, cloud_server.url, PASSWORD, email=new_email("ui"), lock=False,
                            ask_code=mailed_code(cloud_server))
        answer(ctx, PLAIN_PROMPT, "changed before Sync now")
        user_id = ctx.user_id

    with opened(unlinked) as (app, _ctx):
        services = _services(app)
        try:
            page = ProfilePage(services)
            qtbot.addWidget(page)
            qtbot.waitUntil(lambda: page.data is not None, timeout=10_000)
            assert page.sync_button.isHidden()  # nothing to sync with
        finally:
            services.worker.stop()

    with opened(linked) as (app, _ctx):
        services = _services(app)
        try:
            page = ProfilePage(services)
            qtbot.addWidget(page)
            page.show()
            qtbot.waitUntil(lambda: page.data is not None, timeout=10_000)
            assert not page.sync_button.isHidden()
            assert page.sync_text.text().startswith("Last synced ")
            first = page.data.sync["last_synced_at"]
            page.sync_button.click()
            qtbot.waitUntil(lambda: page.data.sync["last_synced_at"] != first, timeout=60_000)
            assert page.sync_text.text().startswith("Last synced ")
        finally:
            services.worker.stop()
    rows = cloud_server.d1(f"SELECT revision FROM user_wallet WHERE user_id = '{user_id}'")
    assert rows == [{"revision": 2}]
