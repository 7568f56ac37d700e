"""Delete with a way back: each delete returns what its restore needs, and restore puts the row back.

The record panels offer "Undo" after a delete. The row comes back as a new row (a new id) holding
the same fields, the same origin and, where the row had links, the same links to whatever still
exists: a story's experience, a job's company, a company's contacts and jobs, an option's place in
the ranking. Links to rows deleted in between are dropped rather than refused, so Undo never fails
because of something else the person did meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..context import LOST, UserContext
from ..errors import DreamTreeError
from . import career_options, companies, contacts, experiences, flow, jobs, reframes, skills, stories

Record = dict[str, Any]


def _origin(row: Mapping[str, Any], origin: str | None) -> str | None:
    """The row's own origin when it had one, else the origin of the place the delete came from."""
    stored = row.get("origin")
    return stored if isinstance(stored, str) else origin


def _existing_skills(ctx: UserContext, ids: list[str] | None) -> list[str]:
    return [s for s in ids or [] if skills.skill(ctx, s) is not None]


def _owned(ctx: UserContext, table: str, row_id: Any) -> Any:
    if not row_id:
        return None
    found = ctx.db.scalar(f"SELECT count(*) FROM {table} WHERE id = ? AND user_id = ?", (row_id, ctx.user_id))
    return row_id if found else None


# -- one kind each ---------------------------------------------------------------------------------
def _delete_plain(get: Callable[[UserContext, str], Record], delete: Callable[..., None],
                  fields: tuple[str, ...]) -> Callable[[UserContext, str, str | None], Record]:
    def run(ctx: UserContext, row_id: str, origin: str | None) -> Record:
        row = get(ctx, row_id)
        kept = {k: (None if row.get(k) is LOST else row.get(k)) for k in fields}
        delete(ctx, row_id, origin)
        return {"fields": kept, "origin": _origin(row, origin)}

    return run


def _restore_experience(ctx: UserContext, record: Record) -> str:
    data = dict(record["fields"])
    data["skill_ids"] = _existing_skills(ctx, data.get("skill_ids"))
    return experiences.create(ctx, data, record["origin"])


def _restore_story(ctx: UserContext, record: Record) -> str:
    data = dict(record["fields"])
    data["skill_ids"] = _existing_skills(ctx, data.get("skill_ids"))
    data["experience_id"] = _owned(ctx, "user_experiences", data.get("experience_id"))
    return stories.create(ctx, data, record["origin"])


def _restore_reframe(ctx: UserContext, record: Record) -> str:
    return reframes.create(ctx, dict(record["fields"]), record["origin"])


def _restore_job(ctx: UserContext, record: Record) -> str:
    data = dict(record["fields"])
    data["company_id"] = _owned(ctx, "user_companies", data.get("company_id"))
    return jobs.create(ctx, data, record["origin"])


def _restore_contact(ctx: UserContext, record: Record) -> str:
    data = dict(record["fields"])
    data["company_id"] = _owned(ctx, "user_companies", data.get("company_id"))
    return contacts.create(ctx, data, record["origin"])


def _restore_flow(ctx: UserContext, record: Record) -> str:
    return flow.create(ctx, dict(record["fields"]), record["origin"])


def _delete_company(ctx: UserContext, company_id: str, origin: str | None) -> Record:
    row = companies.get(ctx, company_id)
    try:
        contact_ids = [c["id"] for c in contacts.list_(ctx, company_id=company_id)]
    except DreamTreeError:  # without the data key contacts cannot be read, so they cannot be relinked
        contact_ids = []
    job_ids = [j["id"] for j in jobs.list_(ctx) if j["company_id"] == company_id]
    companies.delete(ctx, company_id, origin)
    return {"fields": {k: row[k] for k in companies.FIELDS}, "origin": _origin(row, origin),
            "contacts": contact_ids, "jobs": job_ids}


def _restore_company(ctx: UserContext, record: Record) -> str:
    """The company again, relinked to the contacts and jobs it had that still exist."""
    with ctx.db.transaction():
        new_id = companies.create(ctx, dict(record["fields"]), record["origin"])
        for contact_id in record.get("contacts") or []:
            if _owned(ctx, "user_contacts", contact_id):
                contacts.update(ctx, contact_id, {"company_id": new_id}, record["origin"])
        for job_id in record.get("jobs") or []:
            if _owned(ctx, "user_jobs", job_id):
                jobs.update(ctx, job_id, {"company_id": new_id}, record["origin"])
    return new_id


def _delete_option(ctx: UserContext, option_id: str, origin: str | None) -> Record:
    order = [r["id"] for r in career_options.list_(ctx)]
    row = career_options.get(ctx, option_id)
    career_options.delete(ctx, option_id, origin)
    fields = {k: row[k] for k in career_options.FIELDS if k != "rank"}
    return {"fields": fields, "origin": _origin(row, origin), "id": option_id, "order": order,
            "ranked": row.get("rank") is not None}


def _restore_option(ctx: UserContext, record: Record) -> str:
    """The option again, back in its old place in the ranking."""
    with ctx.db.transaction():
        new_id = career_options.create(ctx, dict(record["fields"]), record["origin"])
        if record.get("ranked"):
            existing = {r["id"] for r in career_options.list_(ctx)}
            ordered = [new_id if i == record["id"] else i for i in record["order"]]
            career_options.rank(ctx, [i for i in ordered if i in existing], record["origin"])
    return new_id


_DELETE: dict[str, Callable[[UserContext, str, str | None], Record]] = {
    "experience": _delete_plain(experiences.get, experiences.delete, experiences.FIELDS),
    "story": _delete_plain(stories.get, stories.delete, stories.FIELDS),
    "reframe": _delete_plain(reframes.get, reframes.delete, reframes.FIELDS),
    "job": _delete_plain(jobs.get, jobs.delete, jobs.FIELDS),
    "contact": _delete_plain(contacts.get, contacts.delete, contacts.FIELDS),
    "flow": _delete_plain(flow.get, flow.delete, flow.FIELDS),
    "company": _delete_company,
    "career_option": _delete_option,
}

_RESTORE: dict[str, Callable[[UserContext, Record], str]] = {
    "experience": _restore_experience,
    "story": _restore_story,
    "reframe": _restore_reframe,
    "job": _restore_job,
    "contact": _restore_contact,
    "flow": _restore_flow,
    "company": _restore_company,
    "career_option": _restore_option,
}

KINDS = tuple(_DELETE)


def delete_for_undo(ctx: UserContext, kind: str, row_id: str, origin: str | None = None) -> Record:
    """Delete one row of `kind` and return the record `restore` takes to bring it back."""
    record = _DELETE[kind](ctx, row_id, origin)
    record["kind"] = kind
    return record


def restore(ctx: UserContext, record: Record) -> str:
    """Undo of `delete_for_undo`: the row again (a new id), with the links that still make sense."""
    return _RESTORE[record["kind"]](ctx, record)
