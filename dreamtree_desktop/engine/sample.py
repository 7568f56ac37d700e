"""Synthetic answers built from each prompt's input type and config: a valid value for every
prompt of the workbook, so a script (tests, the walkthrough, benchmarks, self-test) can answer
the whole workbook in order. Values are deterministic, so their effects can be hand-computed.

Tool prompts get tool-shaped values (docs/tools.md): lists of records, or the tool's own dict.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from pathlib import Path
from typing import Any

from ..clock import today_local
from ..storage.db import Database
from .content import PromptDef

# Competency scores for the synthetic user, by competency sort order within each category.
# delivery 5 5 4 4 4 3 (avg 25/6), interpersonal 4 4 3 5 2 (avg 18/5), strategic 4 3 5 3 (avg 15/4);
# overall 58/15 = 3.8667: strengths score >= floor(4.1667) = 4, improvements <= floor(3.5667) = 3.
COMPETENCY_SCORES = {
    "delivery": [5, 5, 4, 4, 4, 3],
    "interpersonal": [4, 4, 3, 5, 2],
    "strategic": [4, 3, 5, 3],
}
PERSONALITY = "ENFP"
BUDGET_LINES = [
    {"label": "Rent", "monthly_cents": 120_000, "essential": True},
    {"label": "Food", "monthly_cents": 45_000, "essential": True},
    {"label": "Fun", "monthly_cents": 15_050, "essential": False},
]
# monthly 180,050 cents -> annual 2,160,600 -> hourly round(2,160,600 / 2080) = 1,039 cents.


class Reference:
    """The master skills and competencies the samples name, from a database or the seed files."""

    def __init__(self, skills: list[str], competencies: dict[str, list[str]]) -> None:
        self.skills = skills  # transferable skill names, sorted
        self.competencies = competencies  # category -> ids in sort order

    @classmethod
    def from_db(cls, db: Database) -> Reference:
        skills = [
            r[0]
            for r in db.query(
                "SELECT name FROM skills WHERE is_custom = 0 AND category = 'transferable' ORDER BY name"
            )
        ]
        comps: dict[str, list[str]] = {}
        for row in db.query("SELECT id, category FROM competencies ORDER BY sort_order, id"):
            comps.setdefault(row[1], []).append(row[0])
        return cls(skills, comps)

    @classmethod
    def from_seed(cls, root: Path) -> Reference:
        """For scripts that only talk to the CLI (they read the bundled seed files instead)."""
        skills = tomllib.loads((root / "skills.toml").read_text(encoding="utf-8"))
        names = sorted(n.strip() for n in skills["transferable"]["names"])
        comps: dict[str, list[tuple[int, str]]] = {}
        doc = tomllib.loads((root / "competencies.toml").read_text(encoding="utf-8"))
        for comp in doc["competency"]:
            comps.setdefault(comp["category"], []).append((comp["sort_order"], comp["id"]))
        return cls(names, {cat: [cid for _, cid in sorted(items)] for cat, items in comps.items()})


class SampleAnswers:
    """Makes a value for a prompt. `today` dates the synthetic flow logs and job follow-ups.

    `source` is a UserContext or Database (reference rows read from it) or a Reference.
    """

    def __init__(self, source: Any, today: _dt.date | None = None) -> None:
        if isinstance(source, Reference):
            self.reference = source
        else:
            self.reference = Reference.from_db(getattr(source, "db", source))
        self.today = today or today_local()

    def value(self, prompt: PromptDef, ranking_items: list[str] | None = None) -> Any:
        kind, config, pid = prompt.input_type, prompt.config, prompt.id
        if kind in ("text", "long_text"):
            limit = config.get("max_length", 200)
            return f"Answer to {pid}"[: max(1, int(limit))]
        if kind in ("number", "slider"):
            lo = config.get("min", 0)
            hi = config.get("max", lo + 10)
            step = config.get("step", 1) or 1
            middle = lo + ((hi - lo) // 2 // step) * step
            return int(middle) if kind == "slider" else middle
        if kind == "single_choice":
            options = config.get("options") or [PERSONALITY]
            return options[len(pid) % len(options)]
        if kind == "multi_choice":
            options = list(config.get("options") or [])
            count = max(int(config.get("min", 1)), 1)
            return options[:count]
        if kind == "checkbox":
            return True
        if kind == "list":
            count = max(int(config.get("min_items", 1)), 1)
            return [f"{pid} item {n}" for n in range(1, count + 1)]
        if kind == "ranking":
            items = list(ranking_items if ranking_items is not None else config.get("options") or [])
            return list(reversed(items))
        if kind == "date":
            return self.today.isoformat()
        if kind == "tool":
            return self.tool_value(prompt)
        raise ValueError(f"no sample for input type {kind}")

    # -- tools ---------------------------------------------------------------------------------------
    def tool_value(self, prompt: PromptDef) -> Any:
        tool, table = prompt.tool, prompt.target_table
        n = max(prompt.min_records, 1)
        ex = prompt.exercise_id
        if tool == "experiences":
            return [
                {
                    "title": f"Experience {i}",
                    "organization": f"Organisation {i}",
                    "experience_type": "job",
                    "start_date": f"{2010 + i}-01",
                    "end_date": f"{2011 + i}-06",
                    "description": "Scheduled, repaired, taught.",
                    "tasks": ["Scheduled the weekly rota", "Repaired broken equipment", "Trained new staff"],
                }
                for i in range(1, n + 1)
            ]
        if tool == "skills-browser":
            names = self.reference.skills[: max(n, 10)]
            return {
                "skills": [{"skill": name, "mastery": 5 - (i % 3)} for i, name in enumerate(names)],
                "top10": names[:10],
            }
        if tool == "soared-story":
            return [
                {
                    "title": f"Story {i} of {ex}",
                    "situation": "A busy season.",
                    "obstacle": "Too few hands.",
                    "action": "Reorganised the rota.",
                    "result": "Queues halved.",
                    "evaluation": "It worked.",
                    "discovery": "I like fixing systems.",
                    "story_type": "challenge",
                }
                for i in range(1, n + 1)
            ]
        if tool == "personality-selector":
            return PERSONALITY
        if tool == "ranking-grid" and table == "user_locations":
            return [
                {
                    "name": f"Place {i}",
                    "traits_liked": "Green and walkable",
                    "traits_disliked": "Long winters",
                }
                for i in range(1, n + 1)
            ]
        if tool == "ranking-grid":
            return list(reversed(prompt.config.get("options") or []))
        if tool == "budget-calculator":
            return {"lines": [dict(line) for line in BUDGET_LINES]}
        if tool == "flow-tracker":
            # Alternate high-flow (energy >= 1, focus >= 4) and low-flow activities.
            return [
                {
                    "activity": f"{'Sketching' if i % 2 else 'Filing'} ({ex})",
                    "energy": 2 if i % 2 else -1,
                    "focus": 5 if i % 2 else 2,
                    "logged_date": self.today.isoformat(),
                }
                for i in range(1, n + 1)
            ]
        if tool == "life-dashboard":
            return {"work": 6, "play": 4, "love": 8, "health": 7, "notes": "Synthetic dashboard."}
        if tool == "failure-reframer":
            return [
                {
                    "situation": f"A plan that went sideways ({ex}).",
                    "lesson": "Ask earlier.",
                    "reframed_statement": f"Reframe {i} of {ex}",
                }
                for i in range(1, n + 1)
            ]
        if tool == "idea-tree":
            return [
                {"root": f"Idea root {i} ({ex})", "children": ["garden", "teach", "build"]}
                for i in range(1, n + 1)
            ]
        if tool == "career-options":
            count = max(n, 3)
            return [
                {
                    "title": f"Career option {i}",
                    "description": "A possible path.",
                    "rank": i,
                    "coherence_score": 8 - i,
                    "work_needs_score": 7,
                    "life_needs_score": 6,
                    "unknowns_score": 5,
                }
                for i in range(1, count + 1)
            ]
        if tool == "competency-assessment":
            return self.competency_scores()
        if tool == "resume-builder":
            return {"basics": {"name": "Sam Sample", "label": "Garden planner"}}
        if tool == "networking-prep" and table == "user_companies":
            return [
                {"name": f"Company {i} ({ex})", "status": "researching", "research_notes": "Growing team."}
                for i in range(1, n + 1)
            ]
        if tool == "networking-prep":
            return [
                {
                    "name": f"Contact {i} ({ex})",
                    "title": "Team lead",
                    "relationship_status": "warm",
                    "notes": "Met at a meetup.",
                }
                for i in range(1, n + 1)
            ]
        if tool == "job-prospector":
            follow = (self.today + _dt.timedelta(days=3)).isoformat()
            return [
                {"title": f"Job {i} ({ex})", "application_status": "saved", "follow_up_on": follow}
                for i in range(1, n + 1)
            ]
        raise ValueError(f"no sample for tool {tool} writing {table}")

    def competency_scores(self) -> dict[str, int]:
        """{competency_id: level}, the competency tool's answer shape."""
        out: dict[str, int] = {}
        for category, scores in COMPETENCY_SCORES.items():
            out.update(zip(self.reference.competencies.get(category, []), scores, strict=False))
        return out
