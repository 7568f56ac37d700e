"""Bad-input sweep: well over 200 malformed export files, PII envelopes and command lines, each
refused with exit 2 and the database left byte-for-byte as it was (dreamtree.db and its WAL
hashed after every case), with no backup made and no file added.

The corpus is generated here from a real export of another user (sealed under a backup password,
so key and envelope checks run): truncations at many offsets, flipped types, missing keys, wrong
versions, bad timestamps, huge strings, deep nesting, non-UTF-8 bytes, duplicate ids, dangling
references, bad content hashes, a tampered wrapped key, malformed envelopes inside an otherwise
valid export; then bad arguments to `workbook answer`, `import`, `account`, `doctor
--restore-backup` and unknown commands and options.

Every case runs in one child process through the CLI's own main(argv), which opens and closes
the folder each time as a new process would; a sample also runs as separate processes, to see
the real exit status and that no traceback reaches the user. tests/portability/test_bad_input.py
has one case per kind with the exact message; this is the volume check.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rel_helpers import (
    BACKUP_PASSWORD,
    CHILD,
    LIST_PROMPT,
    PASSWORD,
    PII_PROMPT,
    PLAIN_PROMPT,
    PYTHON,
    ROOT,
    clean_env,
    cli,
    file_hashes,
    make_answered_folder,
)
from rulebook_cases import rulebook_cases

from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.portability.canonical import digest, hash_content
from dreamtree_desktop.storage.backups import make_backup

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

Doc = dict[str, Any]
Edit = Callable[[Doc], None]
FILE_ENV = {"DREAMTREE_PASSWORD": BACKUP_PASSWORD}
FLOW = ("standalone", "user_flow_logs", 0)  # the first standalone flow log
CONTACT = ("standalone", "user_contacts", 0)


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("sweep")
    source = base / "source"
    make_answered_folder(source, standalone=20, label="other", private="someone else's secret")
    export = base / "other.json"
    done = cli(source, "export", "--out", str(export), env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    assert done.returncode == 0, done.stderr
    target = base / "target"
    make_answered_folder(target, standalone=10)
    # The file is good: imported into a copy it applies (exit 0), so every refusal below comes
    # from what the case broke.
    control = base / "control"
    shutil.copytree(target, control)
    done = cli(control, "import", str(export), "--force", env=FILE_ENV)
    assert done.returncode == 0, done.stderr
    with open_app_data(target) as app:  # a real backup, so restore-backup cases meet a backups folder
        make_backup(app.db, app.backup_dir, app.keys.db_key, reason="manual")
    done = cli(target, "doctor")  # opened and closed once by the CLI: checkpointed, WAL truncated
    assert done.returncode == 0, done.stderr
    raw = export.read_bytes()
    return {"base": base, "target": target, "raw": raw, "doc": json.loads(raw)}


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


def cli_cases(folder: Path, tmp: Path) -> list[dict[str, Any]]:
    """Bad command lines: (argv, env, stdin)."""
    not_utf8 = tmp / "not-utf8.json"
    not_utf8.write_bytes(b'"\xff\xfe"')
    bad_json = tmp / "bad-answer.json"
    bad_json.write_text("{not json", encoding="utf-8")
    out: list[dict[str, Any]] = []

    def add(name: str, *argv: str, env: dict[str, str] | None = None, stdin: str | None = None) -> None:
        out.append({"name": f"cli: {name}", "argv": list(argv), "env": env or {}, "stdin": stdin})

    answer = ("workbook", "answer")
    for prompt in ("9.9.9.nowhere", "1.1.1", "", " ", "../../etc/passwd", "x" * 5000, "2.4.1.OTHER-PATHS"):
        add(f"answer to unknown prompt {prompt[:30]!r}", *answer, prompt, '"text"')
    for value in ("11", "0", "-1", "1.5", '"5"', "true", "null", "[5]", "1e400", "NaN", "Infinity"):
        add(f"slider value {value}", *answer, "2.4.2.time", value)
    for value in ("not json", "{", "'single quotes'", '"unterminated', "", "[1,]", "\"a\" \"b\""):
        add(f"bad JSON {value!r}", *answer, PLAIN_PROMPT, value)
    for value in ("123", "[\"a list\"]", "{\"an\": \"object\"}", "true", json.dumps("x" * 100_000)):
        add(f"text answer {value[:20]!r}", *answer, PLAIN_PROMPT, value)
    for value in ('["one", "two"]', json.dumps([f"m{i}" for i in range(40)]), '"a string"', '[1, 2, 3, 4, 5]',
                  '["", "", "", "", ""]'):
        add(f"list answer {value[:20]!r}", *answer, LIST_PROMPT, value)
    add("private answer as a number", *answer, PII_PROMPT, "42")
    add("flow log with energy 9", *answer, "1.5.4.flow-log",
        json.dumps([{"activity": "x", "energy": 9, "focus": 4, "logged_date": "2025-01-01"}]))
    add("flow log with a bad date", *answer, "1.5.4.flow-log",
        json.dumps([{"activity": "x", "energy": 1, "focus": 4, "logged_date": "2025-02-30"}]))
    add("flow log with an unknown field", *answer, "1.5.4.flow-log",
        json.dumps([{"activity": "x", "energy": 1, "focus": 4, "mood": "great"}]))
    add("checkbox as a string", *answer, "1.5.1.feedback", '"yes"')
    add("no value", *answer, PLAIN_PROMPT)
    add("value and --file", *answer, PLAIN_PROMPT, '"x"', "--file", str(bad_json))
    add("--file missing", *answer, PLAIN_PROMPT, "--file", str(tmp / "missing.json"))
    add("--file a folder", *answer, PLAIN_PROMPT, "--file", str(tmp))
    add("--file not UTF-8", *answer, PLAIN_PROMPT, "--file", str(not_utf8))
    add("--file bad JSON", *answer, PLAIN_PROMPT, "--file", str(bad_json))
    add("--file - with bad JSON on stdin", *answer, PLAIN_PROMPT, "--file", "-", stdin="{{{")
    add("answer with an unknown option", *answer, PLAIN_PROMPT, '"x"', "--frobnicate")

    add("import a missing file", "import", str(tmp / "missing.json"), env=FILE_ENV)
    add("import a folder", "import", str(tmp), env=FILE_ENV)
    add("import with no file", "import", env=FILE_ENV)
    add("import an empty path", "import", "", env=FILE_ENV)
    add("import --adopt-key with a file", "import", "--adopt-key", str(tmp / "x.json"), env=FILE_ENV)
    add("import --adopt-key with nothing pending", "import", "--adopt-key", env=FILE_ENV)
    add("import with an unknown option", "import", str(tmp / "x.json"), "--merge-harder")
    add("import the database itself", "import", str(folder / "dreamtree.db"), env=FILE_ENV)
    add("import the key file", "import", str(folder / "device.key"), env=FILE_ENV)

    add("account with no action", "account")
    add("account unknown action", "account", "frobnicate")
    add("account lock maybe", "account", "lock", "maybe", env={"DREAMTREE_PASSWORD": PASSWORD})
    add("account claim without --email", "account", "claim", env={"DREAMTREE_PASSWORD": PASSWORD})
    for email in ("not-an-email", "@example.org", "sam@", "", "a b@example.org", "x" * 400 + "@example.org"):
        add(f"account claim --email {email[:20]!r}", "account", "claim", "--email", email,
            env={"DREAMTREE_PASSWORD": PASSWORD})
    for weak in ("short", "password123", "", "sam.rivera@example.org"):
        add(f"account claim with weak password {weak[:12]!r}", "account", "claim", "--email",
            "sam.rivera@example.org", env={"DREAMTREE_PASSWORD": weak})
    add("account change-password before claiming", "account", "change-password",
        env={"DREAMTREE_PASSWORD": PASSWORD, "DREAMTREE_NEW_PASSWORD": "plum-orchestra-77"})
    add("account change-email before claiming", "account", "change-email", "--email", "new@example.org")
    add("account change-email bad address", "account", "change-email", "--email", "nope")
    add("account unlock before claiming", "account", "unlock", env={"DREAMTREE_PASSWORD": PASSWORD})
    add("account reset-password without --yes", "account", "reset-password",
        env={"DREAMTREE_NEW_PASSWORD": "plum-orchestra-77"})
    add("account lock on before claiming", "account", "lock", "on", env={"DREAMTREE_PASSWORD": PASSWORD})
    add("account status with an unknown option", "account", "status", "--yaml")

    for name in ("nope.db", "../dreamtree.db", "/etc/passwd", "backups", "..", "../../../../etc/shadow",
                 "dreamtree.db", "backups/../dreamtree.db"):
        add(f"doctor --restore-backup {name[:30]!r}", "doctor", "--restore-backup", name)
    add("doctor --restore-backup with no name", "doctor", "--restore-backup")
    add("doctor with an unknown option", "doctor", "--fix-everything")

    add("unknown command", "frobnicate")
    add("unknown option before the command", "--frobnicate", "doctor")
    add("workbook unknown action", "workbook", "frobnicate")
    add("workbook with no action", "workbook")
    add("workbook show unknown exercise", "workbook", "show", "9.9.9")
    add("workbook competencies with a bad date", "workbook", "competencies", "--today", "2025-13-01")
    add("dailydos with a bad date", "dailydos", "--today", "tomorrow")
    add("revisions restore unknown id", "revisions", "restore", "no-such-revision")
    add("revisions show unknown id", "revisions", "show", "no-such-revision")
    add("revisions with no action", "revisions")
    add("export to a missing folder", "export", "--out", str(tmp / "no" / "such" / "folder" / "x.json"),
        env={"DREAMTREE_BACKUP_PASSWORD": BACKUP_PASSWORD})
    add("export with a weak backup password", "export", "--out", str(tmp / "weak.json"),
        env={"DREAMTREE_BACKUP_PASSWORD": "short"})
    return out


def all_cases(setting: dict[str, Any]) -> list[dict[str, Any]]:
    corpus = setting["base"] / "corpus"
    corpus.mkdir(exist_ok=True)
    files = {**document_cases(setting["doc"], setting["raw"]), **envelope_cases(setting["doc"]),
             **rulebook_cases(setting["doc"])}
    cases = []
    for n, (name, data) in enumerate(files.items()):
        path = corpus / f"{n:03d}.json"
        path.write_bytes(data)
        cases.append({"name": f"file: {name}", "argv": ["import", str(path), "--force"], "env": FILE_ENV,
                      "stdin": None})
    return cases + cli_cases(setting["target"], corpus)


def test_every_bad_input_exits_2_and_leaves_the_database_byte_for_byte(setting: dict[str, Any]) -> None:
    target: Path = setting["target"]
    cases = all_cases(setting)
    assert sum(c["name"].startswith("file: ") for c in cases) >= 600, len(cases)
    cases_file = setting["base"] / "cases.json"
    cases_file.write_text(json.dumps(cases), encoding="utf-8")
    before = file_hashes(target)
    done = subprocess.run([PYTHON, str(CHILD), "sweep", str(target), str(cases_file)], capture_output=True,
                          text=True, env=clean_env(), cwd=ROOT, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines()]
    start, results = results[0], results[1:]
    assert len(results) == len(cases)
    assert start["hashes"] == before
    problems = []
    previous = start
    for result in results:
        if result["code"] != 2:
            problems.append(f"{result['name']}: exit {result['code']} ({result['stderr'].strip()[-200:]})")
        if result["traceback"]:
            problems.append(f"{result['name']}: a traceback reached the user")
        if result["hashes"] != previous["hashes"]:
            problems.append(f"{result['name']}: the database changed")
        if result["files"] != previous["files"]:
            added = sorted(set(result["files"]) ^ set(previous["files"]))
            problems.append(f"{result['name']}: files changed: {added}")
        previous = result
    assert not problems, f"{len(problems)} of {len(cases)} cases:\n" + "\n".join(problems)
    assert file_hashes(target) == before


def test_a_sample_as_separate_processes(setting: dict[str, Any], tmp_path: Path) -> None:
    """Every 12th case as its own `python -m dreamtree_desktop` process: the exit status the shell
    sees is 2, stderr has no traceback, and the database is unchanged."""
    target: Path = setting["target"]
    cases = all_cases(setting)[::12]
    before = file_hashes(target)
    for case in cases:
        done = cli(target, *case["argv"], env=case["env"], stdin=case["stdin"])
        assert done.returncode == 2, (case["name"], done.returncode, done.stderr[-500:])
        assert "Traceback" not in done.stderr, case["name"]
        assert file_hashes(target) == before, case["name"]


# -- what the sweep found ------------------------------------------------------------------------
def _import_refused(setting: dict[str, Any], tmp_path: Path, name: str, edit: Edit) -> tuple[int, str]:
    """Import one edited copy of the export into a copy of the target; returns (exit code, stderr)
    and checks the database is unchanged whenever the exit is not 0."""
    folder = tmp_path / "target"
    shutil.copytree(setting["target"], folder)
    before = file_hashes(folder)
    bad = copy.deepcopy(setting["doc"])
    edit(bad)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    done = cli(folder, "import", str(path), "--force", env=FILE_ENV)
    if done.returncode != 0:
        assert file_hashes(folder) == before, name
    return done.returncode, done.stderr


def test_a_tampered_key_with_a_recomputed_digest_reads_as_a_wrong_password(setting: dict[str, Any],
                                                                          tmp_path: Path) -> None:
    """With auth.sha256 recomputed, a flipped wrapped key cannot be told from a wrong password:
    exit 3 (password), not 2, and nothing changes."""
    def edit(d: Doc) -> None:
        wrapped = d["auth"]["wrapped_data_key"]
        text = wrapped["ciphertext"]
        wrapped["ciphertext"] = ("A" if text[0] != "A" else "B") + text[1:]
        d["auth"]["sha256"] = digest(wrapped)

    code, stderr = _import_refused(setting, tmp_path, "tampered-key", edit)
    assert code == 3, stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("name", ["", "x" * 300])
def test_restore_backup_names_that_are_not_names(name: str, setting: dict[str, Any]) -> None:
    assert (setting["target"] / "backups").is_dir()  # a name too long for the file system: ENAMETOOLONG
    before = file_hashes(setting["target"])
    done = cli(setting["target"], "doctor", "--restore-backup", name)
    assert file_hashes(setting["target"]) == before
    assert done.returncode == 2, (done.returncode, done.stderr)
