"""Identity rules: e-mail normalisation and the password policy (no framework imports)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

MIN_PASSWORD = 12
MAX_PASSWORD = 128


class WeakPassword(ValueError):
    pass


def normalize_email(email: str) -> str:
    return email.strip().lower()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """zxcvbn's 30,000 most common passwords plus our own list of long common ones."""
    text = resources.files("ecart.users").joinpath("common_passwords.txt").read_text()
    ours = {line.strip().lower() for line in text.splitlines() if line.strip()}
    return frozenset(ours | {p.lower() for p in FREQUENCY_LISTS["passwords"]})


def check_password(password: str, *, email: str = "") -> None:
    """12–128 characters, no composition rules, not a common or trivially guessable one."""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"Password must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"Password must be at most {MAX_PASSWORD} characters")
    lowered = password.lower()
    if lowered in common_passwords() or _is_repetitive(lowered):
        raise WeakPassword("Password is too common; choose a less guessable one")
    if email and lowered in {normalize_email(email), normalize_email(email).split("@")[0]}:
        raise WeakPassword("Password must not be your e-mail address")


def _is_repetitive(password: str) -> bool:
    """One character repeated, or a short block repeated ("abcabcabcabc")."""
    for size in range(1, 5):
        block = password[:size]
        if block * (len(password) // size) + block[: len(password) % size] == password:
            return True
    return False
