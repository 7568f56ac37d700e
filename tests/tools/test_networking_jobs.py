from __future__ import annotations

import pytest

from dreamtree_desktop.context import UNREADABLE, UnreadableEntryError
from dreamtree_desktop.security.envelope import is_envelope
from dreamtree_desktop.security.errors import EnvelopeError
from dreamtree_desktop.tools import companies, contacts, jobs

from .toolhelp import count, rows, tombstoned


def test_company_crud(uctx, rejects) -> None:
    cid = companies.create(
        uctx,
        {
            "name": "Westside Foundation",
            "status": "researching",
            "url": "https://westside.example.org",
            "research_notes": "Youth grants",
        },
        origin="3.3.4",
    )
    companies.update(uctx, cid, {"status": "contacted"})
    row = rows(uctx, "user_companies", "id = ?", (cid,))[0]
    assert row["status"] == "contacted" and row["research_notes"] == "Youth grants"
    assert [c["id"] for c in companies.list_(uctx, "contacted")] == [cid]
    assert companies.list_(uctx, "closed") == []
    companies.update(uctx, cid, {"status": None})
    assert companies.get(uctx, cid)["status"] is None
    for bad, match in [
        ({"status": "hot"}, "status must be one of"),
        ({"url": "westside.org"}, "url"),
        ({"url": "ftp://x.org"}, "url"),
        ({"name": ""}, "name is required"),
    ]:
        rejects(companies.update, uctx, cid, bad, match=match)
    companies.delete(uctx, cid)
    assert count(uctx, "user_companies") == 0
    assert tombstoned(uctx, "user_companies", cid)["origin"] == "3.3.4"


CONTACT = {
    "name": "Priya Shah",
    "title": "Programme Lead",
    "relationship_status": "warm",
    "notes": "Met at the sector meetup",
    "linkedin_url": "https://www.linkedin.com/in/priya-example",
}


def test_contacts_are_sealed_and_decrypted(uctx) -> None:
    cid = companies.create(uctx, {"name": "Westside"})
    person = contacts.create(uctx, {**CONTACT, "company_id": cid}, origin="3.3.4")
    raw = uctx.db.one("SELECT * FROM user_contacts WHERE id = ?", (person,))
    for column in contacts.SEALED:
        assert is_envelope(raw[column]), column
    flat = " ".join(str(raw[c]) for c in contacts.SEALED)
    for value in CONTACT.values():
        assert value not in flat
    assert raw["company_id"] == cid

    got = contacts.get(uctx, person)
    assert {k: got[k] for k in CONTACT} == CONTACT
    contacts.update(uctx, person, {"relationship_status": "connected", "notes": None})
    got = contacts.list_(uctx)[0]
    assert got["relationship_status"] == "connected" and got["notes"] is None and got["name"] == "Priya Shah"
    assert is_envelope(rows(uctx, "user_contacts")[0]["relationship_status"])
    assert [c["id"] for c in contacts.list_(uctx, company_id=cid)] == [person]

    # The company going away unlinks the contact, which stays.
    companies.delete(uctx, cid)
    assert contacts.get(uctx, person)["company_id"] is None
    contacts.delete(uctx, person)
    assert count(uctx, "user_contacts") == 0
    assert tombstoned(uctx, "user_contacts", person)["origin"] == "3.3.4"


def test_contact_envelopes_are_bound_to_their_row(uctx) -> None:
    a = contacts.create(uctx, {"name": "Ann"})
    b = contacts.create(uctx, {"name": "Bob"})
    sealed_a = rows(uctx, "user_contacts", "id = ?", (a,))[0]["name"]
    with uctx.db.transaction():
        uctx.db.execute("UPDATE user_contacts SET name = ? WHERE id = ?", (sealed_a, b))
    # The copied envelope does not open in its new row: the contact reads as damaged (the rest of
    # the list still loads) and saving over it is refused, with nothing changed.
    assert contacts.get(uctx, b)["name"] is UNREADABLE
    assert [c["id"] for c in contacts.list_(uctx) if c["name"] is UNREADABLE] == [b]
    with pytest.raises(UnreadableEntryError):
        contacts.update(uctx, b, {"name": "Bobby"})
    assert rows(uctx, "user_contacts", "id = ?", (b,))[0]["name"] == sealed_a
    with pytest.raises(EnvelopeError):
        uctx.unseal("user_contacts", "name", b, sealed_a)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({}, "name is required"),
        ({"name": "A", "company_id": "not-mine"}, "company_id"),
        ({"name": "A", "linkedin_url": "linkedin.com/in/a"}, "linkedin_url"),
        ({"name": "A", "linkedin_url": "javascript:alert(1)"}, "linkedin_url"),
        ({"name": "A", "email": "a@example.org"}, 'unknown field "email"'),
    ],
)
def test_contact_rejects(uctx, rejects, data, match) -> None:
    rejects(contacts.create, uctx, data, match=match)


def test_jobs_pipeline_and_follow_ups(uctx, rejects) -> None:
    cid = companies.create(uctx, {"name": "Greenleaf"})
    a = jobs.create(
        uctx,
        {
            "title": "Programme officer",
            "company_id": cid,
            "posting_url": "https://jobs.example.org/1",
            "follow_up_on": "2025-03-01",
        },
        origin="3.5.1",
    )
    b = jobs.create(
        uctx, {"title": "Grants assistant", "application_status": "applied", "follow_up_on": "2025-03-10"}
    )
    c = jobs.create(
        uctx, {"title": "Closed one", "application_status": "closed", "follow_up_on": "2025-01-01"}
    )
    assert jobs.get(uctx, a)["application_status"] == "saved"
    for status in ("applied", "interviewing", "offer", "applied", "closed", "saved"):
        jobs.set_status(uctx, a, status)
        assert rows(uctx, "user_jobs", "id = ?", (a,))[0]["application_status"] == status
    rejects(jobs.set_status, uctx, a, "hired", match="application_status must be one of")
    rejects(jobs.update, uctx, a, {"follow_up_on": "01/03/2025"}, match="follow_up_on")
    rejects(jobs.update, uctx, a, {"company_id": "nope"}, match="company_id")
    rejects(jobs.update, uctx, a, {"posting_url": "www.example.org"}, match="posting_url")
    rejects(jobs.create, uctx, {"company_id": cid}, match="title is required")

    assert [j["id"] for j in jobs.due_follow_ups(uctx, "2025-03-01")] == [a]
    assert [j["id"] for j in jobs.due_follow_ups(uctx, "2025-03-10")] == [a, b]
    assert jobs.due_follow_ups(uctx, "2025-02-28") == []
    assert {j["id"] for j in jobs.list_(uctx)} == {a, b, c}
    assert [j["id"] for j in jobs.list_(uctx, "closed")] == [c]

    jobs.delete(uctx, a)
    assert count(uctx, "user_jobs") == 2
    assert tombstoned(uctx, "user_jobs", a)["origin"] == "3.5.1"


def test_pii_needs_the_data_key_and_writes_nothing(uctx) -> None:
    from dreamtree_desktop.context import LOST, PiiLockedError, UserContext
    from dreamtree_desktop.pii import LOST_MARKER
    from dreamtree_desktop.tools import budget

    from .toolhelp import snapshot

    person = contacts.create(uctx, {"name": "Ann", "notes": "Met at a fair"})
    locked = UserContext(uctx.db, uctx.user_id, None)
    before = snapshot(uctx)
    with pytest.raises(PiiLockedError):
        contacts.create(locked, {"name": "Bob"})
    with pytest.raises(PiiLockedError):
        budget.save(locked, [{"label": "Rent", "monthly_cents": 1}])
    with pytest.raises(PiiLockedError):
        contacts.get(locked, person)
    assert snapshot(uctx) == before

    # A field lost to a password reset reads as LOST and can be written again.
    with uctx.db.transaction():
        uctx.db.execute("UPDATE user_contacts SET notes = ? WHERE id = ?", (LOST_MARKER, person))
    assert contacts.get(uctx, person)["notes"] is LOST
    contacts.update(uctx, person, {"title": "Organiser"})
    got = contacts.get(uctx, person)
    assert got["notes"] is None and got["title"] == "Organiser" and got["name"] == "Ann"
