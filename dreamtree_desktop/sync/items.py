"""The export document cut into sync items, and put back together (docs/sync-protocol.md, "Items").

The server keeps opaque items `(kind, key) -> body`; each body is exactly the export document's
shape for that piece, so a document rebuilt from items passes the one import validation:

    head/document        {"format", "version", "user", "pii"}
    auth/auth            the wrapped-key block (`auth`)
    settings/settings    the settings object
    module/<id>          one module unit
    record/<table>/<id>  one standalone record
    skill/<id>           one custom skill
    tombstone/<table>/<row_id>
    revision/<id>        one kept version (the travelling `revisions`)

`exported_at` and `app` are not data (the merge ignores them) and travel in no item.
Pure code: no database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from ..portability.canonical import canonical_json
from ..portability.document import APP_NAME, module_sort_key
from ..portability.tables import INSERT_ORDER

Doc = dict[str, Any]
ItemKey = tuple[str, str]
# An item's body as the canonical JSON text (equal texts: equal items); None: removed.
Texts = dict[ItemKey, str]

HEAD = ("head", "document")
AUTH = ("auth", "auth")
SETTINGS = ("settings", "settings")
_HEAD_FIELDS = ("format", "version", "user", "pii")
# Upload order: what others refer to goes first, so a device that pulls part of a push
# (a push cut between its pages) never sees a reference to a record not sent yet.
_KIND_ORDER = {k: i for i, k in enumerate(("head", "auth", "settings", "skill", "module", "record",
                                           "tombstone", "revision"))}
_TABLE_ORDER = {t: i for i, t in enumerate(INSERT_ORDER)}


def iter_items(doc: Doc) -> Iterator[tuple[ItemKey, Any]]:
    """Every item of a document, with its body (the document's own objects, not copies)."""
    yield HEAD, {k: doc[k] for k in _HEAD_FIELDS if k in doc}
    if doc.get("auth") is not None:
        yield AUTH, doc["auth"]
    if doc.get("settings") is not None:
        yield SETTINGS, doc["settings"]
    for module_id, unit in doc.get("modules", {}).items():
        yield ("module", module_id), unit
    for table, records in doc.get("standalone", {}).items():
        for record in records:
            yield ("record", f"{table}/{record['id']}"), record
    for skill in doc.get("custom_skills", ()):
        yield ("skill", skill["id"]), skill
    for tomb in doc.get("tombstones", ()):
        yield ("tombstone", f"{tomb['table']}/{tomb['row_id']}"), tomb
    for entry in doc.get("revisions", ()):
        yield ("revision", entry["id"]), entry


def item_texts(doc: Doc) -> Texts:
    return {key: canonical_json(body) for key, body in iter_items(doc)}


def changed_items(now: Texts, before: Mapping[ItemKey, str]) -> list[tuple[ItemKey, str | None]]:
    """What turns `before` into `now`: new or different items, and removals (None), in upload order."""
    out: list[tuple[ItemKey, str | None]] = [(k, t) for k, t in now.items() if before.get(k) != t]
    out.extend((k, None) for k in before.keys() - now.keys())
    out.sort(key=lambda kt: upload_order(kt[0]))
    return out


def upload_order(key: ItemKey) -> tuple[int, int, str]:
    kind, name = key
    table = name.split("/", 1)[0] if kind in ("record", "tombstone") else ""
    return _KIND_ORDER.get(kind, 99), _TABLE_ORDER.get(table, 0), name


def document_from(bodies: Mapping[ItemKey, Any]) -> Doc | None:
    """The document the items make (bodies parsed); None without a head item."""
    head = bodies.get(HEAD)
    if not isinstance(head, dict):
        return None
    user: dict[str, Any] = head["user"] if isinstance(head.get("user"), dict) else {}
    doc: Doc = {
        "format": head.get("format"),
        "version": head.get("version"),
        # Not data: a past stamp every device agrees on keeps the rebuilt document stable.
        "exported_at": user.get("created_at"),
        "app": {"name": APP_NAME, "version": "sync", "schema_version": 0},
        **{k: head[k] for k in ("user", "pii") if k in head},
        "auth": bodies.get(AUTH),
        "settings": bodies.get(SETTINGS),
        "modules": {},
        "standalone": {},
        "custom_skills": [],
        "tombstones": [],
        "revisions": [],
    }
    for (kind, name), body in bodies.items():
        _place(doc, kind, name, body)
    doc["modules"] = dict(sorted(doc["modules"].items(), key=lambda kv: module_sort_key(kv[0])))
    doc["standalone"] = {t: sorted(doc["standalone"][t], key=lambda r: str(r.get("id")))
                         for t in INSERT_ORDER if doc["standalone"].get(t)}
    doc["custom_skills"].sort(key=lambda s: str(s.get("id")))
    doc["tombstones"].sort(key=lambda t: (str(t.get("table")), str(t.get("row_id"))))
    doc["revisions"].sort(key=lambda e: str(e.get("id")))
    return doc


def document_of_items(items: Mapping[ItemKey, Any]) -> Doc | None:
    """The document items read from 0 make (a removal: None), unchecked; None when there are
    none. Items that make no document make one the checks refuse."""
    bodies = {k: v for k, v in items.items() if v is not None}
    if not bodies:
        return None
    return document_from(bodies) or {"format": None, "version": None}


def _place(doc: Doc, kind: str, name: str, body: Any) -> None:
    if kind == "module":
        doc["modules"][name] = body
    elif kind == "record":
        table = name.split("/", 1)[0]
        doc["standalone"].setdefault(table, []).append(body)
    elif kind == "skill":
        doc["custom_skills"].append(body)
    elif kind == "tombstone":
        doc["tombstones"].append(body)
    elif kind == "revision":
        doc["revisions"].append(body)
    # head, auth, settings are placed by document_from; an unknown kind (a newer client's) is
    # carried by the server and left alone here.


def parse_texts(texts: Mapping[ItemKey, str]) -> dict[ItemKey, Any]:
    return {key: json.loads(text) for key, text in texts.items()}


def pages(changes: list[tuple[ItemKey, str | None]], max_items: int,
          max_bytes: int) -> Iterator[list[tuple[ItemKey, str | None]]]:
    """The changes cut into upload pages within the server's limits."""
    page: list[tuple[ItemKey, str | None]] = []
    size = 0
    for change in changes:
        text = change[1] or ""
        # The server counts bytes: text outside ASCII takes more of them than characters.
        cost = (len(text) if text.isascii() else len(text.encode("utf-8"))) + len(change[0][1].encode("utf-8")) + 64
        if page and (len(page) >= max_items or size + cost > max_bytes):
            yield page
            page, size = [], 0
        page.append(change)
        size += cost
    if page:
        yield page
