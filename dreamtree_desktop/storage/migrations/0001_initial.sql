-- The v3 table design with the additions listed in docs/schema.md.
-- Timestamps are ISO 8601 UTC with milliseconds ("2026-01-02T03:04:05.678Z") so they sort as text.

-- Core -----------------------------------------------------------------------------------------
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    is_anonymous INTEGER NOT NULL DEFAULT 1 CHECK (is_anonymous IN (0, 1)),
    workbook_complete INTEGER NOT NULL DEFAULT 0 CHECK (workbook_complete IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE auth (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    password_hash TEXT,
    wrapped_data_key TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_auth_user_id ON auth(user_id);

CREATE TABLE emails (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    added_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_emails_user_id ON emails(user_id);
CREATE UNIQUE INDEX idx_emails_one_active ON emails(user_id) WHERE is_active = 1;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_sessions_user_id ON sessions(user_id);

CREATE TABLE user_settings (
    user_id TEXT PRIMARY KEY,
    background_color TEXT NOT NULL DEFAULT 'cream'
        CHECK (background_color IN ('cream', 'tan', 'brown', 'charcoal', 'black')),
    text_color TEXT NOT NULL DEFAULT 'charcoal'
        CHECK (text_color IN ('cream', 'tan', 'brown', 'charcoal', 'black')),
    font TEXT NOT NULL DEFAULT 'sans'
        CHECK (font IN ('sans', 'serif', 'typewriter', 'handwritten', 'display')),
    personality_type TEXT,
    colors_chosen INTEGER NOT NULL DEFAULT 0 CHECK (colors_chosen IN (0, 1)),
    text_size INTEGER NOT NULL DEFAULT 15 CHECK (text_size BETWEEN 10 AND 28),
    typing_speed TEXT NOT NULL DEFAULT 'off' CHECK (typing_speed IN ('off', 'fast', 'normal', 'slow')),
    lock_with_password INTEGER NOT NULL DEFAULT 0 CHECK (lock_with_password IN (0, 1)),
    idle_lock_minutes INTEGER NOT NULL DEFAULT 15 CHECK (idle_lock_minutes BETWEEN 0 AND 1440),
    reminders_enabled INTEGER NOT NULL DEFAULT 1 CHECK (reminders_enabled IN (0, 1)),
    display_name TEXT,
    location TEXT,
    onboarded_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (personality_type) REFERENCES personality_types(code)
);

CREATE TABLE user_modules (
    user_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    first_completed_at TEXT NOT NULL,
    last_modified_at TEXT NOT NULL,
    PRIMARY KEY (user_id, module_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

-- User data, tier 1 ----------------------------------------------------------------------------
CREATE TABLE user_profile (
    user_id TEXT PRIMARY KEY,
    headline TEXT,
    summary TEXT,
    identity_story TEXT,
    allegory TEXT,
    value_proposition TEXT,
    life_dashboard_work INTEGER CHECK (life_dashboard_work BETWEEN 1 AND 10),
    life_dashboard_play INTEGER CHECK (life_dashboard_play BETWEEN 1 AND 10),
    life_dashboard_love INTEGER CHECK (life_dashboard_love BETWEEN 1 AND 10),
    life_dashboard_health INTEGER CHECK (life_dashboard_health BETWEEN 1 AND 10),
    life_dashboard_notes TEXT,
    resume_json TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE user_values (
    user_id TEXT PRIMARY KEY,
    work_values TEXT,
    life_values TEXT,
    compass_statement TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE user_skills (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    category TEXT CHECK (category IN ('transferable', 'self_management', 'knowledge')),
    mastery INTEGER CHECK (mastery BETWEEN 1 AND 5),
    evidence TEXT,
    rank INTEGER CHECK (rank >= 1),
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE(user_id, skill_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (skill_id) REFERENCES skills(id)
);
CREATE INDEX idx_user_skills_user ON user_skills(user_id);
CREATE INDEX idx_user_skills_category ON user_skills(user_id, category);
CREATE INDEX idx_user_skills_rank ON user_skills(user_id, rank) WHERE rank IS NOT NULL;

CREATE TABLE user_stories (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    experience_id TEXT,
    title TEXT,
    situation TEXT,
    obstacle TEXT,
    action TEXT,
    result TEXT,
    evaluation TEXT,
    discovery TEXT,
    story_type TEXT CHECK (story_type IN ('challenge', 'reframe', 'other')),
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (experience_id) REFERENCES user_experiences(id) ON DELETE SET NULL
);
CREATE INDEX idx_user_stories_user ON user_stories(user_id);
CREATE INDEX idx_user_stories_type ON user_stories(user_id, story_type);

CREATE TABLE user_story_skills (
    id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(story_id, skill_id),
    FOREIGN KEY (story_id) REFERENCES user_stories(id) ON DELETE CASCADE,
    FOREIGN KEY (skill_id) REFERENCES skills(id)
);
CREATE INDEX idx_user_story_skills_story ON user_story_skills(story_id);

CREATE TABLE user_experiences (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,
    organization TEXT,
    experience_type TEXT CHECK (experience_type IN ('job', 'education', 'project', 'other')),
    start_date TEXT,
    end_date TEXT,
    description TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_experiences_user ON user_experiences(user_id);
CREATE INDEX idx_user_experiences_type ON user_experiences(user_id, experience_type);

CREATE TABLE user_experience_skills (
    id TEXT PRIMARY KEY,
    experience_id TEXT NOT NULL,
    skill_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(experience_id, skill_id),
    FOREIGN KEY (experience_id) REFERENCES user_experiences(id) ON DELETE CASCADE,
    FOREIGN KEY (skill_id) REFERENCES skills(id)
);
CREATE INDEX idx_user_experience_skills_experience ON user_experience_skills(experience_id);
CREATE INDEX idx_user_experience_skills_skill ON user_experience_skills(skill_id);

CREATE TABLE user_locations (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    rank INTEGER CHECK (rank >= 1),
    traits_liked TEXT,
    traits_disliked TEXT,
    notes TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_locations_user ON user_locations(user_id);
CREATE INDEX idx_user_locations_rank ON user_locations(user_id, rank) WHERE rank IS NOT NULL;

CREATE TABLE user_career_options (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    rank INTEGER CHECK (rank BETWEEN 1 AND 3),
    coherence_score INTEGER CHECK (coherence_score BETWEEN 1 AND 10),
    work_needs_score INTEGER CHECK (work_needs_score BETWEEN 1 AND 10),
    life_needs_score INTEGER CHECK (life_needs_score BETWEEN 1 AND 10),
    unknowns_score INTEGER CHECK (unknowns_score BETWEEN 1 AND 10),
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_career_options_user ON user_career_options(user_id);

-- Every figure is an encrypted envelope (JSON text), so the figure columns are TEXT.
CREATE TABLE user_budget (
    user_id TEXT PRIMARY KEY,
    monthly_expenses TEXT,
    annual_needs TEXT,
    hourly_batna TEXT,
    benefits_needed TEXT,
    notes TEXT,
    expense_lines TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

CREATE TABLE user_flow_logs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    activity TEXT NOT NULL,
    energy INTEGER CHECK (energy BETWEEN -2 AND 2),
    focus INTEGER CHECK (focus BETWEEN 1 AND 5),
    logged_date TEXT NOT NULL,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_flow_logs_user ON user_flow_logs(user_id);
CREATE INDEX idx_user_flow_logs_date ON user_flow_logs(user_id, logged_date);

CREATE TABLE user_companies (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT,
    research_notes TEXT,
    url TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_companies_user ON user_companies(user_id);
CREATE INDEX idx_user_companies_status ON user_companies(user_id, status);

CREATE TABLE user_contacts (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    company_id TEXT,
    name TEXT NOT NULL,
    title TEXT,
    relationship_status TEXT,
    notes TEXT,
    linkedin_url TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (company_id) REFERENCES user_companies(id) ON DELETE SET NULL
);
CREATE INDEX idx_user_contacts_user ON user_contacts(user_id);
CREATE INDEX idx_user_contacts_company ON user_contacts(company_id);

CREATE TABLE user_jobs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    company_id TEXT,
    title TEXT NOT NULL,
    posting_url TEXT,
    application_status TEXT CHECK (application_status IN
        ('saved', 'applied', 'interviewing', 'offer', 'closed') OR application_status IS NULL),
    notes TEXT,
    follow_up_on TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (company_id) REFERENCES user_companies(id) ON DELETE SET NULL
);
CREATE INDEX idx_user_jobs_user ON user_jobs(user_id);
CREATE INDEX idx_user_jobs_company ON user_jobs(company_id);
CREATE INDEX idx_user_jobs_status ON user_jobs(user_id, application_status);

CREATE TABLE user_idea_trees (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT,
    root_node_id TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (root_node_id) REFERENCES user_idea_nodes(id) ON DELETE SET NULL
);
CREATE INDEX idx_user_idea_trees_user ON user_idea_trees(user_id);

CREATE TABLE user_idea_nodes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(user_id, content),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_idea_nodes_user ON user_idea_nodes(user_id);

CREATE TABLE user_idea_edges (
    id TEXT PRIMARY KEY,
    tree_id TEXT NOT NULL,
    from_node_id TEXT NOT NULL,
    to_node_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE(tree_id, from_node_id, to_node_id),
    FOREIGN KEY (tree_id) REFERENCES user_idea_trees(id) ON DELETE CASCADE,
    FOREIGN KEY (from_node_id) REFERENCES user_idea_nodes(id) ON DELETE CASCADE,
    FOREIGN KEY (to_node_id) REFERENCES user_idea_nodes(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_idea_edges_tree ON user_idea_edges(tree_id);
CREATE INDEX idx_user_idea_edges_from ON user_idea_edges(from_node_id);
CREATE INDEX idx_user_idea_edges_to ON user_idea_edges(to_node_id);

CREATE TABLE user_competency_scores (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    competency_id TEXT NOT NULL,
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    assessed_at TEXT NOT NULL,
    UNIQUE(user_id, competency_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (competency_id) REFERENCES competencies(id)
);
CREATE INDEX idx_user_competency_scores_user ON user_competency_scores(user_id);

CREATE TABLE user_dashboard_snapshots (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    work INTEGER NOT NULL CHECK (work BETWEEN 1 AND 10),
    play INTEGER NOT NULL CHECK (play BETWEEN 1 AND 10),
    love INTEGER NOT NULL CHECK (love BETWEEN 1 AND 10),
    health INTEGER NOT NULL CHECK (health BETWEEN 1 AND 10),
    notes TEXT,
    origin TEXT,
    recorded_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_dashboard_snapshots_user ON user_dashboard_snapshots(user_id, recorded_at);

-- User data, tier 2 ----------------------------------------------------------------------------
CREATE TABLE user_responses (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    exercise_id TEXT,
    activity_id TEXT,
    response_text TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (prompt_id) REFERENCES prompts(id)
);
CREATE INDEX idx_user_responses_user ON user_responses(user_id);
CREATE INDEX idx_user_responses_prompt ON user_responses(user_id, prompt_id);
CREATE INDEX idx_user_responses_exercise ON user_responses(user_id, exercise_id);

CREATE TABLE user_lists (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    context TEXT,
    origin TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_lists_user ON user_lists(user_id);

CREATE TABLE user_list_items (
    id TEXT PRIMARY KEY,
    list_id TEXT NOT NULL,
    content TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (list_id) REFERENCES user_lists(id) ON DELETE CASCADE
);
CREATE INDEX idx_user_list_items_list ON user_list_items(list_id);

CREATE TABLE user_checklists (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    prompt_id TEXT NOT NULL,
    exercise_id TEXT,
    checked INTEGER NOT NULL DEFAULT 0 CHECK (checked IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (prompt_id) REFERENCES prompts(id)
);
CREATE INDEX idx_user_checklists_user ON user_checklists(user_id);
CREATE INDEX idx_user_checklists_exercise ON user_checklists(user_id, exercise_id);

-- Progress and sync metadata -------------------------------------------------------------------
-- The per-exercise record the progression reads: when each exercise was first and last answered.
CREATE TABLE exercise_progress (
    user_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    full_exercise_id TEXT NOT NULL,
    first_responded_at TEXT NOT NULL,
    responded_at TEXT NOT NULL,
    PRIMARY KEY (user_id, exercise_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);

-- A deleted user row leaves a tombstone so no merge resurrects it.
CREATE TABLE tombstones (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id TEXT NOT NULL,
    content_hash TEXT,
    origin TEXT,
    deleted_at TEXT NOT NULL,
    UNIQUE(user_id, table_name, row_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_tombstones_user ON tombstones(user_id, table_name);

-- The losing side of a module merge, kept so it can be viewed and restored.
CREATE TABLE module_revisions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    last_modified_at TEXT,
    snapshot_json TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('import', 'sync', 'restore', 'claim')),
    created_at TEXT NOT NULL,
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX idx_module_revisions_user ON module_revisions(user_id, module_id, created_at);

CREATE TABLE app_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Content ---------------------------------------------------------------------------------------
CREATE TABLE workbook_outline (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('part', 'module', 'exercise')),
    parent_id TEXT,
    title TEXT NOT NULL,
    summary TEXT,
    transition_text TEXT,
    celebration_text TEXT,
    sort_order INTEGER NOT NULL
);
CREATE INDEX idx_workbook_outline_parent ON workbook_outline(parent_id, sort_order);

CREATE TABLE exercise_content (
    id TEXT PRIMARY KEY,
    part_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    full_exercise_id TEXT NOT NULL,
    content_type TEXT NOT NULL
        CHECK (content_type IN ('instruction', 'prompt', 'reflection', 'transition', 'celebration')),
    content_text TEXT NOT NULL,
    display_order INTEGER NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    variant_group TEXT,
    prompt_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_exercise_content_full_id ON exercise_content(full_exercise_id);
CREATE INDEX idx_exercise_content_active ON exercise_content(is_active, full_exercise_id);
CREATE INDEX idx_exercise_content_variant ON exercise_content(full_exercise_id, variant_group);

CREATE TABLE exercise_sequence (
    full_exercise_id TEXT PRIMARY KEY,
    part_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    sequence_order INTEGER NOT NULL UNIQUE,
    unlocks_tool TEXT,
    is_required INTEGER NOT NULL DEFAULT 1 CHECK (is_required IN (0, 1)),
    FOREIGN KEY (unlocks_tool) REFERENCES tool_types(id)
);
CREATE INDEX idx_exercise_sequence_order ON exercise_sequence(sequence_order);
CREATE INDEX idx_exercise_sequence_module ON exercise_sequence(part_id, module_id);

CREATE TABLE prompts (
    id TEXT PRIMARY KEY,
    full_exercise_id TEXT NOT NULL,
    exercise_id TEXT NOT NULL,
    module_id TEXT NOT NULL,
    display_order INTEGER NOT NULL,
    input_type TEXT NOT NULL CHECK (input_type IN
        ('text', 'long_text', 'number', 'slider', 'single_choice', 'multi_choice', 'checkbox',
         'list', 'ranking', 'date', 'tool')),
    prompt_text TEXT NOT NULL,
    config_json TEXT NOT NULL DEFAULT '{}',
    target_table TEXT NOT NULL,
    target_column TEXT,
    target_list TEXT,
    example TEXT,
    is_pii INTEGER NOT NULL DEFAULT 0 CHECK (is_pii IN (0, 1)),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX idx_prompts_exercise ON prompts(exercise_id, display_order);

CREATE TABLE recall_links (
    id TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL,
    source TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('show', 'prefill')),
    into_prompt_id TEXT,
    FOREIGN KEY (into_prompt_id) REFERENCES prompts(id)
);
CREATE INDEX idx_recall_links_exercise ON recall_links(exercise_id);

-- Reference -------------------------------------------------------------------------------------
CREATE TABLE personality_types (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    summary TEXT NOT NULL
);

CREATE TABLE competencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('delivery', 'interpersonal', 'strategic')),
    sort_order INTEGER NOT NULL,
    relevant_modules TEXT
);
CREATE INDEX idx_competencies_category ON competencies(category, sort_order);

CREATE TABLE competency_levels (
    id TEXT PRIMARY KEY,
    competency_id TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    description TEXT NOT NULL,
    job_context TEXT,
    UNIQUE(competency_id, level),
    FOREIGN KEY (competency_id) REFERENCES competencies(id)
);
CREATE INDEX idx_competency_levels_competency ON competency_levels(competency_id);

CREATE TABLE skills (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT CHECK (category IN ('transferable', 'self_management', 'knowledge') OR category IS NULL),
    is_custom INTEGER NOT NULL DEFAULT 0 CHECK (is_custom IN (0, 1)),
    created_by TEXT,
    review_status TEXT CHECK (review_status IN ('pending', 'approved', 'rejected') OR review_status IS NULL),
    created_at TEXT NOT NULL,
    FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX idx_skills_category ON skills(category);
CREATE INDEX idx_skills_name ON skills(name);
CREATE INDEX idx_skills_review ON skills(review_status) WHERE is_custom = 1;

CREATE TABLE tool_types (
    id TEXT PRIMARY KEY,
    singular_name TEXT NOT NULL,
    plural_name TEXT NOT NULL,
    icon_name TEXT NOT NULL,
    has_reminder INTEGER NOT NULL DEFAULT 0 CHECK (has_reminder IN (0, 1)),
    reminder_frequency TEXT CHECK (reminder_frequency IN ('daily', 'weekly', 'monthly') OR reminder_frequency IS NULL),
    reminder_prompt TEXT,
    unlocks_at_exercise TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Attribution -----------------------------------------------------------------------------------
CREATE TABLE "references" (
    id TEXT PRIMARY KEY,
    citation_number INTEGER NOT NULL UNIQUE,
    author_surname TEXT NOT NULL,
    full_citation TEXT NOT NULL,
    short_citation TEXT NOT NULL,
    category TEXT,
    metadata TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX idx_references_citation_number ON "references"(citation_number);
CREATE INDEX idx_references_author_surname ON "references"(author_surname);

CREATE TABLE content_sources (
    id TEXT PRIMARY KEY,
    exercise_id TEXT NOT NULL,
    reference_id TEXT NOT NULL,
    usage_type TEXT NOT NULL
        CHECK (usage_type IN ('direct_quote', 'framework', 'concept', 'adaptation', 'inspiration')),
    notes TEXT,
    FOREIGN KEY (reference_id) REFERENCES "references"(id)
);
CREATE INDEX idx_content_sources_exercise ON content_sources(exercise_id);
CREATE INDEX idx_content_sources_reference ON content_sources(reference_id);
