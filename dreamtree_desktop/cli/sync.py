"""`dreamtree sync` and the cloud account commands `dreamtree account login | cloud-claim | logout`.

The account commands join the `account` group that cli/account.py registers (this module is
registered after it, see cli/main.py COMMAND_MODULES), so that file needs no change.
Passwords come from a terminal prompt, or for scripts from DREAMTREE_PASSWORD (and, when a locked
folder's password is no longer the cloud account's, DREAMTREE_CLOUD_PASSWORD); never from argv.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..appdata import AppData, open_app_data
from ..context import UserContext
from ..errors import UserInputError
from ..paths import resolve_data_dir
from ..storage.keystore import key_mode
from .common import open_from_args, print_json, read_password


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sync", help="sync with your cloud account (pull, merge, push)")
    parser.add_argument("--server", metavar="URL",
                        help="the cloud service (needed only if the folder does not know it yet)")
    parser.add_argument("--status", action="store_true", help="show the last sync; do not sync")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run_sync)

    actions = _account_actions(subparsers)
    p = actions.add_parser("login", help="sign in to your cloud account (on a new device: get your data)")
    p.add_argument("--server", metavar="URL", required=True)
    p.add_argument("--email", required=True)
    p.add_argument("--no-lock", action="store_true",
                   help="on a new device, do not lock the database with the password (locked by default)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_login)

    p = actions.add_parser("cloud-claim",
                           help="create your cloud account from this folder and upload its data")
    p.add_argument("--server", metavar="URL", required=True)
    p.add_argument("--email", help="the email to claim with (needed when the folder has no account yet)")
    p.add_argument("--no-lock", action="store_true",
                   help="when claiming here first, do not lock the database with the password")
    p.add_argument("--code", metavar="DIGITS",
                   help="the verification code mailed by an earlier cloud-claim (also DREAMTREE_EMAIL_CODE); "
                        "without it a code is mailed and asked for")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run_cloud_claim)

    p = actions.add_parser("logout", help="sign out of the cloud account on this device (data stays)")
    p.set_defaults(handler=run_logout)


Actions = argparse._SubParsersAction  # argparse's type for a group of subcommands


def _account_actions(
    subparsers: Actions[argparse.ArgumentParser],
) -> Actions[argparse.ArgumentParser]:
    account = subparsers.choices.get("account")
    if account is None:
        account = subparsers.add_parser("account", help="email, password and cloud account")
        created: Actions[argparse.ArgumentParser] = account.add_subparsers(
            dest="account_command", metavar="ACTION", required=True)
        return created
    for action in account._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    added: Actions[argparse.ArgumentParser] = account.add_subparsers(
        dest="account_command", metavar="ACTION", required=True)
    return added


def _open_with_password(args: argparse.Namespace) -> tuple[AppData, str | None]:
    """Open the folder; a locked one needs its password, which is then also the account's."""
    folder = resolve_data_dir(args.data_dir)
    if key_mode(folder) == "password":
        password = read_password()
        return open_app_data(folder, password), password
    return open_app_data(folder), None


def _new_password() -> str:
    """A password being chosen: from DREAMTREE_PASSWORD, or typed twice at a terminal."""
    if os.environ.get("DREAMTREE_PASSWORD") is not None or not sys.stdin.isatty():
        return read_password(prompt="Choose a password: ")
    first = read_password(prompt="Choose a password: ")
    if read_password(prompt="Repeat it: ") != first:
        raise UserInputError("password: the two entries differ; nothing was changed.")
    return first


# -- sync -------------------------------------------------------------------------------------------
def run_sync(args: argparse.Namespace) -> int:
    from ..sync.service import sync, sync_status

    with open_from_args(args) as app:
        ctx = UserContext.from_app(app)
        if args.status:
            report = sync_status(ctx)
            if args.json:
                print_json(report)
            else:
                _print_status(report)
            return 0
        result = sync(ctx, args.server, app=app)
    if args.json:
        print_json(result.to_dict())
    else:
        print(result.summary())
        for note in result.notes:
            print(f"Note: {note}")
    return 0


def _print_status(report: dict[str, Any]) -> None:
    if report["server"] is None:
        print("Not connected to a cloud account.")
        return
    state = ("signed in" if report["signed_in"]
             else "signed out (sign in again with 'dreamtree account login')")
    print(f"Cloud service: {report['server']} ({state})")
    print(f"Last sync: {report['last_synced_at'] or 'never'}"
          + (f" (revision {report['revision']})" if report["revision"] is not None else ""))
    offset = report.get("clock_offset_s")
    if offset is not None and abs(offset) >= 1:
        print(f"This computer's clock is {abs(offset):.0f} s {'behind' if offset > 0 else 'ahead of'} the "
              "cloud service's; the times DreamTree writes are corrected for it.")
    if report.get("clock_offset_stale"):
        print(f"That correction was measured at {report['clock_measured_at']}; the next sync measures it again.")
    waiting = report.get("changes_to_send") or 0
    if waiting:
        print(f"Changed here since the last sync: {waiting} row{'s' if waiting != 1 else ''} "
              "(sent at the next sync).")
    if report.get("password_change_pending"):
        print("Password changed here while offline: the cloud account gets it at the next sync.")


# -- account login / cloud-claim / logout -----------------------------------------------------------
CLOUD_PASSWORD_ENV = "DREAMTREE_CLOUD_PASSWORD"


def run_login(args: argparse.Namespace) -> int:
    from ..security.errors import WrongPasswordError
    from ..sync.cloud_account import login

    app, folder_password = _open_with_password(args)
    with app:
        # A locked folder's password is normally the account's; after a password change made on
        # another device it is not: DREAMTREE_CLOUD_PASSWORD, or a second prompt, gives the new one.
        password = os.environ.get(CLOUD_PASSWORD_ENV) or folder_password
        if password is None:
            password = read_password(prompt="Cloud account password: ")
        try:
            result = login(app, args.server, args.email, password, lock=not args.no_lock)
        except WrongPasswordError:
            if folder_password is None or password is not folder_password or not sys.stdin.isatty():
                raise
            password = read_password(CLOUD_PASSWORD_ENV, "Cloud account password (changed on another device?): ")
            result = login(app, args.server, args.email, password, lock=not args.no_lock)
    _print_account(args, result, "Signed in to")
    return 0


def run_cloud_claim(args: argparse.Namespace) -> int:
    from ..accounts.credentials import password_auth_row
    from ..sync.cloud_account import cloud_claim
    from ..sync.signup import CODE_ENV

    app, password = _open_with_password(args)
    with app:
        if password is None:
            if password_auth_row(app.db, app.user_id) is None:
                if not args.email:
                    raise UserInputError(
                        "email: this data folder has no account yet; give --email to claim it.")
                password = _new_password()
            else:
                password = read_password()
        code = args.code or os.environ.get(CODE_ENV) or None
        result = cloud_claim(app, args.server, password, email=args.email, lock=not args.no_lock,
                             code=code, ask_code=_prompt_for_code if sys.stdin.isatty() else None)
    _print_account(args, result, "Cloud account created on")
    return 0


def _prompt_for_code(email: str) -> str:
    """At a terminal: say where the code went, then read it."""
    print(f"A verification code was mailed to {email} (valid for 30 minutes). If the address already "
          "has an account, the mail says so instead.", file=sys.stderr)
    return input("Verification code: ")


def _print_account(args: argparse.Namespace, result: Any, verb: str) -> None:
    if args.json:
        report = {
            "server": result.server, "email": result.email, "user_id": result.user_id,
            "adopted": result.adopted, "locked": result.locked,
            "sync": result.sync.to_dict() if result.sync else None,
            "sync_error": str(result.sync_error) if result.sync_error else None,
        }
        print_json(report)
    else:
        print(f"{verb} {result.server} as {result.email}.")
        if result.adopted:
            print("This data folder now holds your account's data"
                  + (", locked with your password." if result.locked else "."))
        if result.sync is not None:
            print(result.sync.summary())
    if result.sync_error is not None:
        raise result.sync_error


def run_logout(args: argparse.Namespace) -> int:
    from ..sync.cloud_account import logout

    with open_from_args(args) as app:
        confirmed = logout(UserContext.from_app(app))
    print("Signed out of the cloud account on this device; your data here stays."
          + ("" if confirmed else " (The service could not be told; the session ends on its own.)"))
    return 0
