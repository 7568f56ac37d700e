from __future__ import annotations

import json

from dreamtree_desktop.tools import experiences, reframes, resume, skills, stories

from .toolhelp import rows


def _setup(ctx) -> dict[str, str]:
    with ctx.db.transaction():
        ctx.db.execute(
            "UPDATE user_settings SET display_name = 'Sam Rivera' WHERE user_id = ?", (ctx.user_id,)
        )
        ctx.db.execute(
            "INSERT INTO user_profile (user_id, headline, summary, created_at, updated_at) "
            "VALUES (?, 'Community programme lead', 'I help neighbourhoods fund ideas.', 'x', 'x')",
            (ctx.user_id,),
        )
    job = experiences.create(
        ctx,
        {
            "title": "Barista",
            "organization": "Corner Café",
            "experience_type": "job",
            "start_date": "2019-06",
            "end_date": "2021-03",
            "description": "Mornings",
        },
    )
    school = experiences.create(
        ctx,
        {
            "title": "BSc Chemistry",
            "organization": "Leeds",
            "experience_type": "education",
            "start_date": "2015-09",
            "end_date": "2018-06",
        },
    )
    project = experiences.create(
        ctx, {"title": "Supper club", "experience_type": "project", "start_date": "2022-01"}
    )
    stories.create(
        ctx,
        {"action": "Split the queue into orders and drinks", "result": "waits halved", "experience_id": job},
    )
    stories.create(ctx, {"situation": "Only a situation", "experience_id": job})
    stories.create(ctx, {"result": "Sold out every month!", "experience_id": project})
    reframes.create(ctx, {"situation": "Burnt the bread", "next_step": "Buy a timer"})
    ids = [skills.resolve(ctx, n, "skill") for n in ("Listen actively", "Write reports")]
    skills.set_top10(ctx, ids)
    return {"job": job, "school": school, "project": project}


def test_assemble_json_resume(uctx) -> None:
    _setup(uctx)
    got = resume.assemble(uctx)
    assert got["basics"] == {
        "name": "Sam Rivera",
        "label": "Community programme lead",
        "summary": "I help neighbourhoods fund ideas.",
    }
    assert got["work"] == [
        {
            "name": "Corner Café",
            "position": "Barista",
            "startDate": "2019-06",
            "endDate": "2021-03",
            "summary": "Mornings",
            "highlights": ["Split the queue into orders and drinks. waits halved."],
        }
    ]
    assert got["education"] == [
        {"institution": "Leeds", "area": "BSc Chemistry", "startDate": "2015-09", "endDate": "2018-06"}
    ]
    assert got["projects"] == [
        {"name": "Supper club", "startDate": "2022-01", "highlights": ["Sold out every month!"]}
    ]
    assert got["skills"] == [
        {"name": "Transferable skills", "keywords": ["Listen actively", "Write reports"]}
    ]
    json.dumps(got)


def test_save_and_load(uctx, rejects) -> None:
    _setup(uctx)
    assert resume.load(uctx) == resume.assemble(uctx)
    edited = resume.assemble(uctx)
    edited["basics"]["label"] = "Programme lead"
    resume.save(uctx, edited)
    stored = rows(uctx, "user_profile")[0]["resume_json"]
    assert "Programme lead" not in stored  # sealed: the resume holds email, phone and address
    assert json.loads(uctx.unseal("user_profile", "resume_json", uctx.user_id, stored)) == edited
    assert resume.load(uctx) == edited
    rejects(resume.save, uctx, ["not", "an", "object"], match="resume must be a JSON object")
    rejects(resume.save, uctx, {"basics": {"summary": "x" * 1_000_001}}, match="too large")
    rejects(resume.save, uctx, {"n": float("nan")}, match="not finite")
    rejects(resume.save, uctx, {"d": {1, 2}}, match="not JSON")
    resume.clear(uctx)
    assert resume.load(uctx) == resume.assemble(uctx)


def test_save_creates_profile_row(uctx) -> None:
    resume.save(uctx, {"basics": {"name": "A"}})
    assert resume.saved(uctx) == {"basics": {"name": "A"}}


def test_save_refuses_an_email_website_or_date_written_wrong_and_stores_nothing(uctx, rejects) -> None:
    good = {"basics": {"email": "sam@example.org", "url": "https://sam.example.org"},
            "work": [{"name": "Café", "startDate": "2019", "endDate": "2021-03"}],
            "education": [{"institution": "Leeds", "startDate": "2015-09-01"}]}
    resume.save(uctx, good)
    for bad, match in (
        ({"basics": {"email": "sam at example"}}, r"name@example\.com"),
        ({"basics": {"url": "ftp://sam.example.org"}}, r"Website must be a web address starting with http"),
        ({"work": [{}, {"name": "Café", "startDate": "June 2019"}]}, r"Work experience, entry 2: the start date"),
        ({"projects": [{"endDate": "2019/06"}]}, r"Projects, entry 1: the end date"),
    ):
        rejects(resume.save, uctx, {**good, **bad}, match=match)
    assert resume.saved(uctx) == good
