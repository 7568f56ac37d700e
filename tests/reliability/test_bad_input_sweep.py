"""Bad-input sweep: well over 200 malformed export files, PII envelopes and command lines, each
refused with exit 2 and the database left byte-for-byte as it was (dreamtree.db and its WAL
hashed after every case), with no backup made and no file added.

The corpus of files (bad_file_cases.py) is made from a real export of another user (sealed under
a backup password, so key and envelope checks run): truncations at many offsets, flipped types, missing keys, wrong
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
from pathlib import Path
from typing import Any

import pytest
from bad_file_cases import Doc, Edit, document_cases, envelope_cases
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
from dreamtree_desktop.portability.canonical import digest
from dreamtree_desktop.storage.backups import make_backup

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

FILE_ENV = {"DREAMTREE_PASSWORD": BACKUP_PASSWORD}


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
