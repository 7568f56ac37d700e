"""A password changed on this device while offline: kept sealed in the folder (state.py) and
sent to the cloud account at the start of the next sync, by the command line's sync and the
window's alike.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..context import UserContext
from ..security.errors import WrongPasswordError
from ..security.kdf import wipe
from .client import CloudClient
from .errors import PasswordChangedElsewhere
from .state import META_CLOUD_KDF, META_PENDING_PASSWORD, delete_meta, meta, open_pending, set_meta


def send_pending(client: CloudClient, pending: dict[str, Any]) -> None:
    old_auth = bytearray(base64.b64decode(pending["old_auth"]))
    new_auth = bytearray(base64.b64decode(pending["new_auth"]))
    try:
        client.change_password(old_auth, new_auth, pending["kdf"], pending["wrapped"])
    finally:
        wipe(old_auth)
        wipe(new_auth)


def send_pending_password(ctx: UserContext, client: CloudClient) -> bool:
    """At the start of a sync: a password change made here while offline goes to the account.
    Returns whether one was sent. A refusal (the cloud password was changed elsewhere since)
    asks for the account's password instead; this folder's data is untouched."""
    db = ctx.db
    if meta(db, META_PENDING_PASSWORD) is None:
        return False
    pending = open_pending(ctx)
    if pending is None:
        with db.transaction():
            delete_meta(db, META_PENDING_PASSWORD)
        return False
    try:
        send_pending(client, pending)
    except WrongPasswordError:
        raise PasswordChangedElsewhere(client.server) from None
    with db.transaction():
        set_meta(db, META_CLOUD_KDF, json.dumps(pending["kdf"], sort_keys=True))
        delete_meta(db, META_PENDING_PASSWORD)
    return True
