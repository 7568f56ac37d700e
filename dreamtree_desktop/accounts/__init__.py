"""Accounts: claiming the anonymous user, passwords, email, lock with password, PII audit.

The UI and the CLI call these; every function validates its input (UserInputError / WeakPasswordError,
exit 2, nothing written) and reports a wrong password as WrongPasswordError (exit 3).
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any

# Imported now: `claim` names both a module and a function here, and loading the module later
# would bind the name to the module.
from .claim import claim

if TYPE_CHECKING:
    from .credentials import Credentials, derive_secrets, verify_password
    from .emails import active_email, change_email, normalize_email
    from .lockmode import idle_lock_minutes, lock, set_idle_lock_minutes, set_lock_with_password
    from .password import (
        LOCKED_RESET_NOTE,
        RESET_MESSAGE,
        ResetOutcome,
        change_password,
        reset_forgotten_password,
        reset_locked_folder,
        reset_password,
    )
    from .pii_audit import unsealed_pii
    from .status import account_status, locked_folder_status

# Each name is imported from its module when first asked for: the window's start-up needs only
# lockmode and what it uses, not the password reset, the audit or the status.
_HOME = {
    "Credentials": "credentials",
    "derive_secrets": "credentials",
    "verify_password": "credentials",
    "active_email": "emails",
    "change_email": "emails",
    "normalize_email": "emails",
    "idle_lock_minutes": "lockmode",
    "lock": "lockmode",
    "set_idle_lock_minutes": "lockmode",
    "set_lock_with_password": "lockmode",
    "LOCKED_RESET_NOTE": "password",
    "RESET_MESSAGE": "password",
    "ResetOutcome": "password",
    "change_password": "password",
    "reset_forgotten_password": "password",
    "reset_locked_folder": "password",
    "reset_password": "password",
    "unsealed_pii": "pii_audit",
    "account_status": "status",
    "locked_folder_status": "status",
}


def _credentials() -> ModuleType:
    from . import credentials

    return credentials


def _emails() -> ModuleType:
    from . import emails

    return emails


def _lockmode() -> ModuleType:
    from . import lockmode

    return lockmode


def _password() -> ModuleType:
    from . import password

    return password


def _pii_audit() -> ModuleType:
    from . import pii_audit

    return pii_audit


def _status() -> ModuleType:
    from . import status

    return status


_LOADERS: dict[str, Callable[[], ModuleType]] = {
    "credentials": _credentials,
    "emails": _emails,
    "lockmode": _lockmode,
    "password": _password,
    "pii_audit": _pii_audit,
    "status": _status,
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_LOADERS[home](), name)
    globals()[name] = value
    return value


__all__ = [
    "LOCKED_RESET_NOTE",
    "RESET_MESSAGE",
    "Credentials",
    "ResetOutcome",
    "account_status",
    "active_email",
    "change_email",
    "change_password",
    "claim",
    "derive_secrets",
    "idle_lock_minutes",
    "lock",
    "locked_folder_status",
    "normalize_email",
    "reset_forgotten_password",
    "reset_locked_folder",
    "reset_password",
    "set_idle_lock_minutes",
    "set_lock_with_password",
    "unsealed_pii",
    "verify_password",
]
