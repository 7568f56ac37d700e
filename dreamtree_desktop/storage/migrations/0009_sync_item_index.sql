-- The incremental sync round (docs/sync-protocol.md, "Incremental round") merges only the items
-- that changed, plus every item the merge relates to them. Records with the same content are
-- related (duplicates are counted per content), so each record item the server holds carries the
-- keyed hash of its content, indexed: a changed record finds its equals without reading the rest.
-- NULL until a sync computes it (sync.mirror.index_mirror); the incremental round waits for it.
-- The table is rebuilt rather than altered, so the step can run again on a folder that had it
-- (content keys are then computed anew).
CREATE TABLE sync_items_keyed (
    kind TEXT NOT NULL,
    item_key TEXT NOT NULL,
    body_json TEXT NOT NULL,
    content_key TEXT,
    PRIMARY KEY (kind, item_key)
);
INSERT INTO sync_items_keyed(kind, item_key, body_json) SELECT kind, item_key, body_json FROM sync_items;
DROP TABLE sync_items;
ALTER TABLE sync_items_keyed RENAME TO sync_items;
CREATE INDEX sync_items_content ON sync_items(kind, content_key);
