"""Everything the career portfolio shows, gathered in one read: the profile, what each tool holds
and the workbook's answers, as plain data (the UI lays it out and draws the charts).

Private material stays out: the budget, contacts and every answer whose prompt is marked PII,
since a portfolio is made to be shown to other people.
"""

from __future__ import annotations

from typing import Any

from .clock import today_local
from .context import UserContext
from .engine import recall
from .engine.answers import load_answers
from .engine.workbook import Workbook
from .tools import (
    career_options,
    companies,
    competencies,
    experiences,
    flow,
    idea_trees,
    jobs,
    life_dashboard,
    lists,
    locations,
    personality,
    skills,
    stories,
)
from .tools import resume as resume_tool

SOARED = ("situation", "obstacle", "action", "result", "evaluation", "discovery")


def _answer_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return recall.as_text(value).strip()


def workbook_answers(ctx: UserContext, wb: Workbook) -> list[dict[str, Any]]:
    """Parts → modules → exercises with their answered, non-private, non-tool prompts."""
    content = wb.content
    answers = load_answers(ctx, content)
    parts = []
    for part in content.parts:
        modules = []
        for module in part.modules:
            exercises = []
            for ex in module.exercises:
                entries = []
                for prompt in ex.prompts:
                    if prompt.is_pii or prompt.input_type == "tool":
                        continue
                    text = _answer_text(answers.value(prompt))
                    if text:
                        entries.append({"prompt": prompt.text.strip(), "answer": text})
                if entries:
                    exercises.append({"id": ex.id, "title": ex.title, "answers": entries})
            if exercises:
                modules.append({"id": module.id, "title": module.title, "exercises": exercises})
        if modules:
            parts.append({"id": part.id, "title": part.title, "modules": modules})
    return parts


def gather(ctx: UserContext) -> dict[str, Any]:
    """The portfolio's data. Sections with nothing in them come back empty (the UI leaves them out)."""
    wb = Workbook(ctx)
    private_lists = {p.target_list.casefold() for p in wb.content.prompts.values()
                     if p.is_pii and p.target_list}
    resume = resume_tool.load(ctx)
    basics = resume.get("basics") or {}
    scores = competencies.scores(ctx)
    results = competencies.results(ctx)
    trees = []
    for info in idea_trees.list_trees(ctx):
        trees.append({"name": info["name"] or info["root_text"], "root": idea_trees.tree(ctx, info["id"]),
                      "levels": idea_trees.level_counts(idea_trees.tree(ctx, info["id"]))})
    named_lists = []
    for row in lists.list_(ctx):
        if row["name"].casefold() in private_lists or not row["item_count"]:
            continue
        items = [str(i["content"]) for i in lists.items(ctx, row["id"])]
        named_lists.append({"name": row["name"], "items": items})
    company_names = {c["id"]: c["name"] for c in companies.list_(ctx)}
    return {
        "generated_on": today_local().isoformat(),
        "name": basics.get("name") or "",
        "headline": basics.get("label") or "",
        "summary": basics.get("summary") or "",
        "resume": resume,
        "personality": personality.get(ctx),
        "experiences": experiences.list_(ctx),
        "top_skills": [{"name": s["name"], "category": s["category"], "mastery": s.get("mastery")}
                       for s in skills.top10(ctx)],
        "stories": [{k: s.get(k) for k in ("title", *SOARED)} for s in stories.list_(ctx)
                    if s.get("story_type") != "reframe"],
        "flow_series": flow.series(ctx),
        "high_flow": flow.high_flow_activities(ctx, limit=10),
        "life_dashboard": life_dashboard.get(ctx),
        "life_history": life_dashboard.history(ctx),
        "competency_scores": [{"name": s["name"], "category": s["category"], "score": s["score"]}
                              for s in scores],
        "competency_results": None if results is None else {
            "category_averages": results.category_averages, "overall": results.overall,
            "overall_level": results.overall_level,
            "strengths": [name for _id, name, _score in results.strengths],
            "improvements": [name for _id, name, _score in results.improvements],
            "assessed_at": results.assessed_at,
        },
        "career_options": career_options.list_(ctx),
        "places": [{"name": p["name"], "rank": p["rank"], "liked": p["traits_liked"],
                    "disliked": p["traits_disliked"]} for p in locations.list_(ctx)],
        "idea_trees": trees,
        "lists": named_lists,
        "companies": [{"name": c["name"], "status": c["status"]} for c in companies.list_(ctx)],
        "jobs": [{"title": j["title"], "company": company_names.get(j["company_id"] or ""),
                  "status": j["application_status"]} for j in jobs.list_(ctx)],
        "workbook": workbook_answers(ctx, wb),
    }
