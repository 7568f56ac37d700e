"""The v3 schema, plus the additions docs/schema.md lists."""

from __future__ import annotations

import pytest

from dreamtree_desktop.appdata import AppData
from dreamtree_desktop.clock import now_iso
from dreamtree_desktop.ids import new_id
from dreamtree_desktop.storage.db import IntegrityViolation

SPEC_TABLES = {
    "users": ["id", "is_anonymous", "workbook_complete", "created_at", "updated_at"],
    "auth": ["id", "user_id", "type", "password_hash", "wrapped_data_key", "created_at", "updated_at"],
    "emails": ["id", "user_id", "email", "is_active", "added_at"],
    "sessions": ["id", "user_id", "created_at", "last_seen_at"],
    "user_settings": ["user_id", "background_color", "text_color", "font", "personality_type",
                      "created_at", "updated_at"],
    "user_modules": ["user_id", "module_id", "first_completed_at", "last_modified_at"],
    "user_profile": ["user_id", "headline", "summary", "identity_story", "allegory", "value_proposition",
                     "life_dashboard_work", "life_dashboard_play", "life_dashboard_love",
                     "life_dashboard_health", "created_at", "updated_at"],
    "user_values": ["user_id", "work_values", "life_values", "compass_statement", "created_at", "updated_at"],
    "user_skills": ["id", "user_id", "skill_id", "category", "mastery", "evidence", "rank", "created_at",
                    "updated_at"],
    "user_stories": ["id", "user_id", "experience_id", "title", "situation", "obstacle", "action", "result",
                     "evaluation", "discovery", "story_type", "created_at", "updated_at"],
    "user_experiences": ["id", "user_id", "title", "organization", "experience_type", "start_date",
                         "end_date", "description", "created_at", "updated_at"],
    "user_experience_skills": ["id", "experience_id", "skill_id", "created_at"],
    "user_locations": ["id", "user_id", "name", "rank", "traits_liked", "traits_disliked", "notes",
                       "created_at", "updated_at"],
    "user_career_options": ["id", "user_id", "title", "description", "rank", "coherence_score",
                            "work_needs_score", "life_needs_score", "unknowns_score", "created_at",
                            "updated_at"],
    "user_budget": ["user_id", "monthly_expenses", "annual_needs", "hourly_batna", "benefits_needed",
                    "notes", "created_at", "updated_at"],
    "user_flow_logs": ["id", "user_id", "activity", "energy", "focus", "logged_date", "created_at"],
    "user_companies": ["id", "user_id", "name", "status", "research_notes", "url", "created_at", "updated_at"],
    "user_contacts": ["id", "user_id", "company_id", "name", "title", "relationship_status", "notes",
                      "linkedin_url", "created_at", "updated_at"],
    "user_jobs": ["id", "user_id", "company_id", "title", "posting_url", "application_status", "notes",
                  "created_at", "updated_at"],
    "user_idea_trees": ["id", "user_id", "name", "root_node_id", "created_at", "updated_at"],
    "user_idea_nodes": ["id", "user_id", "content", "created_at"],
    "user_idea_edges": ["id", "tree_id", "from_node_id", "to_node_id", "created_at"],
    "user_competency_scores": ["id", "user_id", "competency_id", "score", "assessed_at"],
    "user_responses": ["id", "user_id", "prompt_id", "exercise_id", "activity_id", "response_text",
                       "created_at", "updated_at"],
    "user_lists": ["id", "user_id", "name", "context", "created_at", "updated_at"],
    "user_list_items": ["id", "list_id", "content", "position", "created_at"],
    "user_checklists": ["id", "user_id", "prompt_id", "exercise_id", "checked", "created_at", "updated_at"],
    "exercise_content": ["id", "part_id", "module_id", "exercise_id", "version", "full_exercise_id",
                         "content_type", "content_text", "display_order", "is_active", "variant_group",
                         "created_at", "updated_at"],
    "exercise_sequence": ["full_exercise_id", "part_id", "module_id", "exercise_id", "version",
                          "sequence_order", "unlocks_tool", "is_required"],
    "personality_types": ["code", "name", "summary"],
    "competencies": ["id", "name", "definition", "category", "sort_order", "relevant_modules"],
    "competency_levels": ["id", "competency_id", "level", "description", "job_context"],
    "skills": ["id", "name", "category", "is_custom", "created_by", "review_status", "created_at"],
    "tool_types": ["id", "singular_name", "plural_name", "icon_name", "has_reminder", "reminder_frequency",
                   "reminder_prompt", "unlocks_at_exercise", "version", "is_active", "created_at",
                   "updated_at"],
    "references": ["id", "citation_number", "author_surname", "full_citation", "short_citation", "category",
                   "metadata", "created_at"],
    "content_sources": ["id", "exercise_id", "reference_id", "usage_type", "notes"],
}

# (child table, column) -> (parent table, on_delete): the v3 design's foreign keys.
SPEC_FOREIGN_KEYS = {
    ("auth", "user_id"): ("users", "CASCADE"),
    ("emails", "user_id"): ("users", "CASCADE"),
    ("sessions", "user_id"): ("users", "CASCADE"),
    ("user_settings", "user_id"): ("users", "CASCADE"),
    ("user_settings", "personality_type"): ("personality_types", "NO ACTION"),
    ("user_modules", "user_id"): ("users", "CASCADE"),
    ("user_profile", "user_id"): ("users", "CASCADE"),
    ("user_values", "user_id"): ("users", "CASCADE"),
    ("user_skills", "user_id"): ("users", "CASCADE"),
    ("user_skills", "skill_id"): ("skills", "NO ACTION"),
    ("user_stories", "user_id"): ("users", "CASCADE"),
    ("user_stories", "experience_id"): ("user_experiences", "SET NULL"),
    ("user_experiences", "user_id"): ("users", "CASCADE"),
    ("user_experience_skills", "experience_id"): ("user_experiences", "CASCADE"),
    ("user_experience_skills", "skill_id"): ("skills", "NO ACTION"),
    ("user_locations", "user_id"): ("users", "CASCADE"),
    ("user_career_options", "user_id"): ("users", "CASCADE"),
    ("user_budget", "user_id"): ("users", "CASCADE"),
    ("user_flow_logs", "user_id"): ("users", "CASCADE"),
    ("user_companies", "user_id"): ("users", "CASCADE"),
    ("user_contacts", "user_id"): ("users", "CASCADE"),
    ("user_contacts", "company_id"): ("user_companies", "SET NULL"),
    ("user_jobs", "user_id"): ("users", "CASCADE"),
    ("user_jobs", "company_id"): ("user_companies", "SET NULL"),
    ("user_idea_trees", "user_id"): ("users", "CASCADE"),
    ("user_idea_trees", "root_node_id"): ("user_idea_nodes", "SET NULL"),
    ("user_idea_nodes", "user_id"): ("users", "CASCADE"),
    ("user_idea_edges", "tree_id"): ("user_idea_trees", "CASCADE"),
    ("user_idea_edges", "from_node_id"): ("user_idea_nodes", "CASCADE"),
    ("user_idea_edges", "to_node_id"): ("user_idea_nodes", "CASCADE"),
    ("user_responses", "user_id"): ("users", "CASCADE"),
    ("user_responses", "prompt_id"): ("prompts", "NO ACTION"),
    ("user_lists", "user_id"): ("users", "CASCADE"),
    ("user_list_items", "list_id"): ("user_lists", "CASCADE"),
    ("user_checklists", "user_id"): ("users", "CASCADE"),
    ("user_checklists", "prompt_id"): ("prompts", "NO ACTION"),
    ("user_competency_scores", "user_id"): ("users", "CASCADE"),
    ("user_competency_scores", "competency_id"): ("competencies", "NO ACTION"),
    ("competency_levels", "competency_id"): ("competencies", "NO ACTION"),
    ("skills", "created_by"): ("users", "SET NULL"),
    ("exercise_sequence", "unlocks_tool"): ("tool_types", "NO ACTION"),
    ("content_sources", "reference_id"): ("references", "NO ACTION"),
}

SPEC_INDEXES = [
    "idx_auth_user_id", "idx_emails_user_id", "idx_sessions_user_id", "idx_user_skills_user",
    "idx_user_skills_category", "idx_user_skills_rank", "idx_user_stories_user", "idx_user_stories_type",
    "idx_user_experiences_user", "idx_user_experiences_type", "idx_user_experience_skills_experience",
    "idx_user_experience_skills_skill", "idx_user_locations_user", "idx_user_locations_rank",
    "idx_user_career_options_user", "idx_user_flow_logs_user", "idx_user_flow_logs_date",
    "idx_user_companies_user", "idx_user_companies_status", "idx_user_contacts_user",
    "idx_user_contacts_company", "idx_user_jobs_user", "idx_user_jobs_company", "idx_user_jobs_status",
    "idx_user_idea_trees_user", "idx_user_idea_nodes_user", "idx_user_idea_edges_tree",
    "idx_user_idea_edges_from", "idx_user_idea_edges_to", "idx_user_responses_user",
    "idx_user_responses_prompt", "idx_user_responses_exercise", "idx_user_lists_user",
    "idx_user_list_items_list", "idx_user_checklists_user", "idx_user_checklists_exercise",
    "idx_user_competency_scores_user", "idx_exercise_content_full_id", "idx_exercise_content_active",
    "idx_exercise_content_variant", "idx_exercise_sequence_order", "idx_exercise_sequence_module",
    "idx_competencies_category", "idx_competency_levels_competency", "idx_skills_category", "idx_skills_name",
    "idx_skills_review", "idx_references_citation_number", "idx_references_author_surname",
    "idx_content_sources_exercise", "idx_content_sources_reference",
]
PARTIAL_INDEXES = {"idx_user_skills_rank", "idx_user_locations_rank", "idx_skills_review"}


def test_all_36_spec_tables_exist_with_their_columns(app: AppData) -> None:
    assert len(SPEC_TABLES) == 36
    for table, columns in SPEC_TABLES.items():
        have = [r["name"] for r in app.db.query(f'PRAGMA table_info("{table}")')]
        assert have, f"table {table} is missing"
        missing = set(columns) - set(have)
        assert not missing, f"{table} lacks {missing}"


def test_foreign_keys_and_delete_actions_match_the_spec(app: AppData) -> None:
    for (child, column), (parent, action) in SPEC_FOREIGN_KEYS.items():
        fks = app.db.query(f'PRAGMA foreign_key_list("{child}")')
        match = [fk for fk in fks if fk["from"] == column]
        assert match, f"{child}.{column} has no foreign key"
        assert match[0]["table"] == parent
        assert match[0]["on_delete"] == action, f"{child}.{column}: {match[0]['on_delete']} != {action}"


def test_spec_indexes_exist_and_partial_ones_are_partial(app: AppData) -> None:
    rows = {r["name"]: r["sql"] for r in app.db.query("SELECT name, sql FROM sqlite_master WHERE type='index'")}
    for name in SPEC_INDEXES:
        assert name in rows, f"index {name} missing"
    for name in PARTIAL_INDEXES:
        assert " WHERE " in rows[name].upper()


def _stamp() -> str:
    return now_iso()


def _fill_user(app: AppData) -> dict[str, str]:
    """One row in every user table, linked the way the app links them."""
    db, uid, t = app.db, app.user_id, _stamp()
    ids = {k: new_id() for k in ("exp", "story", "company", "contact", "job", "tree", "n1", "n2", "list",
                                 "skill", "custom")}
    skill = db.scalar("SELECT id FROM skills WHERE is_custom = 0 LIMIT 1")
    comp = db.scalar("SELECT id FROM competencies LIMIT 1")
    prompt = db.scalar("SELECT id FROM prompts LIMIT 1")
    with db.transaction():
        db.execute("INSERT INTO auth VALUES (?, ?, 'password', 'h', 'w', ?, ?)", (new_id(), uid, t, t))
        db.execute("INSERT INTO emails VALUES (?, ?, 'a@b.example', 1, ?)", (new_id(), uid, t))
        db.execute("INSERT INTO user_modules VALUES (?, '1.1', ?, ?)", (uid, t, t))
        db.execute("INSERT INTO user_profile(user_id, headline, created_at, updated_at) VALUES (?, 'h', ?, ?)",
                   (uid, t, t))
        db.execute("INSERT INTO user_values(user_id, created_at, updated_at) VALUES (?, ?, ?)", (uid, t, t))
        db.execute("INSERT INTO user_skills(id, user_id, skill_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   (ids["skill"], uid, skill, t, t))
        db.execute("INSERT INTO user_experiences(id, user_id, title, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
                   (ids["exp"], uid, t, t))
        db.execute("INSERT INTO user_experience_skills VALUES (?, ?, ?, ?)", (new_id(), ids["exp"], skill, t))
        db.execute("INSERT INTO user_stories(id, user_id, experience_id, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?)", (ids["story"], uid, ids["exp"], t, t))
        db.execute("INSERT INTO user_locations(id, user_id, name, created_at, updated_at) VALUES (?, ?, 'p', ?, ?)",
                   (new_id(), uid, t, t))
        db.execute("INSERT INTO user_career_options(id, user_id, title, created_at, updated_at) "
                   "VALUES (?, ?, 'c', ?, ?)", (new_id(), uid, t, t))
        db.execute("INSERT INTO user_budget(user_id, created_at, updated_at) VALUES (?, ?, ?)", (uid, t, t))
        db.execute("INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, "
                   "updated_at) VALUES (?, ?, 'a', 1, 4, '2026-01-01', ?, ?)", (new_id(), uid, t, t))
        db.execute("INSERT INTO user_companies(id, user_id, name, created_at, updated_at) VALUES (?, ?, 'co', ?, ?)",
                   (ids["company"], uid, t, t))
        db.execute("INSERT INTO user_contacts(id, user_id, company_id, name, created_at, updated_at) "
                   "VALUES (?, ?, ?, 'n', ?, ?)", (ids["contact"], uid, ids["company"], t, t))
        db.execute("INSERT INTO user_jobs(id, user_id, company_id, title, created_at, updated_at) "
                   "VALUES (?, ?, ?, 'j', ?, ?)", (ids["job"], uid, ids["company"], t, t))
        db.execute("INSERT INTO user_idea_nodes VALUES (?, ?, 'root', ?)", (ids["n1"], uid, t))
        db.execute("INSERT INTO user_idea_nodes VALUES (?, ?, 'leaf', ?)", (ids["n2"], uid, t))
        db.execute("INSERT INTO user_idea_trees(id, user_id, root_node_id, created_at, updated_at) "
                   "VALUES (?, ?, ?, ?, ?)", (ids["tree"], uid, ids["n1"], t, t))
        db.execute("INSERT INTO user_idea_edges VALUES (?, ?, ?, ?, ?)", (new_id(), ids["tree"], ids["n1"], ids["n2"], t))
        db.execute("INSERT INTO user_competency_scores VALUES (?, ?, ?, 3, ?)", (new_id(), uid, comp, t))
        db.execute("INSERT INTO user_responses(id, user_id, prompt_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   (new_id(), uid, prompt, t, t))
        db.execute("INSERT INTO user_lists(id, user_id, name, created_at, updated_at) VALUES (?, ?, 'l', ?, ?)",
                   (ids["list"], uid, t, t))
        db.execute("INSERT INTO user_list_items VALUES (?, ?, 'i', 1, ?)", (new_id(), ids["list"], t))
        db.execute("INSERT INTO user_checklists(id, user_id, prompt_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   (new_id(), uid, prompt, t, t))
        db.execute("INSERT INTO skills(id, name, category, is_custom, created_by, review_status, created_at) "
                   "VALUES (?, 'Beekeeping', 'knowledge', 1, ?, 'pending', ?)", (ids["custom"], uid, t))
    return ids


USER_TABLES = [t for t in SPEC_TABLES if t.startswith("user_") or t in ("auth", "emails", "sessions")]


def test_deleting_a_user_cascades_as_spec_section_8_says(app: AppData) -> None:
    ids = _fill_user(app)
    reference_counts = {t: app.db.scalar(f'SELECT count(*) FROM "{t}"') for t in
                        ("skills", "competencies", "tool_types", "references", "exercise_content")}
    with app.db.transaction():
        app.db.execute("DELETE FROM users WHERE id = ?", (app.user_id,))
    for table in USER_TABLES:
        assert app.db.scalar(f"SELECT count(*) FROM {table}") == 0, f"{table} kept rows"
    assert app.db.scalar("SELECT created_by FROM skills WHERE id = ?", (ids["custom"],)) is None
    for table, count in reference_counts.items():
        assert app.db.scalar(f'SELECT count(*) FROM "{table}"') == count


def test_deleting_a_company_keeps_contacts_and_jobs_with_null_company(app: AppData) -> None:
    ids = _fill_user(app)
    with app.db.transaction():
        app.db.execute("DELETE FROM user_companies WHERE id = ?", (ids["company"],))
    assert app.db.scalar("SELECT company_id FROM user_contacts WHERE id = ?", (ids["contact"],)) is None
    assert app.db.scalar("SELECT company_id FROM user_jobs WHERE id = ?", (ids["job"],)) is None


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, updated_at) "
         "VALUES (?, :u, 'a', 3, 3, '2026-01-01', 't', 't')", "energy 3"),
        ("INSERT INTO user_flow_logs(id, user_id, activity, energy, focus, logged_date, created_at, updated_at) "
         "VALUES (?, :u, 'a', 0, 6, '2026-01-01', 't', 't')", "focus 6"),
        ("INSERT INTO user_profile(user_id, life_dashboard_work, created_at, updated_at) VALUES (:u, 11, 't', 't')",
         "dashboard 11"),
        ("INSERT INTO user_career_options(id, user_id, title, rank, created_at, updated_at) "
         "VALUES (?, :u, 'x', 4, 't', 't')", "rank 4"),
        ("INSERT INTO user_skills(id, user_id, skill_id, mastery, created_at, updated_at) "
         "VALUES (?, :u, (SELECT id FROM skills LIMIT 1), 6, 't', 't')", "mastery 6"),
        ("INSERT INTO user_stories(id, user_id, story_type, created_at, updated_at) VALUES (?, :u, 'epic', 't', 't')",
         "story type"),
        ("INSERT INTO user_competency_scores(id, user_id, competency_id, score, assessed_at) "
         "VALUES (?, :u, (SELECT id FROM competencies LIMIT 1), 0, 't')", "score 0"),
    ],
)
def test_check_constraints_reject_out_of_range_values(app: AppData, sql: str, params: str) -> None:
    sql = sql.replace("(?,", "(:id,")
    before = app.db.scalar("SELECT total_changes()")
    with pytest.raises(IntegrityViolation), app.db.transaction():
        app.db.execute(sql, {"id": new_id(), "u": app.user_id})
    assert app.db.scalar("SELECT total_changes()") == before


def test_only_one_active_email_per_user(app: AppData) -> None:
    t = _stamp()
    with app.db.transaction():
        app.db.execute("INSERT INTO emails VALUES (?, ?, 'a@x.example', 1, ?)", (new_id(), app.user_id, t))
    with pytest.raises(IntegrityViolation), app.db.transaction():
        app.db.execute("INSERT INTO emails VALUES (?, ?, 'b@x.example', 1, ?)", (new_id(), app.user_id, t))


def test_references_table_is_quoted_and_usable(app: AppData) -> None:
    assert app.db.scalar('SELECT count(*) FROM "references"') >= 20
