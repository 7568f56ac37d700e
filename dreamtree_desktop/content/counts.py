"""Counts for `dreamtree content check`."""

from __future__ import annotations

from .validate import Seed


def seed_counts(seed: Seed) -> dict[str, int]:
    prompts = [b["prompt"] for _, ex in seed.exercises() for b in ex.get("block", []) if b.get("prompt")]
    recall = sum(len(ex.get("recall", [])) for _, ex in seed.exercises()) + sum(
        1 for p in prompts if p.get("recall")
    )
    config = [p.get("config") if isinstance(p.get("config"), dict) else {} for p in prompts]
    return {
        "parts": len(seed.parts),
        "modules": len(seed.modules),
        "exercises": len(seed.exercises()),
        "prompts": len(prompts),
        "optional_prompts": sum(1 for c in config if c.get("optional")),
        "later_prompts": sum(1 for c in config if c.get("later")),
        "tools": len(seed.tools),
        "recall_links": recall,
        "words": seed.word_count(),
        "personality_types": len(seed.personality_types),
        "competencies": len(seed.competencies),
        "competency_levels": sum(len(c.get("level", [])) for c in seed.competencies),
        "skills": sum(len(v) for v in seed.skills.values()),
        **{f"skills_{kind}": len(names) for kind, names in seed.skills.items()},
        "references": len(seed.references),
        "content_sources": sum(len(ex.get("sources", [])) for _, ex in seed.exercises()),
    }


MINIMUMS = {
    "parts": 3, "modules": 15, "exercises": 50, "tools": 10, "recall_links": 12, "words": 25_000,
    "personality_types": 16, "competencies": 15, "competency_levels": 75, "skills": 1_400, "references": 20,
}
