from __future__ import annotations

from importlib import resources

import pytest
from argon2 import PasswordHasher

from dreamtree_desktop.security import passwords
from dreamtree_desktop.security.errors import WeakPasswordError
from dreamtree_desktop.security.passwords import (
    check_password_policy,
    enforce_password_policy,
    hash_password,
    needs_rehash,
    verify_password,
)

GOOD = "violet-kayak-harbour-91"


def _list_lines() -> list[str]:
    path = resources.files("dreamtree_desktop.security").joinpath("common_passwords.txt")
    return path.read_text(encoding="utf-8").split("\n")


def test_list_file_shape() -> None:
    lines = _list_lines()
    assert lines[-1] == ""  # ends with a newline
    entries = lines[:-1]
    assert len(entries) == 10_000
    assert len(set(entries)) == 10_000
    assert all(e and e == e.lower() and e == e.strip() for e in entries)
    assert entries[:3] == ["123456", "password", "12345678"]


def test_list_is_loaded_lazily_into_a_frozenset() -> None:
    passwords._common_passwords.cache_clear()
    assert passwords._common_passwords.cache_info().currsize == 0
    check_password_policy(GOOD)
    common = passwords._common_passwords()
    assert isinstance(common, frozenset) and len(common) == 10_000
    assert passwords._common_passwords.cache_info().hits >= 1


def test_good_password_passes() -> None:
    assert check_password_policy(GOOD) == []
    assert check_password_policy(GOOD, email="someone@example.com") == []
    enforce_password_policy(GOOD)


@pytest.mark.parametrize("pw", ["", "a", "short1!", "123456789"])
def test_short_passwords_rejected(pw: str) -> None:
    problems = check_password_policy(pw)
    assert any("at least 10 characters" in p for p in problems)


def test_ten_characters_is_enough_length() -> None:
    assert check_password_policy("zq8-Vw2!kd") == []
    assert len("zq8-Vw2!kd") == 10


@pytest.mark.parametrize("pw", ["1234567890", "qwertyuiop", "QwErTyUiOp", "PASSWORD123", "Password123"])
def test_common_passwords_rejected_case_insensitively(pw: str) -> None:
    assert check_password_policy(pw) == ["is one of the 10,000 most common passwords"]


def test_short_and_common_reports_both() -> None:
    assert len(check_password_policy("password")) == 2


@pytest.mark.parametrize(
    ("pw", "email"),
    [
        ("jane.doe.writer@example.com", "jane.doe.writer@example.com"),
        ("Jane.Doe.Writer@Example.com", "jane.doe.writer@example.com"),
        ("jane.doe.writer", "jane.doe.writer@example.com"),
        ("JANE.DOE.WRITER", " Jane.Doe.Writer@example.com "),
    ],
)
def test_email_or_local_part_rejected(pw: str, email: str) -> None:
    problems = check_password_policy(pw, email=email)
    assert problems == ["must not be your email address or the part before the @"]


def test_policy_messages_never_contain_the_password() -> None:
    for pw, email in [
        ("qwertyuiop", None),
        ("Zx9!", None),
        ("jane.doe.writer", "jane.doe.writer@example.com"),
    ]:
        with pytest.raises(WeakPasswordError) as info:
            enforce_password_policy(pw, email)
        assert pw not in str(info.value)
        assert info.value.problems
        assert info.value.exit_code == 2


def test_hash_and_verify() -> None:
    h = hash_password(GOOD)
    assert h.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert GOOD not in h
    assert verify_password(h, GOOD) is True
    assert verify_password(h, GOOD + "!") is False
    assert hash_password(GOOD) != h  # salted
    assert needs_rehash(h) is False


def test_verify_malformed_hash_is_false() -> None:
    assert verify_password("not a hash", GOOD) is False
    assert verify_password("$argon2id$v=19$m=65536,t=3,p=4$AAAA$BBBB", GOOD) is False


def test_weaker_stored_hash_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD)
    assert verify_password(weak, GOOD) is True
    assert needs_rehash(weak) is True


def test_a_hash_made_ahead_on_its_own_thread_verifies_and_carries_its_error() -> None:
    from dreamtree_desktop.security.passwords import HashAhead

    ahead = HashAhead(GOOD)
    made = ahead.result()
    assert verify_password(made, GOOD) and not verify_password(made, GOOD + "x")
    assert ahead.result() == made  # asked again: the same hash, no second hashing
    with pytest.raises(AttributeError):  # raised on the hashing thread, handed to the caller
        HashAhead(12345).result()  # type: ignore[arg-type]
