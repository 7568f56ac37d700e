"""Typed errors of the cloud sync (docs/core-api.md, "Sync"): what the CLI maps to exit codes
and what the window shows. Every message is written for the user and holds no secret."""

from __future__ import annotations

from ..errors import AuthenticationError, ServiceError
from . import protocol as p

UNREACHABLE_HINT = "Your data here is unchanged; it syncs the next time the service can be reached."


class CloudError(ServiceError):
    """The service answered, but not with what was asked (exit 4)."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", hint: str | None = None,
                 revision: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code
        self.revision = revision  # the snapshot revision the answer named (ETag), when it did


class DamagedSnapshot(CloudError):
    """GET /v1/snapshot answered with something unreadable: too large, not gzip, not JSON, or
    not a snapshot. `revision` comes from the ETag header when there was one."""

    def __init__(self, reason: str, revision: int | None) -> None:
        super().__init__(f"The copy in your cloud account cannot be read: {reason}.", status=200,
                         code="damaged_snapshot", hint="Your data here is unchanged.", revision=revision)
        self.reason = reason


class CloudUnreachable(CloudError):
    """No answer: offline, server down, connection cut, timeout (exit 4)."""


class StaleRevision(CloudError):
    """409: the snapshot moved on since it was pulled; `revision` is the server's current one."""

    def __init__(self, revision: int) -> None:
        super().__init__(f"The cloud copy changed meanwhile (now revision {revision}).", status=409,
                         code=p.STALE_REVISION)
        self.revision = revision


class RevisionAhead(CloudError):
    """409 revision_ahead: the server is behind the revision this device saw (it lost data or was
    reset); `revision` is its current one. The device reads every item again."""

    def __init__(self, revision: int) -> None:
        super().__init__(f"The cloud service is behind this device (revision {revision}).", status=409,
                         code=p.REVISION_AHEAD)
        self.revision = revision


class SessionRefused(AuthenticationError):
    """401 on a signed-in route: the token expired, was revoked, or is not ours (exit 3)."""

    def __init__(self, code: str, server: str) -> None:
        expired = code == "token_expired"
        super().__init__(
            "Your cloud session has expired." if expired else "Your cloud session is no longer valid.",
            hint=f"Sign in again: dreamtree account login --server {server} --email YOU@EXAMPLE.COM",
        )
        self.code = code


class RateLimited(AuthenticationError):
    """429: too many attempts (wrong passwords or codes, sign-ups, mails) for this email address
    or from this network; the service waits longer after each one (exit 3)."""

    def __init__(self, retry_after: int) -> None:
        if retry_after < 60:
            wait = f"{max(1, retry_after)} second{'s' if retry_after != 1 else ''}"
        else:
            minutes = (retry_after + 59) // 60
            wait = f"about {minutes} minute{'s' if minutes != 1 else ''}"
        super().__init__(
            "Too many attempts for this email address or from this network: the cloud service refuses "
            "them for a while.",
            hint=f"Try again in {wait}.",
        )
        self.retry_after = retry_after


class ClockSkew(CloudError):
    """This computer's clock differs from the service's by more than the tolerance (exit 4).
    Raised at the first answer that shows it, before anything is written."""

    def __init__(self, offset_s: float) -> None:
        direction = "behind" if offset_s > 0 else "ahead"
        minutes = abs(offset_s) / 60
        amount = f"{minutes / 60:,.1f} hours" if minutes >= 120 else f"{minutes:,.0f} minutes"
        super().__init__(
            f"Your clock is off: this computer's clock is {amount} {direction} of the cloud service's.",
            code="clock_skew",
            hint="Set the date and time right (automatic time is best), then sync again. "
                 "Nothing was synced or changed.",
        )
        self.offset_s = offset_s


class ServerDamaged(CloudError):
    """The copy on the server fails the import checks (a sealed value does not open, a stamp is
    in the future, ...): refused with nothing written (exit 4). `field` is the JSON Pointer."""

    def __init__(self, field: str, problem: str, revision: int | None) -> None:
        where = f" at {field}" if field else ""
        super().__init__(
            f"The copy on the server is damaged{where}: {problem}.", status=200, code="damaged_snapshot",
            hint="Your data here is unchanged. Sync again to replace the cloud copy with this device's data "
                 "(your other devices add theirs back when they next sync).", revision=revision,
        )
        self.field = field
        self.problem = problem


class PasswordChangedElsewhere(AuthenticationError):
    """Another device changed the account's password: this one needs the new password once
    (exit 3). Local data is untouched; nothing is lost."""

    def __init__(self, server: str, *, reset: bool = False) -> None:
        what = ("The account's password was reset on another device"
                if reset else "The account's password was changed on another device")
        super().__init__(
            f"{what}: enter the new password once to keep syncing this device.",
            hint=f"dreamtree account login --server {server} --email YOU@EXAMPLE.COM "
                 "(your data here is kept and merged).",
        )
        self.reset = reset


# Names the window uses.
Offline = CloudUnreachable
