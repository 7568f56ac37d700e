"""The wrong-password throttle: `unlock-failures.json` counts wrong passwords in a row; after the
first two, each attempt waits, the wait doubling from 1 s up to 30 s."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import math
from pathlib import Path

from ..clock import format_iso, parse_iso, utcnow
from ..errors import AuthenticationError
from ..paths import atomic_write_text
from .errors import WrongPasswordError

FAILURES_FILENAME = "unlock-failures.json"
FREE_FAILURES = 2
FIRST_DELAY_S = 1
MAX_DELAY_S = 30
WRONG_PASSWORD = "Wrong password."


class UnlockDelayError(AuthenticationError):
    """Too many wrong passwords in a row: the next attempt is refused until the wait is over."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        unit = "second" if wait_seconds == 1 else "seconds"
        super().__init__(
            f"Too many wrong passwords: wait {wait_seconds} {unit} before trying again.",
            hint="Nothing was checked or changed.",
        )


def delay_after(failures: int) -> int:
    if failures <= FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** min(failures - FREE_FAILURES - 1, 16)))


class UnlockThrottle:
    """`unlock-failures.json` (0600): the count of wrong passwords in a row and when the next try
    is allowed. It slows someone guessing at the keyboard; against a copied folder the Argon2id
    cost is what protects the keys."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / FAILURES_FILENAME

    def _read(self) -> tuple[int, _dt.datetime | None]:
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
            failures = body["failures"]
            if type(failures) is not int or failures < 0:
                raise ValueError
            nxt = body.get("next_allowed_at")
            return failures, (parse_iso(nxt) if nxt else None)
        except FileNotFoundError:
            return 0, None
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged counter is treated as a long run of failures, so breaking it saves no time.
            return FREE_FAILURES + 1, None

    @property
    def failures(self) -> int:
        return self._read()[0]

    def wait_seconds(self) -> int:
        _, nxt = self._read()
        if nxt is None:
            return 0
        remaining = (nxt - utcnow()).total_seconds()
        # A next_allowed_at far in the future (clock moved back, edited file) is capped.
        return 0 if remaining <= 0 else min(MAX_DELAY_S, math.ceil(remaining))

    def check(self) -> None:
        wait = self.wait_seconds()
        if wait > 0:
            raise UnlockDelayError(wait)

    def record_failure(self) -> int:
        """Count one wrong password; returns the wait before the next attempt (seconds)."""
        failures = self._read()[0] + 1
        delay = delay_after(failures)
        now = utcnow()
        body = {
            "v": 1,
            "failures": failures,
            "last_failure_at": format_iso(now),
            "next_allowed_at": format_iso(now + _dt.timedelta(seconds=delay)) if delay else None,
        }
        with contextlib.suppress(OSError):
            atomic_write_text(self.path, json.dumps(body))
        return delay

    def reset(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def wrong_password(self) -> WrongPasswordError:
        """Record a failure and return the error to raise (saying how long to wait, if at all)."""
        delay = self.record_failure()
        if delay:
            unit = "second" if delay == 1 else "seconds"
            return WrongPasswordError(WRONG_PASSWORD, hint=f"Wait {delay} {unit} before trying again.")
        return WrongPasswordError(WRONG_PASSWORD, hint="Check it and try again.")
