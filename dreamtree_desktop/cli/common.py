"""Helpers shared by the subcommands: opening the data folder, passwords, output."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from ..appdata import AppData, open_app_data
from ..errors import AuthenticationError
from ..paths import resolve_data_dir
from ..storage.keystore import key_mode


def read_password(env_name: str = "DREAMTREE_PASSWORD", prompt: str = "Password: ") -> str:
    """From the environment (scripts) or a TTY prompt; never from argv."""
    value = os.environ.get(env_name)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise AuthenticationError(
            "A password is needed.", hint=f"Type it at a terminal, or set {env_name} for scripts."
        )
    return getpass.getpass(prompt)


def open_from_args(args: argparse.Namespace, *, seed: bool = True) -> AppData:
    folder = resolve_data_dir(getattr(args, "data_dir", None))
    password = None
    if key_mode(folder) == "password":
        password = read_password()
    return open_app_data(folder, password, seed=seed)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")
