"""The malformed export files of the bad-input sweep (test_bad_input_sweep.py), made from one
real export: truncations, flipped types, missing keys, wrong versions, bad times, huge and deep
values, duplicates, dangling references, bad hashes, tampered wrapped keys, malformed envelopes."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from dreamtree_desktop.portability.canonical import digest, hash_content

Doc = dict[str, Any]
Edit = Callable[[Doc], None]
FLOW = ("standalone", "user_flow_logs", 0)  # the first standalone flow log
CONTACT = ("standalone", "user_contacts", 0)


# -- helpers to reach into a document ------------------------------------------------------------
def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _set(path: tuple[Any, ...], value: Any) -> Edit:
    def edit(doc: Doc) -> None:
        _get(doc, path[:-1])[path[-1]] = value
    return edit


def _drop(path: tuple[Any, ...]) -> Edit:
    def edit(doc: Doc) -> None:
        del _get(doc, path[:-1])[path[-1]]
    return edit


def _standalone(doc: Doc, table: str, index: int = 0) -> dict[str, Any]:
    return doc["standalone"][table][index]


def _rehash(doc: Doc) -> None:
    """Recompute every standalone content_hash, so a case breaks only what it means to break."""
    for table, records in doc["standalone"].items():
        for record in records:
            record["content_hash"] = hash_content(table, record)


def _rehashed(edit: Edit) -> Edit:
    def both(doc: Doc) -> None:
        edit(doc)
        _rehash(doc)
    return both


def _module_row(doc: Doc, module: str, table: str, pred: Callable[[dict[str, Any]], bool] = lambda r: True,
                ) -> dict[str, Any]:
    return next(r for r in doc["modules"][module]["rows"][table] if pred(r))


def _leaves(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            yield from _leaves(value, (*prefix, index))
    else:
        yield prefix, node


# -- the corpus ----------------------------------------------------------------------------------
@dataclass
class _Corpus:
    """Bad files made from one good export: `add` applies an edit to a fresh copy of the document."""

    doc: Doc
    raw: bytes
    cases: dict[str, bytes] = field(default_factory=dict)

    def add(self, name: str, edit: Edit) -> None:
        bad = copy.deepcopy(self.doc)
        edit(bad)
        self.cases[name] = json.dumps(bad, ensure_ascii=False).encode("utf-8")


def document_cases(doc: Doc, raw: bytes) -> dict[str, bytes]:
    corpus = _Corpus(doc, raw)
    for kind in (_broken_bytes, _wrong_types, _missing_keys, _versions, _bad_times, _huge_and_deep,
                 _duplicates, _dangling, _bad_hashes, _bad_wrapped_keys):
        kind(corpus)
    return corpus.cases


def _broken_bytes(c: _Corpus) -> None:
    """Truncated, not UTF-8 or another encoding."""
    # Truncated anywhere before the closing brace.
    body = c.raw.rstrip()
    for offset in sorted({0, 1, 2, 10, 100, *(len(body) * i // 37 for i in range(1, 37)), len(body) - 1}):
        c.cases[f"truncated at byte {offset}"] = body[:offset]

    # Bytes that are not UTF-8, inside strings and between tokens.
    text = c.raw.decode("utf-8")
    at_name = text.index('"name"')
    for label, junk in (("0xff", b"\xff"), ("lone continuation", b"\x80"), ("overlong", b"\xc0\xaf"),
                        ("surrogate", b"\xed\xa0\x80"), ("cut sequence", b"\xe2\x82")):
        for where, offset in (("in a string", at_name + 2), ("near the end", len(body) - 3)):
            c.cases[f"non-UTF-8 {label} {where}"] = c.raw[:offset] + junk + c.raw[offset:]
    c.cases["UTF-16 encoded"] = c.raw.decode("utf-8").encode("utf-16")


def _wrong_types(c: _Corpus) -> None:
    """Leaves and containers of the wrong type; a file that is not an object."""
    # Every leaf of the document (first two items of each list) given a value of the wrong type.
    leaves = [(p, v) for p, v in _leaves(c.doc) if p[:1] != ("auth",)]  # "auth" has its own cases
    step = max(1, len(leaves) // 60)
    for path, value in leaves[::step]:
        if isinstance(value, bool):
            wrong: Any = "yes"
        elif isinstance(value, (int, float)):
            wrong = "seven"
        elif isinstance(value, str):
            wrong = {"not": "a string"}
        else:  # None
            wrong = [["nested", "list"]]
        edit = _set(path, wrong) if path[-1] == "content_hash" else _rehashed(_set(path, wrong))
        c.add(f"wrong type at /{'/'.join(map(str, path))}", edit)
    for path in (("modules",), ("standalone",), ("tombstones",), ("custom_skills",), ("user",), ("pii",),
                 ("modules", "1.1", "rows"), ("modules", "1.1", "exercises"),
                 ("standalone", "user_flow_logs")):
        c.add(f"container replaced by a string at /{'/'.join(path)}", _set(path, "oops"))
    c.cases["the whole file a JSON list"] = b"[" + c.raw.rstrip() + b"]"
    c.cases["the whole file a JSON string"] = json.dumps(c.raw.decode("utf-8")).encode()
    c.cases["the whole file a number"] = b"42"
    c.cases["NaN inside"] = c.raw.replace(b'"energy":-2', b'"energy":NaN', 1)
    c.cases["Infinity inside"] = c.raw.replace(b'"energy":-2', b'"energy":Infinity', 1)


def _missing_keys(c: _Corpus) -> None:
    """Required keys removed."""
    for key in ("format", "version", "exported_at", "app", "user", "pii", "modules", "standalone",
                "tombstones"):
        c.add(f"missing top-level {key}", _drop((key,)))
    for path in (("user", "id"), ("user", "created_at"), ("pii", "mode"), ("app", "name"),
                 ("modules", "1.1", "exercises"), ("modules", "1.1", "rows"),
                 ("modules", "1.1", "exercises", "1.1.1", "full_exercise_id"),
                 ("modules", "1.1", "exercises", "1.1.1", "responded_at"),
                 (*FLOW, "id"), (*FLOW, "activity"),
                 (*FLOW, "content_hash"),
                 (*CONTACT, "created_at")):
        c.add(f"missing /{'/'.join(map(str, path))}", _drop(path))
    c.add("missing a response's prompt_id", lambda d: _module_row(d, "1.1", "user_responses").pop("prompt_id"))
    c.add("missing a list item's content",
          lambda d: _module_row(d, "1.1", "user_lists")["items"][0].pop("content"))


def _versions(c: _Corpus) -> None:
    """Versions and formats this app does not read."""
    for value in ("3.0", "99.0", "1.0", "0.9", "", "2", "2.0.0", "two", None, 2.0, ["2.0"]):
        c.add(f"version {value!r}", _set(("version",), value))
    for value in ("dreamtree-backup", "", "DREAMTREE-EXPORT", None, 1):
        c.add(f"format {value!r}", _set(("format",), value))
    # app.schema_version is informational (the format version decides): only its type is checked.
    for value in (-1, "1", 1.5):
        c.add(f"schema_version {value!r}", _set(("app", "schema_version"), value))


def _bad_times(c: _Corpus) -> None:
    """Timestamps that are not ISO 8601 UTC, or not real moments."""
    bad_times = ("yesterday", "2025-13-01T00:00:00.000Z", "2025-02-30T10:00:00.000Z",
                 "2025-01-01T25:00:00.000Z",
                 "", "1700000000", "2025/01/01 10:00:00")
    for value in bad_times:
        c.add(f"exported_at {value!r}", _set(("exported_at",), value))
        c.add(f"flow log created_at {value!r}", _rehashed(_set((*FLOW, "created_at"), value)))
    for path in (("user", "created_at"), ("modules", "1.1", "last_modified_at"),
                 ("modules", "1.1", "exercises", "1.1.1", "responded_at"),
                 (*CONTACT, "updated_at"), ("settings", "updated_at")):
        c.add(f"bad timestamp at /{'/'.join(map(str, path))}", _rehashed(_set(path, "not a time")))
    c.add("timestamp as a number", _rehashed(_set((*FLOW, "updated_at"), 1700000000)))
    c.add("logged_date not a date", _rehashed(_set((*FLOW, "logged_date"), "25-1-1")))
    c.add("logged_date not a real day", _rehashed(_set((*FLOW, "logged_date"), "2025-02-30")))


def _huge_and_deep(c: _Corpus) -> None:
    """Huge strings and deep nesting."""
    c.add("a 3 MB flow log activity", _rehashed(_set((*FLOW, "activity"), "x" * 3_000_000)))
    c.add("a 200,000-character answer",
          lambda d: _module_row(d, "2.4", "user_responses").__setitem__("response_text", "y" * 200_000))
    c.add("a 3 MB string where a number belongs",
          _rehashed(_set((*FLOW, "energy"), "9" * 3_000_000)))
    c.add("a 3 MB exported_at", _set(("exported_at",), "2" * 3_000_000))
    c.add("a 100,000-character id", _rehashed(_set((*FLOW, "id"), "i" * 100_000)))
    c.add("a 50,000-character module id", lambda d: d["modules"].__setitem__("1" * 50_000, d["modules"]["1.1"]))
    c.add("a 1 MB key name", lambda d: d.__setitem__("k" * 1_000_000, 1))
    c.cases["nested 100,000 deep"] = b"[" * 100_000 + b"]" * 100_000
    deep: Any = "leaf"
    for _ in range(500):
        deep = {"d": deep}
    c.add("nested 500 deep inside a record", _rehashed(_set((*FLOW, "activity"), deep)))
    c.cases["nested 5,000 deep inside a record"] = c.raw.replace(
        b'"activity":"other activity 0"', b'"activity":' + b"[" * 5000 + b"]" * 5000, 1)


def _duplicates(c: _Corpus) -> None:
    """The same id twice."""

    def dup_standalone(d: Doc) -> None:
        logs = d["standalone"]["user_flow_logs"]
        logs[1]["id"] = logs[0]["id"]
        _rehash(d)

    def dup_across_modules(d: Doc) -> None:
        _module_row(d, "1.2", "user_responses")["id"] = _module_row(d, "1.1", "user_responses")["id"]

    def dup_list_items(d: Doc) -> None:
        items = _module_row(d, "2.4", "user_lists", lambda r: len(r["items"]) > 1)["items"]
        items[1]["id"] = items[0]["id"]

    def dup_module_and_standalone(d: Doc) -> None:
        d["standalone"]["user_flow_logs"][0]["id"] = _module_row(d, "1.3", "user_flow_logs")["id"]
        _rehash(d)

    def dup_whole_record(d: Doc) -> None:
        d["standalone"]["user_contacts"].append(copy.deepcopy(d["standalone"]["user_contacts"][0]))

    for name, edit in (("duplicate standalone id", dup_standalone),
                       ("duplicate id across modules", dup_across_modules),
                       ("duplicate list item id", dup_list_items),
                       ("duplicate id in a module and standalone", dup_module_and_standalone),
                       ("the same record twice", dup_whole_record)):
        c.add(name, edit)


def _dangling(c: _Corpus) -> None:
    """References to rows, prompts, exercises and modules that are not there."""

    def tree(d: Doc) -> dict[str, Any]:
        return _module_row(d, "2.3", "user_idea_trees")

    dangling: dict[str, Edit] = {
        "story's experience_id": lambda d: _module_row(d, "1.1", "user_stories").__setitem__(
            "experience_id", "no-such-experience"),
        "idea tree root": lambda d: tree(d).__setitem__("root_node_id", "no-such-node"),
        "idea edge end": lambda d: tree(d)["edges"][0].__setitem__("to_node_id", "no-such-node"),
        "contact's company": _rehashed(_set((*CONTACT, "company_id"), "no-such-company")),
        "skill": lambda d: _module_row(d, "1.1", "user_skills").__setitem__("skill_id", "no-such-skill"),
        "competency": lambda d: _module_row(d, "2.5", "user_competency_scores").__setitem__(
            "competency_id", "no-such-competency"),
        "prompt": lambda d: _module_row(d, "1.1", "user_responses").__setitem__("prompt_id", "9.9.9.nowhere"),
        "exercise": lambda d: d["modules"]["1.1"]["exercises"].__setitem__(
            "9.9.9", d["modules"]["1.1"]["exercises"]["1.1.1"]),
        "module": lambda d: d["modules"].__setitem__("9.9", d["modules"]["1.1"]),
        "record's origin in another module": lambda d: _module_row(d, "1.1", "user_stories").__setitem__(
            "origin", "2.3.1"),
    }
    for name, edit in dangling.items():
        c.add(f"dangling {name}", edit)


def _bad_hashes(c: _Corpus) -> None:
    """Content hashes that do not match their record."""

    def edited_after_hashing(d: Doc) -> None:
        _standalone(d, "user_flow_logs")["activity"] = "changed after hashing"

    def hash_of_another(d: Doc) -> None:
        _standalone(d, "user_flow_logs")["content_hash"] = _standalone(d, "user_flow_logs", 1)["content_hash"]

    def hash_upper(d: Doc) -> None:
        log = _standalone(d, "user_flow_logs")
        log["content_hash"] = log["content_hash"].upper()

    for name, edit in (("content changed after hashing", edited_after_hashing),
                       ("content_hash empty", _set((*FLOW, "content_hash"), "")),
                       ("content_hash too short", _set((*FLOW, "content_hash"), "ab12")),
                       ("content_hash of another record", hash_of_another),
                       ("content_hash upper case", hash_upper),
                       ("content_hash null", _set((*CONTACT, "content_hash"), None))):
        c.add(name, edit)


def _bad_wrapped_keys(c: _Corpus) -> None:
    """The wrapped data key."""

    def flip(part: str, fix_digest: bool = False) -> Edit:
        def edit(d: Doc) -> None:
            wrapped = d["auth"]["wrapped_data_key"]
            value = wrapped[part]
            wrapped[part] = ("A" if value[0] != "A" else "B") + value[1:]
            if fix_digest:
                d["auth"]["sha256"] = digest(wrapped)
        return edit

    def kdf(setting: str, value: Any) -> Edit:
        def edit(d: Doc) -> None:
            d["auth"]["wrapped_data_key"]["kdf"][setting] = value
            d["auth"]["sha256"] = digest(d["auth"]["wrapped_data_key"])
        return edit

    key_cases: dict[str, Edit] = {
        "ciphertext flipped": flip("ciphertext"),
        "iv flipped": flip("iv"),
        "ciphertext truncated": lambda d: d["auth"]["wrapped_data_key"].__setitem__(
            "ciphertext", d["auth"]["wrapped_data_key"]["ciphertext"][:20]),
        "sha256 wrong": _set(("auth", "sha256"), "0" * 64),
        "sha256 missing": _drop(("auth", "sha256")),
        "memory cost weakened": kdf("m_kib", 1024),
        "passes zero": kdf("t", 0),
        "unknown algorithm": kdf("alg", "md5"),
        "salt not base64": kdf("salt", "***"),
        "envelope version 2": lambda d: d["auth"]["wrapped_data_key"].__setitem__("v", 2),
        "wrapped_by unknown": _set(("auth", "wrapped_by"), "someone"),
        "wrapped key missing": _drop(("auth", "wrapped_data_key")),
        "sealed personal data and a wrong key_id": lambda d: d["pii"].__setitem__("key_id", "zz"),
        "key_id of another key": _set(("pii", "key_id"), "0" * 32),
        "pii mode unknown": _set(("pii", "mode"), "scrambled"),
    }
    for name, edit in key_cases.items():
        c.add(f"wrapped key: {name}", edit)


def envelope_cases(doc: Doc) -> dict[str, bytes]:
    """Malformed personal-field envelopes inside an otherwise valid export."""
    cases: dict[str, bytes] = {}
    contact = doc["standalone"]["user_contacts"][0]["name"]
    pii_response = _module_row(doc, "1.4", "user_responses")["response_text"]
    envelope = json.loads(contact)

    def variants() -> dict[str, Any]:
        ct, iv = envelope["ciphertext"], envelope["iv"]
        return {
            "ciphertext truncated": json.dumps({**envelope, "ciphertext": ct[:8]}),
            "ciphertext flipped": json.dumps({**envelope,
                                              "ciphertext": ("A" if ct[0] != "A" else "B") + ct[1:]}),
            "ciphertext not base64": json.dumps({**envelope, "ciphertext": "!!" + ct[2:]}),
            "iv too short": json.dumps({**envelope, "iv": iv[:4]}),
            "iv missing": json.dumps({"v": 1, "ciphertext": ct}),
            "version 7": json.dumps({**envelope, "v": 7}),
            "extra field": json.dumps({**envelope, "note": "x"}),
            "not JSON": contact[:-3],
            "a JSON list": json.dumps([envelope]),
            "empty string": "",
            "plain text where an envelope belongs": "Marisol, my oldest friend",
            "a number": 12345,
            "an object, not a string": envelope,
        }

    for name, value in variants().items():
        bad = copy.deepcopy(doc)
        bad["standalone"]["user_contacts"][0]["name"] = value
        _rehash(bad)
        cases[f"contact envelope: {name}"] = json.dumps(bad).encode()
    for name in ("ciphertext flipped", "version 7", "not JSON", "plain text where an envelope belongs"):
        bad = copy.deepcopy(doc)
        row = _module_row(bad, "1.4", "user_responses")
        row["response_text"] = variants()[name] if name != "not JSON" else pii_response[:-3]
        cases[f"private answer envelope: {name}"] = json.dumps(bad).encode()

    # Envelopes that are fine on their own but bound to another place (row, column or table).
    bad = copy.deepcopy(doc)
    contacts = bad["standalone"]["user_contacts"]
    contacts[0]["name"], contacts[1]["name"] = contacts[1]["name"], contacts[0]["name"]
    _rehash(bad)
    cases["contact envelopes swapped between rows"] = json.dumps(bad).encode()
    bad = copy.deepcopy(doc)
    bad["standalone"]["user_contacts"][0]["notes"] = bad["standalone"]["user_contacts"][0]["name"]
    _rehash(bad)
    cases["contact name envelope moved to notes"] = json.dumps(bad).encode()
    bad = copy.deepcopy(doc)
    rows = [r for r in bad["modules"]["1.4"]["rows"]["user_responses"]]
    rows[0]["response_text"], rows[1]["response_text"] = rows[1]["response_text"], rows[0]["response_text"]
    cases["private answers swapped between rows"] = json.dumps(bad).encode()
    bad = copy.deepcopy(doc)
    bad["standalone"]["user_contacts"][0]["name"] = pii_response
    _rehash(bad)
    cases["a private answer's envelope as a contact name"] = json.dumps(bad).encode()
    bad = copy.deepcopy(doc)
    budget = bad["modules"]["1.2"]["columns"]["user_budget"]
    budget["notes"], budget["benefits_needed"] = budget["benefits_needed"], budget["notes"]
    cases["budget envelopes swapped between columns"] = json.dumps(bad).encode()
    return cases
