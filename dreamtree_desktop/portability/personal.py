"""The personal (PII) fields of a document, and moving them between keys and identities.

Every PII field is an envelope bound to "user_id|table|column|row_id". Records use their own id
as row_id; the one-row-per-user tables (user_budget, user_settings...) use the user id.

The functions here change the document they are given (callers pass a copy they own).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..pii import LOST_MARKER, PERSONAL_SINCE, PII_COLUMNS
from ..security.envelope import decrypt_value, encrypt_value, is_envelope
from ..security.errors import EnvelopeError
from .catalog import Catalog
from .document import Doc, Unit
from .errors import DocumentError
from .tables import exercise_of


@dataclass
class Field:
    container: dict[str, Any]
    key: str
    table: str
    column: str
    row_id: str | None  # None: the user id (one-row tables)
    path: str
    record: dict[str, Any] | None = None  # the record to drop when this field cannot be carried
    records: list[dict[str, Any]] | None = None  # the list holding that record

    @property
    def value(self) -> Any:
        return self.container.get(self.key)


def unit_fields(unit: Unit, catalog: Catalog, path: str) -> Iterator[Field]:
    for table, columns in unit.get("columns", {}).items():
        pii = PII_COLUMNS.get(table, ())
        for column in columns:
            if column in pii:
                yield Field(columns, column, table, column, None, f"{path}/columns/{table}/{column}")
    yield from rows_fields(unit.get("rows", {}), catalog, f"{path}/rows")


_SEALED = re.compile(
    r'^\{"v":1,"iv":"[A-Za-z0-9+/]{16}","ciphertext":"[A-Za-z0-9+/]{20,}'
    r'(?:[A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)"\}$'
)


def looks_sealed(value: Any) -> bool:
    """is_envelope, with a fast path for the exact form encrypt_field writes."""
    if type(value) is not str:
        return False
    match = _SEALED.match(value)
    if match is not None and (len(value) - 47) % 4 == 0:
        return True
    return is_envelope(value)


_PII_TABLES = frozenset({*PII_COLUMNS, "user_responses", "user_lists"})


def may_hold_personal(table: str) -> bool:
    """Whether rows_fields may find a personal field in a row of `table`."""
    return table in _PII_TABLES


def rows_fields(rows: dict[str, list[dict[str, Any]]], catalog: Catalog, path: str) -> Iterator[Field]:
    for table, records in rows.items():
        if table not in _PII_TABLES:
            continue
        pii = PII_COLUMNS.get(table, ())
        for index, record in enumerate(records):
            here = f"{path}/{table}/{index}"
            for column in pii:
                if column in record:
                    yield Field(
                        record, column, table, column, record["id"], f"{here}/{column}", record, records
                    )
            if table == "user_responses" and record.get("prompt_id") in catalog.pii_prompts:
                yield Field(
                    record,
                    "response_text",
                    table,
                    "response_text",
                    record["id"],
                    f"{here}/response_text",
                    record,
                    records,
                )
            elif table == "user_lists":
                # Items of a list a PII prompt owns are sealed; the tools also seal other lists'
                # items on request, which only their envelope form tells.
                owned = (exercise_of(record.get("origin")), record.get("name")) in catalog.pii_lists
                items = record.get("items") or []
                for i, item in enumerate(items):
                    if owned or looks_sealed(item.get("content")) or item.get("content") == LOST_MARKER:
                        yield Field(
                            item,
                            "content",
                            "user_list_items",
                            "content",
                            item["id"],
                            f"{here}/items/{i}/content",
                            item,
                            items,
                        )


def document_fields(doc: Doc, catalog: Catalog) -> Iterator[Field]:
    for module_id, unit in doc.get("modules", {}).items():
        yield from unit_fields(unit, catalog, f"/modules/{module_id}")
    yield from rows_fields(doc.get("standalone", {}), catalog, "/standalone")


def has_personal_values(doc: Doc, catalog: Catalog) -> bool:
    return any(f.value is not None for f in document_fields(doc, catalog))


def _carry(value: Any) -> bool:
    """None and the password-reset marker travel as they are under any key."""
    return value is None or value == LOST_MARKER


def written_before(doc: Doc) -> int | None:
    """The schema step of the database that wrote `doc`; None when the document does not say
    (a document rebuilt from sync items, whose head carries no schema step)."""
    app = doc.get("app")
    step = app.get("schema_version") if isinstance(app, dict) else None
    return step if type(step) is int and step > 0 else None


def plain_accepted(doc: Doc, f: Field) -> bool:
    """A plain answer in a sealed document, to a prompt that became personal after the document
    was written (pii.PERSONAL_SINCE): it passes as plain text, is checked by its prompt's rule and
    sealed before anything is stored (conform.check_opened). A document that says it was written
    at or after that step never carries it plain: refused as altered."""
    value = f.value
    if f.table != "user_responses" or type(value) is not str or _carry(value) or looks_sealed(value):
        return False
    since = PERSONAL_SINCE.get(str(f.container.get("prompt_id")))
    if since is None:
        return False
    step = written_before(doc)
    return step is None or step < since


def check_envelopes(doc: Doc, catalog: Catalog, fields: list[Field] | None = None) -> None:
    """In a sealed document every personal value must at least look like an envelope, except a
    plain answer written before its prompt became personal (plain_accepted)."""
    for f in fields if fields is not None else document_fields(doc, catalog):
        value = f.value
        if not _carry(value) and not looks_sealed(value) and not plain_accepted(doc, f):
            raise DocumentError(f.path, "is not an encrypted envelope (damaged or altered)")


Transform = Callable[[Any, str, str, str], Any]  # (value, table, column, row_id) -> new value


def transform(fields: Iterator[Field], user_id: str, fn: Transform) -> None:
    for f in fields:
        value = f.value
        if _carry(value):
            continue
        try:
            f.container[f.key] = fn(value, f.table, f.column, f.row_id or user_id)
        except EnvelopeError:
            raise DocumentError(
                f.path, "could not be decrypted: the envelope was altered, or sealed under another key"
            ) from None


def sealer(key: bytes | bytearray, user_id: str) -> Transform:
    def seal(value: Any, table: str, column: str, row_id: str) -> str:
        return encrypt_value(key, value, user_id=user_id, table=table, column=column, row_id=row_id)

    return seal


def opener(key: bytes | bytearray, user_id: str) -> Transform:
    def open_(value: Any, table: str, column: str, row_id: str) -> Any:
        return decrypt_value(key, value, user_id=user_id, table=table, column=column, row_id=row_id)

    return open_


def rebind_fields(
    fields: Iterator[Field],
    src_key: bytes | bytearray,
    src_user: str,
    dst_key: bytes | bytearray,
    dst_user: str,
) -> None:
    """Decrypt under (src_key, src_user) and seal under (dst_key, dst_user)."""
    for f in fields:
        value = f.value
        if _carry(value):
            continue
        src_row = f.row_id or src_user
        dst_row = f.row_id or dst_user
        try:
            plain = decrypt_value(
                src_key, value, user_id=src_user, table=f.table, column=f.column, row_id=src_row
            )
        except EnvelopeError:
            raise DocumentError(
                f.path, "could not be decrypted: the envelope was altered, or sealed under another key"
            ) from None
        f.container[f.key] = encrypt_value(
            dst_key, plain, user_id=dst_user, table=f.table, column=f.column, row_id=dst_row
        )


@dataclass
class AdoptCount:
    kept: int = 0
    resealed: int = 0
    unreadable: int = 0
    paths: list[str] = field(default_factory=list)


def adopt_fields(
    fields: Iterator[Field], user_id: str, new_key: bytes | bytearray, old_key: bytes | bytearray
) -> AdoptCount:
    """Bring every envelope under new_key: those already there stay, old_key ones are resealed."""
    count = AdoptCount()
    for f in fields:
        value = f.value
        if _carry(value):
            continue
        row_id = f.row_id or user_id
        aad = {"user_id": user_id, "table": f.table, "column": f.column, "row_id": row_id}
        try:
            decrypt_value(new_key, value, **aad)
            count.kept += 1
            continue
        except EnvelopeError:
            pass
        try:
            plain = decrypt_value(old_key, value, **aad)
        except EnvelopeError:
            count.unreadable += 1
            count.paths.append(f.path)
            continue
        f.container[f.key] = encrypt_value(new_key, plain, **aad)
        count.resealed += 1
    return count


@dataclass
class Skipped:
    records: dict[str, int] = field(default_factory=dict)  # table -> records left out
    columns: list[str] = field(default_factory=list)  # "table.column" left empty

    @property
    def total(self) -> int:
        return sum(self.records.values()) + len(self.columns)

    def as_dict(self) -> dict[str, Any]:
        return {"records": dict(sorted(self.records.items())), "columns": sorted(set(self.columns))}


def strip_personal(doc: Doc, catalog: Catalog) -> Skipped:
    """Leave out every record holding a personal value, and empty personal columns.

    For a file of another identity imported without its password: its envelopes cannot be
    opened, and could not be moved under this user's key.
    """
    skipped = Skipped()
    # id(list) -> (the list, ids of the records to drop from it, table)
    doomed: dict[int, tuple[list[dict[str, Any]], set[int], str]] = {}
    for f in list(document_fields(doc, catalog)):
        if _carry(f.value):
            continue
        if f.record is None or f.records is None:
            f.container[f.key] = None
            skipped.columns.append(f"{f.table}.{f.column}")
            continue
        entry = doomed.setdefault(id(f.records), (f.records, set(), f.table))
        entry[1].add(id(f.record))
    for records, drop, table in doomed.values():
        records[:] = [r for r in records if id(r) not in drop]
        skipped.records[table] = skipped.records.get(table, 0) + len(drop)
    return skipped


def rebind_document(
    doc: Doc,
    catalog: Catalog,
    *,
    src_key: bytes | bytearray,
    src_user: str,
    dst_key: bytes | bytearray,
    dst_user: str,
) -> Doc:
    """Move a sealed document to another identity and key, in place (returns it).

    For the account claim: the anonymous document is rebound to the account's user id and data
    key, then merged with the account's document and applied.
    """
    from .canonical import key_id

    rebind_fields(document_fields(doc, catalog), src_key, src_user, dst_key, dst_user)
    doc["user"] = {**doc["user"], "id": dst_user}
    doc["pii"] = {"mode": "sealed", "key_id": key_id(dst_key)}
    return doc
