from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dreamtree_desktop.errors import AuthenticationError, DreamTreeError
from dreamtree_desktop.security.errors import (
    EnvelopeError,
    KdfParamsError,
    KeyFileError,
    SecurityError,
    WeakPasswordError,
    WrongPasswordError,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (EnvelopeError("x"), 2),
        (WrongPasswordError(), 3),
        (KeyFileError("x"), 2),
        (WeakPasswordError(["too short"]), 2),
        (KdfParamsError("x"), 2),
    ],
)
def test_exit_codes_and_hierarchy(exc: SecurityError, code: int) -> None:
    assert exc.exit_code == code
    assert isinstance(exc, SecurityError) and isinstance(exc, DreamTreeError)


def test_wrong_password_is_an_authentication_error() -> None:
    exc = WrongPasswordError()
    assert str(exc) == "wrong password"
    assert isinstance(exc, AuthenticationError)


def test_weak_password_error_lists_problems() -> None:
    exc = WeakPasswordError(["must be at least 10 characters long", "is common"])
    assert exc.problems == ["must be at least 10 characters long", "is common"]
    assert "at least 10" in str(exc) and "is common" in str(exc)


def test_kdf_params_error_is_a_value_error() -> None:
    assert isinstance(KdfParamsError("x"), ValueError)


def test_security_package_never_imports_qt() -> None:
    # pytest-qt has already imported PySide6 in this process, so check in a fresh one.
    code = (
        "import sys\n"
        "import dreamtree_desktop.security.envelope, dreamtree_desktop.security.keywrap\n"
        "import dreamtree_desktop.security.passwords, dreamtree_desktop.security.kdf\n"
        "from dreamtree_desktop.security.passwords import check_password_policy\n"
        "check_password_policy('x')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
