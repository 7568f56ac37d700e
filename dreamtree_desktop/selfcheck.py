"""The data half of `dreamtree self-test`: what a new data folder must be, checked in the core.

The self-test (ui/selftest.py) creates a throwaway folder and runs these on it, then checks Qt
and the window itself. Each check returns one line saying what it found, or raises CheckFailed
naming the problem.
"""

from __future__ import annotations

from pathlib import Path

from .appdata import AppData
from .context import UserContext
from .paths import DB_FILENAME
from .security.kdf import KdfParams, derive_master
from .security.passwords import check_password_policy

# Content the seeded workbook must hold at least (the full workbook has 53 exercises).
MIN_EXERCISES = 50


class CheckFailed(Exception):
    """A self-test check found a problem (the message says what)."""


def check_new_database(app: AppData, folder: Path) -> str:
    """A new folder, keyed by its device key, in an encrypted SQLCipher database."""
    db = app.db
    if not app.created:
        raise CheckFailed("the data folder was expected to be new")
    if app.keys.mode != "device":
        raise CheckFailed(f"unexpected key mode {app.keys.mode!r}")
    cipher = db.scalar("PRAGMA cipher_version")
    if not cipher:
        raise CheckFailed("PRAGMA cipher_version returned nothing: this SQLite has no SQLCipher")
    with (folder / DB_FILENAME).open("rb") as handle:
        header = handle.read(16)
    if header.startswith(b"SQLite format 3"):
        raise CheckFailed("the database file is not encrypted (plain SQLite header)")
    return f"opened encrypted database (SQLCipher {cipher}, schema v{db.user_version}, journal {db.journal_mode})"


def check_integrity(app: AppData) -> str:
    db = app.db
    problems = [f"integrity_check: {p}" for p in db.integrity_problems()]
    problems += [f"cipher_integrity_check: {p}" for p in db.cipher_integrity_problems()]
    problems += [f"foreign_key_check: {p}" for p in db.foreign_key_problems()]
    if problems:
        raise CheckFailed("; ".join(problems[:5]))
    return "integrity_check, cipher_integrity_check and foreign_key_check: ok"


def check_seeded_content(app: AppData) -> str:
    """The workbook was seeded in full, and nothing was answered yet."""
    db = app.db
    counts = {
        "modules": int(db.scalar("SELECT count(DISTINCT part_id || '/' || module_id) FROM exercise_sequence")),
        "exercises": int(db.scalar("SELECT count(*) FROM exercise_sequence")),
        "prompts": int(db.scalar("SELECT count(*) FROM prompts")),
        "skills": int(db.scalar("SELECT count(*) FROM skills WHERE is_custom = 0")),
        "competencies": int(db.scalar("SELECT count(*) FROM competencies")),
    }
    if counts["exercises"] < MIN_EXERCISES:
        raise CheckFailed(f"{counts['exercises']} exercises seeded; at least {MIN_EXERCISES} expected")
    answers = db.scalar("SELECT count(*) FROM user_responses")
    if answers:
        raise CheckFailed(f"a new data folder already holds {answers} answers")
    return "seeded " + ", ".join(f"{n} {name}" for name, n in counts.items()) + "; no answers"


def check_crypto(app: AppData) -> str:
    """The native crypto loads and works: Argon2id, AES-GCM field sealing, the password list."""
    # Argon2id through the cffi bindings, at a cost far below real use (this only checks that
    # the native code loads and runs); a known password must give a key of the right length.
    params = KdfParams.generate(m_kib=1024, t=1, p=1, allow_weak=True)
    master = derive_master("self-test passphrase", params)
    if len(master) != 32 or not any(master):
        raise CheckFailed("Argon2id returned an unexpected key")
    ctx = UserContext.from_app(app)
    sealed = ctx.seal("user_profile", "self_test", "row", {"check": 1})
    if sealed is None or "check" in sealed:
        raise CheckFailed("field encryption returned plain text")
    if ctx.unseal("user_profile", "self_test", "row", sealed) != {"check": 1}:
        raise CheckFailed("field decryption did not return what was sealed")
    # The common-password list is package data: present in a bundle only if collected.
    if not check_password_policy("password"):
        raise CheckFailed("the common-password list did not reject 'password'")
    for i in range(len(master)):
        master[i] = 0
    return "argon2id key derivation, AES-GCM field round trip, password list: ok"


def check_copy_process(app: AppData) -> str:
    """A new computer's sign-in checks the account's copy in a second process of this same
    program (sync/copy_check.py): it starts, reads a copy and gives its verdict."""
    import json

    from .portability import Catalog, export_document
    from .sync.copy_check import CopyCheck
    from .sync.items import iter_items

    ctx = UserContext.from_app(app)
    catalog = Catalog.load(app.db)
    items = [{"kind": kind, "key": key, "body": body} for (kind, key), body in iter_items(export_document(ctx, catalog))]
    check = CopyCheck(catalog)
    try:
        # As the first of several pages: the second process starts.
        check.page(json.dumps({"revision": 1, "cursor": None, "items": items}).encode("utf-8"), True)
        check.all_received()
        verdict = check.verdict()
    finally:
        check.close()
    if not check.answered_by_child:
        raise CheckFailed("the second process that checks an account's copy did not answer")
    if verdict.refused is not None or not verdict.as_it_came:
        raise CheckFailed(f"the copy check refused this folder's own copy: {verdict.refused}")
    return f"a second process checked a copy of {len(items)} items"
