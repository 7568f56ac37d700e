"""What the seed files declare: the vocabulary the validator checks and the engine relies on."""

from __future__ import annotations

INPUT_TYPES = frozenset(
    {"text", "long_text", "number", "slider", "single_choice", "multi_choice", "checkbox",
     "list", "ranking", "date", "tool"}
)
BLOCK_TYPES = frozenset({"instruction", "prompt", "reflection", "transition", "celebration"})
USAGE_TYPES = frozenset({"direct_quote", "framework", "concept", "adaptation", "inspiration"})
REFERENCE_CATEGORIES = frozenset(
    {
        "Career Development & Life Design",
        "Personality & Career Fit",
        "Psychology, Performance & Mindset",
        "Communication & Storytelling",
        "Networking & Social Theory",
        "Skills Assessment & Classification",
        "Organizational Frameworks",
        "Online Resources",
    }
)
SKILL_CATEGORIES = ("transferable", "self_management", "knowledge")
COMPETENCY_CATEGORIES = {"delivery": 6, "interpersonal": 5, "strategic": 4}

# Single-row tables and the columns a prompt may write directly.
COLUMN_TARGETS: dict[str, frozenset[str]] = {
    "user_profile": frozenset({"headline", "summary", "identity_story", "allegory", "value_proposition"}),
    "user_values": frozenset({"work_values", "life_values", "compass_statement"}),
    "user_budget": frozenset({"benefits_needed", "notes"}),
    "user_settings": frozenset({"personality_type"}),
}
# Tables whose rows a tool prompt writes.
TOOL_TABLES = frozenset(
    {"user_skills", "user_stories", "user_experiences", "user_locations", "user_career_options",
     "user_budget", "user_flow_logs", "user_companies", "user_contacts", "user_jobs",
     "user_idea_trees", "user_competency_scores", "user_profile", "user_lists", "user_settings"}
)
TEXTUAL_INPUTS = frozenset({"text", "long_text"})

RECALL_SOURCES = frozenset(
    {"skills.top10", "skills.transferable", "skills.self_management", "skills.knowledge",
     "experiences", "experiences.tasks", "skills.suggested", "stories", "personality", "flow.high_activities", "flow.recent",
     "life_dashboard", "values.work", "values.life", "values.compass", "idea_trees",
     "career_options", "budget.batna", "competency.strengths", "profile.headline",
     "profile.value_proposition", "companies", "contacts", "locations.ranked"}
)
PII_MODULES = frozenset({"1.4"})
PII_TABLES = frozenset({"user_budget", "user_contacts"})

MAX_TEXT_LENGTH = 100_000
