"""Accounts: claiming the anonymous user, passwords, email, lock with password, PII audit.

The UI and the CLI call these; every function validates its input (UserInputError / WeakPasswordError,
exit 2, nothing written) and reports a wrong password as WrongPasswordError (exit 3).
"""

from __future__ import annotations

from .claim import claim
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
