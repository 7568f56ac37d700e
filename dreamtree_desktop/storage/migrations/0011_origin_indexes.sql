-- The incremental sync round exports only the modules that changed: the rows a module owns are
-- found by their origin (the exercise that wrote them) through these indexes, not by reading
-- every row of the table (sync/incremental.py, portability/exporter.py Subset).
CREATE INDEX IF NOT EXISTS idx_user_experiences_origin ON user_experiences(origin);
CREATE INDEX IF NOT EXISTS idx_user_companies_origin ON user_companies(origin);
CREATE INDEX IF NOT EXISTS idx_user_skills_origin ON user_skills(origin);
CREATE INDEX IF NOT EXISTS idx_user_stories_origin ON user_stories(origin);
CREATE INDEX IF NOT EXISTS idx_user_locations_origin ON user_locations(origin);
CREATE INDEX IF NOT EXISTS idx_user_career_options_origin ON user_career_options(origin);
CREATE INDEX IF NOT EXISTS idx_user_flow_logs_origin ON user_flow_logs(origin);
CREATE INDEX IF NOT EXISTS idx_user_contacts_origin ON user_contacts(origin);
CREATE INDEX IF NOT EXISTS idx_user_jobs_origin ON user_jobs(origin);
CREATE INDEX IF NOT EXISTS idx_user_idea_trees_origin ON user_idea_trees(origin);
CREATE INDEX IF NOT EXISTS idx_user_lists_origin ON user_lists(origin);
CREATE INDEX IF NOT EXISTS idx_user_dashboard_snapshots_origin ON user_dashboard_snapshots(origin);
