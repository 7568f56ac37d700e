-- The incremental sync round (docs/sync-protocol.md, "Incremental round") merges only the items
-- that changed, plus every item the merge relates to them. Records with the same content are
-- related (duplicates are counted per content), so each record item the server holds carries the
-- keyed hash of its content, indexed: a changed record finds its equals without reading the rest.
-- NULL until a sync computes it (sync.mirror.index_mirror); the incremental round waits for it.
ALTER TABLE sync_items ADD COLUMN content_key TEXT;
CREATE INDEX sync_items_content ON sync_items(kind, content_key);
