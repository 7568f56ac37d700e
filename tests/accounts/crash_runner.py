"""Run one account operation and kill -9 the process at a named fault point.

usage: python crash_runner.py FOLDER ACTION POINT   (passwords from DREAMTREE_PASSWORD /
DREAMTREE_NEW_PASSWORD). Exits normally, printing "completed", if POINT was never reached.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from dreamtree_desktop import accounts
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.security import vault
from dreamtree_desktop.storage.keystore import key_mode


def main() -> int:
    folder, action, point = Path(sys.argv[1]), sys.argv[2], sys.argv[3]

    def fault_point(name: str) -> None:
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)

    vault.fault_point = fault_point
    password = os.environ["DREAMTREE_PASSWORD"]
    new_password = os.environ.get("DREAMTREE_NEW_PASSWORD", "")
    app = open_app_data(folder, password if key_mode(folder) == "password" else None)
    if action == "lock-on":
        accounts.set_lock_with_password(app, True, password)
    elif action == "lock-off":
        accounts.set_lock_with_password(app, False, password)
    elif action == "change-password":
        accounts.change_password(app, password, new_password)
    elif action == "rotate":
        from dreamtree_desktop.accounts.rotate import rotate_data_key

        rotate_data_key(app, password)
    elif action == "reset":
        accounts.reset_password(app, new_password, confirmed=True)
    else:
        raise SystemExit(f"unknown action {action}")
    app.close()
    print("completed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
