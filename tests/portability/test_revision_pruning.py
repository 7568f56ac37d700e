"""Kept versions do not grow without bound (case 9): per module and per record the 20 newest
stay, and so does everything kept within 90 days of the newest; the rule depends only on the
set, so two devices holding the same versions keep the same ones."""

from __future__ import annotations

import datetime as dt

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.clock import format_iso
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.portability import revision_rules as rules
from dreamtree_desktop.portability.merge import RecordRevision, Revision
from dreamtree_desktop.portability.revisions import keep_revisions, list_revisions, stored_entries

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _day(n: int) -> str:
    return format_iso(START + dt.timedelta(days=n))


def test_case9_module_revisions_are_pruned_to_the_rule(data_dir):
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        # 45 conflicts of module 1.1, one every 4 days (180 days), and 30 of one record.
        for n in range(45):
            unit = {"exercises": {}, "columns": {}, "rows": {}, "last_modified_at": _day(4 * n), "n": n}
            keep_revisions(ctx, [Revision("1.1", _day(4 * n), unit, "local")], [], "sync", stamp=_day(4 * n))
        for n in range(30):
            record = {"id": "flow-1", "activity": f"version {n}", "updated_at": _day(n)}
            keep_revisions(ctx, [], [RecordRevision("user_flow_logs", "flow-1", _day(n), record, "local",
                                                    ("activity",))], "sync", stamp=_day(n))
        modules = list_revisions(ctx, "1.1")
        records = list_revisions(ctx, record="user_flow_logs/flow-1")
    newest = 4 * 44
    young = [n for n in range(45) if 4 * n >= newest - 90]
    assert len(young) < 45 and len(modules) == max(20, len(young)) == 23
    assert {m.created_at for m in modules} == {_day(4 * n) for n in young}
    # Records: days 0..29 are all more than 90 days before the folder's newest (day 176): the
    # 20 newest of that record stay.
    assert sorted(r.created_at for r in records) == [_day(n) for n in range(10, 30)]
    assert records[0].fields == ["activity"]


def test_the_twenty_newest_stay_even_when_old():
    entries = [rules.entry("module", "2.1", None, {"n": n}, _day(n * 10)) for n in range(40)]
    kept = rules.kept(entries)
    # Newest at day 390: days 300..390 are young (10 of them); the 20 newest reach back to day 200.
    assert sorted(e["created_at"] for e in kept) == sorted(_day(n * 10) for n in range(20, 40))


def test_the_same_set_prunes_the_same_on_every_device():
    entries = [rules.entry("record", "user_jobs/x", None, {"n": n}, _day(n)) for n in range(200)]
    one = rules.union(entries[:120], entries[80:])
    other = rules.union(list(reversed(entries)))
    assert one == other and len(one) == 91  # days 109..199


def test_stored_entries_round_trip(data_dir):
    with open_app_data(data_dir) as app:
        ctx = UserContext.from_app(app)
        keep_revisions(ctx, [], [RecordRevision("user_flow_logs", "f", None, {"id": "f"}, "local", ("*",))],
                       "sync", stamp=_day(1))
        first = stored_entries(ctx)
        keep_revisions(ctx, [], [RecordRevision("user_flow_logs", "f", None, {"id": "f"}, "local", ("*",))],
                       "sync", stamp=_day(2))
        assert stored_entries(ctx) == first, "the same lost version is kept once, at its first sighting"
