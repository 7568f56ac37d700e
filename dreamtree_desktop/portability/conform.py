"""A document against the rulebook: every record, column, answer and setting it brings in must
pass the same checks the app's forms apply (dreamtree_desktop/rules). Runs after the schema and
the reference checks; the first problem refuses the whole file, naming where it is.

Values are brought to their stored form on the way (text stripped, as a form would store it).
Personal values still sealed are checked once opened (see check_opened).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from ..errors import UserInputError
from ..pii import LOST_MARKER, PII_COLUMNS
from ..rules import COLUMNS, check_column, check_record, check_settings, check_tree, record_id
from ..rules.answers import check_stored_answer, decode_stored
from .canonical import hash_content
from .catalog import Catalog
from .document import Doc
from .errors import DocumentError
from .rewrites import put, rewrote
from .tables import TABLES, exercise_of

if TYPE_CHECKING:
    from .personal import Field

# Tables a tombstone may name: the user tables of the export and the link rows inside them.
TOMBSTONE_TABLES = frozenset(
    {*TABLES, *(child.table for spec in TABLES.values() for child in spec.children)}
)


def _refuse(path: str, exc: UserInputError) -> DocumentError:
    return DocumentError(path, exc.message.rstrip("."))


def _guard(path: str, check: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return check(*args, **kwargs)
    except UserInputError as exc:
        raise _refuse(path, exc) from None


def check_rules(doc: Doc, catalog: Catalog, *, verified: Collection[int] = ()) -> None:
    """`verified`: the standalone records (by id()) whose content_hash was just checked against
    their content; one the rules leave as it is keeps that hash instead of hashing it again."""
    sealed = doc["pii"]["mode"] == "sealed"
    modules = catalog.modules
    for module_id, unit in doc["modules"].items():
        here = f"/modules/{module_id}"
        if module_id not in modules:
            raise DocumentError(here, f"{module_id} is not a module of the workbook")
        for ex_id in unit["exercises"]:
            if ex_id not in catalog.exercises:
                raise DocumentError(f"{here}/exercises/{ex_id}", f"{ex_id} is not an exercise of the workbook")
        _columns(unit["columns"], module_id, catalog, sealed, f"{here}/columns")
        _rows(unit["rows"], catalog, sealed, f"{here}/rows", standalone=False)
    _rows(doc["standalone"], catalog, sealed, "/standalone", standalone=True, verified=verified)
    settings = doc.get("settings")
    if settings is not None:
        values = settings["values"]
        # Files from before location was removed may still carry it; nothing stores it now.
        if "location" in values:
            del values["location"]
            rewrote()
        checked = _guard("/settings/values", check_settings, values, catalog.personality_types)
        for key, value in checked.items():
            put(values, key, value)
    for i, tomb in enumerate(doc["tombstones"]):
        if tomb["table"] not in TOMBSTONE_TABLES:
            raise DocumentError(f"/tombstones/{i}/table", f"{tomb['table']!r} is not a table of user records")
        _guard(f"/tombstones/{i}/row_id", record_id, tomb["row_id"], "row_id")


def _columns(
    columns: dict[str, dict[str, Any]], module_id: str, catalog: Catalog, sealed: bool, base: str
) -> None:
    for table, values in columns.items():
        personal = PII_COLUMNS.get(table, frozenset()) if sealed else frozenset()
        for column, value in values.items():
            where = f"{base}/{table}/{column}"
            owner = catalog.column_owner.get((table, column))
            if owner != module_id:
                whose = f"module {owner}" if owner else "no module"
                raise DocumentError(where, f"{table}.{column} belongs to {whose}, not to module {module_id}")
            if column in personal or (table, column) == ("user_settings", "personality_type"):
                continue  # personality codes are checked against the content in validate.py
            put(values, column, _guard(where, check_column, table, column, value))


def _rows(
    rows: dict[str, list[dict[str, Any]]], catalog: Catalog, sealed: bool, base: str, *, standalone: bool,
    verified: Collection[int] = (),
) -> None:
    for table, records in rows.items():
        skip = PII_COLUMNS.get(table, frozenset()) if sealed else frozenset()
        for i, record in enumerate(records):
            here = f"{base}/{table}/{i}"
            _guard(f"{here}/id", record_id, record["id"], "id")
            origin = record.get("origin")
            if origin is not None and exercise_of(origin) not in catalog.exercises:
                raise DocumentError(f"{here}/origin", f"{origin!r} is not an exercise of the workbook")
            cleaned = _guard(here, check_record, table, record, skip=skip)
            as_it_is = _as_it_is(record, cleaned)
            if not as_it_is:
                rewrote()
            kept = as_it_is and id(record) in verified and table not in _CHILDREN_CLEANED
            record.update(cleaned)
            if table == "user_responses":
                _response(record, catalog, sealed, here)
            elif table in ("user_checklists",):
                _prompt_of(record, catalog, here)
            elif table == "user_lists":
                _list_items(record, catalog, sealed, here)
            elif table == "user_idea_trees":
                _tree(record, here)
            if standalone and not kept:
                put(record, "content_hash", hash_content(table, record))


# Tables whose checks also bring child rows to stored form (list items, tree nodes).
_CHILDREN_CLEANED = frozenset({"user_lists", "user_idea_trees"})
_SCALARS = (str, int, float, bool)


def _as_it_is(record: dict[str, Any], cleaned: dict[str, Any]) -> bool:
    """Whether the rules' stored form of each column is what the record holds already, so its
    content (and content hash) stays the same. Same type too: 1 and True hash differently."""
    for column, value in cleaned.items():
        if column not in record:
            return False
        held = record[column]
        if held is value:
            continue
        if type(held) is not type(value) or type(value) not in _SCALARS or held != value:
            return False
    return True


def _prompt_of(record: dict[str, Any], catalog: Catalog, here: str) -> Any:
    prompt = catalog.prompt_defs.get(record["prompt_id"])
    if prompt is None:
        raise DocumentError(f"{here}/prompt_id", f"{record['prompt_id']!r} is not a prompt of the workbook")
    if record.get("exercise_id") not in (None, prompt.exercise_id):
        raise DocumentError(
            f"{here}/exercise_id", f"prompt {prompt.id} belongs to exercise {prompt.exercise_id}"
        )
    return prompt


def _response(record: dict[str, Any], catalog: Catalog, sealed: bool, here: str) -> None:
    prompt = _prompt_of(record, catalog, here)
    if prompt.target_table != "user_responses" or prompt.input_type == "tool":
        raise DocumentError(f"{here}/prompt_id", f"prompt {prompt.id} does not store its answer as a response")
    if prompt.is_pii and sealed:
        return  # checked once opened
    check_response_text(prompt, record.get("response_text"), catalog, f"{here}/response_text")


def check_response_text(prompt: Any, stored: Any, catalog: Catalog, where: str) -> None:
    if stored is None:
        return
    value = decode_stored(prompt, stored)
    _guard(where, check_stored_answer, prompt, value, catalog.personality_types)


def _list_items(record: dict[str, Any], catalog: Catalog, sealed: bool, here: str) -> None:
    owned = (exercise_of(record.get("origin")), record.get("name")) in catalog.pii_lists
    for j, item in enumerate(record["items"]):
        where = f"{here}/items/{j}"
        _guard(f"{where}/id", record_id, item["id"], "id")
        _guard(f"{where}/position", check_column, "user_list_items", "position", item["position"])
        content = item.get("content")
        if sealed and (owned or _looks_sealed(content)):
            continue
        put(item, "content", _guard(f"{where}/content", check_column, "user_list_items", "content", content))


def _looks_sealed(value: Any) -> bool:
    from .personal import looks_sealed

    return looks_sealed(value)


def _tree(record: dict[str, Any], here: str) -> None:
    for j, node in enumerate(record["nodes"]):
        where = f"{here}/nodes/{j}"
        _guard(f"{where}/id", record_id, node["id"], "id")
        put(node, "content", _guard(f"{where}/content", check_column, "user_idea_nodes", "content", node["content"]))
    edges = [(e["from_node_id"], e["to_node_id"]) for e in record["edges"]]
    nodes = {node["id"] for node in record["nodes"]}
    _guard(f"{here}/edges", check_tree, record.get("root_node_id"), edges, nodes)


# -- personal values, once they can be opened -------------------------------------------------------
def check_opened(doc: Doc, catalog: Catalog, key: bytes | bytearray, user_id: str,
                 opened: dict[tuple[str, str, str, str], Any] | None = None) -> int:
    """Open every sealed personal value of `doc` under (key, user_id) and check what it holds.

    An envelope that does not open (altered, or sealed under another key or identity) refuses
    the whole document, naming the field: nothing sealed is ever let in unread. A plain answer
    written before its prompt became personal (personal.plain_accepted) is checked by the same
    rule and sealed here under (key, user_id), so what is applied holds no plain personal value.
    Returns how many values were opened or sealed. `opened`, when given, receives each value
    opened, by (table, column, row id, envelope), so the keyed hashes of the same document need
    not open them again (keyed.KeyedHasher.known).
    """
    from ..security.envelope import decrypt_value
    from ..security.errors import EnvelopeError
    from .personal import document_fields, plain_accepted

    count = 0
    for fld in document_fields(doc, catalog):
        value = fld.value
        if value is None or value == LOST_MARKER:
            continue
        row_id = fld.row_id or user_id
        if plain_accepted(doc, fld):
            _check_and_seal(fld, catalog, key, user_id)
            count += 1
            continue
        try:
            plain = decrypt_value(
                key, value, user_id=user_id, table=fld.table, column=fld.column, row_id=row_id
            )
        except EnvelopeError:
            raise DocumentError(
                fld.path, "could not be opened: the envelope was altered, or sealed under another key"
            ) from None
        except (ValueError, TypeError):
            raise DocumentError(fld.path, "is not an encrypted envelope (damaged or altered)") from None
        count += 1
        check_plain(fld.table, fld.column, plain, fld.container, catalog, fld.path)
        if opened is not None:
            opened[(fld.table, fld.column, row_id, value)] = plain
    return count


def seal_plain(doc: Doc, catalog: Catalog, key: bytes | bytearray, user_id: str) -> int:
    """Only the plain answers check_opened would accept: checked and sealed under (key, user_id).
    For a document whose envelopes stay unopened for now (an import keeping its key for later):
    what it carries plain must not be stored plain meanwhile. Returns how many were sealed."""
    from .personal import document_fields, plain_accepted

    accepted = [fld for fld in document_fields(doc, catalog) if plain_accepted(doc, fld)]
    for fld in accepted:
        _check_and_seal(fld, catalog, key, user_id)
    return len(accepted)


def _check_and_seal(fld: Field, catalog: Catalog, key: bytes | bytearray, user_id: str) -> None:
    from ..security.envelope import encrypt_value

    plain = _stored_form(fld.value, fld.container, catalog)
    check_plain(fld.table, fld.column, plain, fld.container, catalog, fld.path)
    fld.container[fld.key] = encrypt_value(
        key, plain, user_id=user_id, table=fld.table, column=fld.column, row_id=fld.row_id or user_id
    )


def _stored_form(value: Any, container: dict[str, Any], catalog: Catalog) -> Any:
    """What the engine seals for an answer: the value itself (a choice list, not its JSON text)."""
    prompt = catalog.prompt_defs.get(str(container.get("prompt_id", "")))
    return decode_stored(prompt, value) if prompt is not None else value


def check_plain(
    table: str, column: str, plain: Any, container: dict[str, Any], catalog: Catalog, path: str
) -> None:
    """The rule of one personal value, opened."""
    if table == "user_responses":
        prompt = catalog.prompt_defs.get(container.get("prompt_id", ""))
        if prompt is not None and plain is not None:
            value = plain if not isinstance(plain, str) else decode_stored(prompt, plain)
            _guard(path, check_stored_answer, prompt, value, catalog.personality_types)
    elif table == "user_settings":
        return  # location: nothing in the app writes it
    elif table in COLUMNS and column in COLUMNS[table]:
        _guard(path, check_column, table, column, plain)
