-- Each experience keeps the tasks the person did in it: one task per line, in their order.
-- The workbook's first exercise asks for them and the skills exercise reads their verbs.
ALTER TABLE user_experiences ADD COLUMN tasks TEXT;
