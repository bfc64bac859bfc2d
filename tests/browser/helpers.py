"""What the browser journeys share: signing in through the UI, unique names."""

from __future__ import annotations

import itertools
import os
import re
from urllib.parse import quote

from playwright.sync_api import Locator, Page, expect

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


def unique_email(prefix: str = "shopper") -> str:
    return f"{unique(prefix)}@example.com"


def sign_in(page: Page, email: str, password: str, next_path: str = "/") -> None:
    """Signs in through the sign-in page and waits until it has taken the person on."""
    page.goto(f"/login?next={quote(next_path, safe='')}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_path) + r"([?#].*)?$"))


def product_card(page: Page, name: str) -> Locator:
    return page.locator("article.product-card").filter(
        has=page.get_by_role("heading", name=name, exact=True)
    )
