from __future__ import annotations

import pytest

from ecart.users.domain import WeakPassword, check_password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pass", "at least 12"),
        ("x" * 129, "at most 128"),
        ("password1234", "too common"),
        ("123456789012", "too common"),
        ("qwertyuiopasdfgh", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("abcabcabcabcabc", "too common"),
        ("jane.doe@example.com", "e-mail"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    with pytest.raises(WeakPassword, match=message):
        check_password(password, email="jane.doe@example.com")


@pytest.mark.parametrize(
    "password", ["a-long-enough-passphrase", "x" * 11 + "yz", "Ünïcödé pass wörd", "z" * 127 + "q"]
)
def test_reasonable_passwords_pass_without_composition_rules(password: str) -> None:
    check_password(password, email="jane@example.com")
