"""Creating a cloud account with e-mail verification.

The service answers a sign-up the same way whether or not the address already has an account
(docs/sync-protocol.md, POST /v1/accounts): a code is mailed to a new address, a warning to the
owner of a known one. So the account exists only once the mailed code comes back, and a claim
whose last answer was lost is recognised by signing in with the same secret.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from ..errors import AuthenticationError, ServiceError, UserInputError
from ..security.errors import WrongPasswordError
from . import protocol as p
from .client import CloudClient, CloudError

# Asked for the code once it was mailed: (email) -> the code the user read.
AskCode = Callable[[str], str]
CODE_ENV = "DREAMTREE_EMAIL_CODE"


class VerificationCodeSent(AuthenticationError):
    """A verification code was mailed and nobody was there to type it (exit 3)."""

    def __init__(self, email: str, server: str) -> None:
        super().__init__(
            f"A verification code was mailed to {email}; the cloud account is created once you enter it.",
            hint=f"Finish within 30 minutes with: dreamtree account cloud-claim --server {server} --code CODE "
                 f"(or set {CODE_ENV}). If the mail says the address already has an account, sign in "
                 "instead with 'dreamtree account login'.",
        )
        self.email = email


def normalize_code(code: str) -> str:
    """The 8 digits of a code as typed (spaces and dashes allowed); a clear refusal otherwise."""
    digits = "".join(ch for ch in code if ch not in " -\t")
    if len(digits) != 8 or not digits.isdigit() or not digits.isascii():
        raise UserInputError("code: the verification code is the 8 digits from the mail.")
    return digits


def create_verified_account(client: CloudClient, email: str, auth_secret: bytearray, kdf: dict[str, Any],
                            wrapped_text: str, user_id: str, *, code: str | None = None,
                            ask_code: AskCode | None = None) -> p.Session:
    """The cloud account of `user_id`, created (or found, if an earlier claim made it).

    Without `code`, asks the service to mail one; then `ask_code` gives it, or without one
    VerificationCodeSent says what to do. With `code`, goes straight to verification.
    """
    if code is None:
        try:
            client.request_signup(email, auth_secret, kdf, wrapped_text, user_id)
        except CloudError as exc:
            if exc.status != 409 or exc.code != p.USER_ID_TAKEN:
                raise
            return _already_ours(client, email, auth_secret, user_id, exc)
        if ask_code is None:
            raise VerificationCodeSent(email, client.server)
        code = ask_code(email)
    digits = normalize_code(code)
    try:
        return client.verify_signup(email, digits)
    except CloudError as exc:
        if exc.status not in (400, 409) or exc.code not in (p.INVALID_CODE, p.USER_ID_TAKEN):
            raise
        return _already_ours(client, email, auth_secret, user_id, exc)


def _already_ours(client: CloudClient, email: str, auth_secret: bytearray, user_id: str,
                  refusal: CloudError) -> p.Session:
    """After a refused code or a taken user id: an earlier claim whose answer was lost may have
    made the account (same user, same secret). Otherwise the refusal, in words."""
    try:
        session = client.login(email, auth_secret)
    except WrongPasswordError:
        session = None
    if session is not None and session.user_id == user_id:
        return session
    if session is not None:
        with contextlib.suppress(ServiceError, AuthenticationError):
            client.logout()
    if refusal.code == p.USER_ID_TAKEN:
        raise UserInputError("The cloud service already has this user under another email address.",
                             hint="Sign in with that address: dreamtree account login --server URL --email ADDRESS")
    raise UserInputError(
        "code: the verification code is wrong, used up or expired (codes last 30 minutes, 5 tries).",
        hint="Run cloud-claim again without --code to get a new one. If the mail said the address "
             "already has an account, sign in instead: dreamtree account login --server URL --email " + email,
    )
