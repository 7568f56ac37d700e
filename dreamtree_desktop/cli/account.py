"""`dreamtree account ...`: claim, unlock, change-password, reset-password, change-email, lock, status.

Passwords come from a terminal prompt, or for scripts from DREAMTREE_PASSWORD (the current
password, or the one being chosen by `claim`) and DREAMTREE_NEW_PASSWORD (the new one for
change-password and reset-password); never from the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..accounts import (
    LOCKED_RESET_NOTE,
    RESET_MESSAGE,
    account_status,
    change_email,
    change_password,
    claim,
    locked_folder_status,
    reset_forgotten_password,
    set_lock_with_password,
    verify_password,
)
from ..accounts.credentials import require_claimed
from ..appdata import AppData, open_app_data
from ..context import UserContext
from ..errors import UserInputError
from ..paths import resolve_data_dir
from ..storage.keystore import key_mode
from .common import open_from_args, print_json, read_password

NEW_PASSWORD_ENV = "DREAMTREE_NEW_PASSWORD"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("account", help="email, password and lock with password")
    commands = parser.add_subparsers(dest="account_command", metavar="ACTION", required=True)

    p = commands.add_parser("claim", help="set an email and password for this folder's user")
    p.add_argument("--email", required=True)
    p.add_argument("--no-lock", action="store_true",
                   help="do not lock the database with the password (it is locked by default)")
    p.set_defaults(handler=run_claim)

    p = commands.add_parser("unlock", help="check the password (exit 0 right, 3 wrong)")
    p.set_defaults(handler=run_unlock)

    p = commands.add_parser("change-password", help="choose a new password (personal data is kept)")
    p.set_defaults(handler=run_change_password)

    p = commands.add_parser("reset-password", help="forgotten password: new password, personal fields lost")
    p.add_argument("--yes", action="store_true", help="confirm without being asked")
    p.add_argument("--email", help="the account email (needed when the folder is locked)")
    p.add_argument("--server", help="the cloud server (default: the one this folder syncs with; a folder "
                                    "locked with the forgotten password needs it)")
    p.add_argument("--code", metavar="DIGITS",
                   help="the reset code mailed by the cloud service (also DREAMTREE_EMAIL_CODE); "
                        "without it a code is mailed and asked for")
    p.set_defaults(handler=run_reset_password)

    p = commands.add_parser("change-email", help="use another email address for the account")
    p.add_argument("--email", required=True)
    p.set_defaults(handler=run_change_email)

    p = commands.add_parser("lock", help="turn 'lock with password' on or off")
    p.add_argument("state", choices=("on", "off"))
    p.set_defaults(handler=run_lock)

    p = commands.add_parser(
        "rotate-key", help="a new encryption key: every personal value re-encrypted, the key re-wrapped"
    )
    p.add_argument("--json", action="store_true", help="print what was re-encrypted as JSON")
    p.set_defaults(handler=run_rotate_key)

    p = commands.add_parser("status", help="anonymous or claimed, email, lock mode")
    p.add_argument("--json", action="store_true", help="print as JSON")
    p.set_defaults(handler=run_status)


def _choose_password(env_name: str, prompt: str) -> str:
    """A new password: from env_name, or typed twice at a terminal."""
    if os.environ.get(env_name) is not None or not sys.stdin.isatty():
        return read_password(env_name, prompt)
    first = read_password(env_name, prompt)
    if read_password(env_name, "Repeat it: ") != first:
        raise UserInputError("password: the two entries differ; nothing was changed.")
    return first


def _open_with_password(args: argparse.Namespace) -> tuple[AppData, str]:
    """Open a claimed folder and read its password once, whichever mode the folder is in."""
    folder = resolve_data_dir(args.data_dir)
    if key_mode(folder) == "password":
        password = read_password()
        return open_app_data(folder, password), password
    app = open_app_data(folder)
    try:
        require_claimed(app.db, app.user_id)
        return app, read_password()
    except BaseException:
        app.close()
        raise


def run_claim(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        if app.db.scalar("SELECT 1 FROM auth WHERE user_id = ?", (app.user_id,)):
            raise UserInputError(
                "This data folder already has an account.", hint="Use change-password instead."
            )
        password = _choose_password("DREAMTREE_PASSWORD", "Choose a password: ")
        email = claim(app, args.email, password, lock=not args.no_lock)
        locked = app.keys.mode == "password"
    print(f"Account claimed for {email}.")
    print("The database is locked with your password." if locked
          else "Lock with password is off: the device key file opens this folder.")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    app, password = _open_with_password(args)
    with app:
        if app.keys.mode == "device":
            verify_password(app, password).wipe()
    print("Password accepted.")
    return 0


def run_rotate_key(args: argparse.Namespace) -> int:
    from ..accounts.credentials import password_auth_row
    from ..accounts.rotate import rotate_data_key
    from ..sync.rotation import mark_cloud_copy_unreadable

    folder = resolve_data_dir(args.data_dir)
    if key_mode(folder) == "password":
        app, password = _open_with_password(args)
    else:
        app = open_app_data(folder)
        password = None
    with app:
        if password is None and password_auth_row(app.db, app.user_id) is not None:
            password = read_password()
        done = rotate_data_key(app, password, also=mark_cloud_copy_unreadable)
        pushed = _push_rotated_key(app, password)
    if pushed is not None and pushed not in ("pushed", "already", "deferred"):
        print(f"dreamtree: {pushed}", file=sys.stderr)
    if args.json:
        print_json(done.__dict__)
    else:
        print(
            f"New encryption key in place: {done.resealed} personal values re-encrypted"
            + (f", {done.revisions} kept versions" if done.revisions else "")
            + (f"; {done.unreadable} could not be opened and were left as they were" if done.unreadable else "")
            + ". A copy of the old key opens no personal field written from now on; the next sync sends the change."
        )
    return 0


def _push_rotated_key(app: AppData, password: str | None) -> str | None:
    """A folder signed in to a cloud account gives the account the re-wrapped new key now (the
    service ends the other sessions, so other devices fetch it at their next sign-in); offline,
    the change waits, sealed, for the next sync."""
    if password is None or not app.db.scalar("SELECT 1 FROM app_meta WHERE key = 'sync.server'"):
        return None
    from ..errors import AuthenticationError, ServiceError
    from ..sync.cloud_account import push_password_change

    try:
        return str(push_password_change(app, password, password))
    except (ServiceError, AuthenticationError) as exc:
        return f"the cloud account still has the old key: {exc}"


def run_change_password(args: argparse.Namespace) -> int:
    app, old = _open_with_password(args)
    with app:
        new = _choose_password(NEW_PASSWORD_ENV, "New password: ")
        change_password(app, old, new)
        print("Password changed. Your personal data is unchanged and still readable.")
        # A folder signed in to a cloud account gives the account the new password too, so other
        # devices sign in with it; offline, the next `dreamtree sync` is where to retry.
        if app.db.scalar("SELECT 1 FROM app_meta WHERE key = 'sync.server'"):
            from ..errors import AuthenticationError, ServiceError
            from ..sync.cloud_account import push_password_change

            try:
                sent = push_password_change(app, old, new)
            except (ServiceError, AuthenticationError) as exc:
                print(f"dreamtree: the cloud account still has the old password: {exc}", file=sys.stderr)
                return exc.exit_code
            if sent == "deferred":
                print("The cloud service cannot be reached now: your cloud account gets the new password at "
                      "the next 'dreamtree sync' ('dreamtree sync --status' shows it is waiting).")
            else:
                print("Your cloud account now uses the new password too.")
    return 0


def run_reset_password(args: argparse.Namespace) -> int:
    folder = resolve_data_dir(args.data_dir)
    locked_server = _locked_cloud_server(folder, args)
    if locked_server is not None:
        return _reset_locked_through_cloud(folder, args, locked_server)
    # Say only what will happen: a locked folder is set aside whole, nothing of it is kept here.
    if key_mode(folder) == "password":
        print(f"{LOCKED_RESET_NOTE} (Stop here and run again with --server URL for that.)")
    else:
        print(RESET_MESSAGE)
    if not _confirm_reset(args):
        return 2
    new = _choose_password(NEW_PASSWORD_ENV, "New password: ")
    if _reset_in_the_cloud(folder, args, new):
        return 0
    outcome = reset_forgotten_password(folder, new, confirmed=True, email=args.email)
    if outcome.in_place:
        print(f"Password reset. {outcome.cleared_fields} personal field(s) can no longer be recovered; "
              "all other progress was kept.")
    else:
        print(f"Password reset. {outcome.message()}")
    return 0


def _confirm_reset(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise UserInputError("confirm: run at a terminal to confirm, or pass --yes.")
    answer = input("Reset the password and lose the personal fields? Type 'yes' to continue: ")
    if answer.strip().lower() != "yes":
        print("Nothing was changed.")
        return False
    return True


def _locked_cloud_server(folder: Path, args: argparse.Namespace) -> str | None:
    """The cloud server a locked folder resets through, given by --server: the folder's own link
    is inside the database the forgotten password locks."""
    if key_mode(folder) != "password":
        return None
    return str(args.server) if args.server else None


def _reset_locked_through_cloud(folder: Path, args: argparse.Namespace, server: str) -> int:
    from ..sync.locked_reset import LOCKED_CLOUD_RESET_NOTE, reset_locked_folder_through_cloud
    from ..sync.signup import CODE_ENV

    if not args.email:
        raise UserInputError("email: the folder is locked, so its account's email cannot be read; give it.",
                             hint="dreamtree account reset-password --email YOU@EXAMPLE.COM --server URL")
    print(LOCKED_CLOUD_RESET_NOTE)
    if not _confirm_reset(args):
        return 2
    new = _choose_password(NEW_PASSWORD_ENV, "New password: ")
    code = args.code or os.environ.get(CODE_ENV) or None
    ask = (lambda address: input(f"Reset code mailed to {address}: ")) if sys.stdin.isatty() else None
    result = reset_locked_folder_through_cloud(folder, server, args.email, new, code=code, ask_code=ask)
    print(result.message())
    if result.sync_error:
        print(f"The first sync after the reset did not finish ({result.sync_error}); run 'dreamtree sync'.",
              file=sys.stderr)
    return 0


def _reset_in_the_cloud(folder: Path, args: argparse.Namespace, new: str) -> bool:
    """A folder signed in to a cloud account (lock off) resets there too: by a mailed code, with
    the new key and password going to the account (sync/recovery.py)."""
    from ..sync.signup import CODE_ENV
    from ..sync.state import META_SERVER, meta

    if key_mode(folder) == "password":
        return False
    with open_app_data(folder) as app:
        server = args.server or meta(app.db, META_SERVER)
        if not server:
            return False
        from ..accounts.emails import active_email
        from ..sync.recovery import reset_cloud_password

        email = args.email or active_email(app.db, app.user_id)
        if not email:
            return False
        code = args.code or os.environ.get(CODE_ENV) or None
        ask = (lambda address: input(f"Reset code mailed to {address}: ")) if sys.stdin.isatty() else None
        result = reset_cloud_password(app, server, email, new, code=code, ask_code=ask)
    print(result.message())
    if result.sync_error:
        print(f"The first sync after the reset did not finish ({result.sync_error}); run 'dreamtree sync'.",
              file=sys.stderr)
    return True


def run_change_email(args: argparse.Namespace) -> int:
    with open_from_args(args) as app:
        email = change_email(UserContext.from_app(app), args.email)
    print(f"Your account email is now {email}.")
    return 0


def run_lock(args: argparse.Namespace) -> int:
    on = args.state == "on"
    app, password = _open_with_password(args)
    with app:
        changed = set_lock_with_password(app, on, password)
    state = "on" if on else "off"
    print(f"Lock with password is {state}." if changed else f"Lock with password was already {state}.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    folder = resolve_data_dir(args.data_dir)
    no_password = os.environ.get("DREAMTREE_PASSWORD") is None and not sys.stdin.isatty()
    if key_mode(folder) == "password" and no_password:
        # Without the password only the key files speak; a wrong password given is still exit 3.
        report = locked_folder_status(folder)
    else:
        with open_from_args(args) as app:
            report = account_status(app)
    if args.json:
        print_json(report)
        return 0
    print(f"Data folder: {report['data_dir']}")
    print(f"Account: {report['state'] or 'locked (unknown until unlocked)'}"
          + (f" ({report['email']})" if report["email"] else ""))
    print(f"Lock with password: {'on' if report['lock_with_password'] else 'off'}")
    print(f"Personal fields: {'locked' if report['pii_locked'] else 'readable'}")
    if report["unsealed_pii_fields"]:
        print(f"Warning: {report['unsealed_pii_fields']} personal field(s) are stored unencrypted.")
    if report["unlock_wait_seconds"]:
        print(f"Wrong-password wait: {report['unlock_wait_seconds']} s")
    return 0
