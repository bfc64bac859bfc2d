"""A shopper in the browser: browse, search and filter, sign up, cart, checkout, follow the
order; and the messages they get when a card is declined, stock runs out or a session ends."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Console, Pages, Shop
from tests.browser.helpers import product_card, sign_in, unique, unique_email
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


def test_shopper_searches_adds_to_cart_checks_out_and_sees_the_order(
    shop: Shop, pages: Pages
) -> None:
    page = pages.new()
    page.goto("/")
    expect(page.get_by_role("heading", name="All products")).to_be_visible()
    expect(page.locator("article.product-card")).to_have_count(12)
    pages.screenshot(page, "storefront", docs="storefront")

    # Sign up (the header's "Sign in", then "Create an account").
    page.get_by_role("link", name="Sign in").click()
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Full name").fill("Ada Shopper")
    page.get_by_label("Email").fill(unique_email())
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Hi, Ada")).to_be_visible()

    # Search from the header, open the product, add two.
    search = page.get_by_role("searchbox", name="Search products")
    search.fill("skillet")
    search.press("Enter")
    expect(page.get_by_role("heading", name="Results for “skillet”")).to_be_visible()
    expect(page.locator("article.product-card")).to_have_count(1)
    page.get_by_role("link", name="Cast Iron Skillet").click()
    expect(page.get_by_role("heading", name="Cast Iron Skillet", level=1)).to_be_visible()
    page.get_by_role("button", name="Increase quantity").click()
    expect(page.get_by_role("spinbutton", name="Quantity")).to_have_value("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(
        page.get_by_role("status").filter(has_text="Added 2 × Cast Iron Skillet")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Cart, 2 items")).to_be_visible()

    # The cart: change the quantity, see the totals follow.
    page.get_by_role("link", name="Cart, 2 items").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.get_by_test_id("order-total")).to_have_text("$89.90")
    page.get_by_role("button", name="Decrease quantity of cast iron skillet").click()
    expect(page.get_by_test_id("order-total")).to_have_text("$44.95")
    expect(page.get_by_role("link", name="Cart, 1 item")).to_be_visible()
    pages.screenshot(page, "cart")

    # Checkout with the test card that is approved.
    page.get_by_role("link", name="Proceed to checkout").click()
    expect(page.get_by_label("Visa ending 4242")).to_be_checked()
    page.get_by_role("button", name="Place order · $44.95").click()
    expect(page.get_by_text("Thank you for your order!")).to_be_visible()
    expect(page.locator(".order-status [data-status]")).to_have_attribute("data-status", "paid")
    order_id = re.search(r"/orders/(\d+)", page.url).group(1)  # type: ignore[union-attr]
    expect(page.get_by_role("heading", name=f"Order #{order_id}")).to_be_visible()
    pages.screenshot(page, "confirmation")
    expect(page.get_by_role("link", name="Cart, 0 items")).to_be_visible()  # emptied

    # Order history lists it, paid.
    page.get_by_role("link", name="Orders", exact=True).click()
    row = page.locator(f'[data-order-id="{order_id}"]')
    expect(row).to_contain_text(f"Order #{order_id}")
    expect(row).to_contain_text("Cast Iron Skillet")
    expect(row.locator("[data-status]")).to_have_text("Paid")


def test_catalog_filters_sort_pages_and_empty_results(shop: Shop, pages: Pages) -> None:
    page = pages.new()
    page.goto("/")
    books = page.get_by_role("radio", name="Books")
    books.click()  # the router applies it in a transition: the radio is checked a moment later
    expect(books).to_be_checked()
    expect(page).to_have_url(re.compile(r"category=Books"))
    expect(page.get_by_role("heading", name="Books", level=1)).to_be_visible()
    expect(page.locator("article.product-card")).to_have_count(3)

    page.get_by_label("Min ($)").fill("40")
    page.get_by_role("button", name="Apply price").click()
    expect(page.locator("article.product-card")).to_have_count(2)
    page.get_by_label("Sort by").select_option("-price")
    names = page.locator("article.product-card h3")
    expect(names).to_have_text(
        ["Designing Data-Intensive Applications", "The Pragmatic Programmer"]
    )
    page.get_by_label("Sort by").select_option("price")
    expect(names).to_have_text(
        ["The Pragmatic Programmer", "Designing Data-Intensive Applications"]
    )

    # A range the other way round is explained, not sent.
    page.get_by_label("Max ($)").fill("10")
    expect(page.get_by_text("The minimum price is above the maximum.")).to_be_visible()
    expect(page.get_by_role("button", name="Apply price")).to_be_disabled()

    # Back to everything: two pages, the second starts where the first ended.
    page.get_by_role("button", name="Clear all filters").click()
    expect(page.locator("article.product-card")).to_have_count(12)
    first_page = page.locator("article.product-card h3").all_inner_texts()
    page.get_by_role("navigation", name="Product pages").get_by_role("button", name="Next").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_text("Page 2")).to_be_visible()
    expect(page.locator(".catalog-results")).to_have_attribute("aria-busy", "false")
    expect(page.get_by_text(re.compile(r"Showing 13–"))).to_be_visible()
    second_page = page.locator("article.product-card h3").all_inner_texts()
    assert len(second_page) >= 4
    assert not set(first_page) & set(second_page)

    # Nothing found: an empty state that offers a way back.
    search = page.get_by_role("searchbox", name="Search products")
    search.fill("no-such-thing-anywhere")
    search.press("Enter")
    expect(page.get_by_role("heading", name="No products match")).to_be_visible()
    page.get_by_role("link", name="Show all products").click()
    expect(page.locator("article.product-card")).to_have_count(12)


def test_a_declined_card_is_explained_and_the_order_can_be_paid_again(
    shop: Shop, pages: Pages, console: Console
) -> None:
    console.expect_http_error(400, "/payment")  # the declined charge, shown to the shopper
    email = unique_email("declined")
    shop.customer(email)
    page = pages.new()
    sign_in(page, email, PASSWORD)
    product_card(page, "French Press").get_by_role(
        "button", name="Add French Press to cart"
    ).click()
    expect(page.get_by_role("link", name="Cart, 1 item")).to_be_visible()
    page.goto("/checkout")
    page.get_by_label("Visa ending 0002").check()
    page.get_by_role("button", name="Place order · $32.00").click()

    alert = page.get_by_role("alert").filter(has_text="Payment declined")
    expect(alert).to_contain_text("Your payment was declined by the card issuer")
    expect(alert).to_contain_text("No money was taken")
    expect(alert).to_contain_text(re.compile(r"reserved in order #\d+"))
    pages.screenshot(page, "declined")

    page.get_by_label("Visa ending 4242").check()
    page.get_by_role("button", name="Pay $32.00").click()
    expect(page.get_by_text("Thank you for your order!")).to_be_visible()
    expect(page.locator(".order-status [data-status]")).to_have_attribute("data-status", "paid")


def test_running_out_of_stock_is_explained(shop: Shop, pages: Pages, console: Console) -> None:
    console.expect_http_error(400, "/items")  # add to cart: not enough stock
    console.expect_http_error(409, "/api/order/orders")  # checkout: sold out meanwhile
    name = unique("Last Lantern")
    product_id = shop.product(name, 15, stock=1)
    email = unique_email("stock")
    shop.customer(email)
    page = pages.new()
    sign_in(page, email, PASSWORD, f"/products/{product_id}")
    expect(page.get_by_text("Only 1 left")).to_be_visible()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("link", name="Cart, 1 item")).to_be_visible()

    # Someone else buys the last one.
    other_id, other_token = shop.customer(unique_email("rival"))
    shop.paid_order(other_id, other_token, product_id)

    page.get_by_role("button", name="Add to cart").click()  # the page still shows 1 left
    expect(
        page.get_by_role("status").filter(has_text="there isn't enough stock for that quantity")
    ).to_be_visible()

    page.goto("/checkout")
    page.get_by_role("button", name="Place order · $15.00").click()
    alert = page.get_by_role("alert").filter(has_text="Out of stock")
    expect(alert).to_contain_text("no longer in stock")
    expect(alert.get_by_role("link", name="Review your cart")).to_be_visible()
    pages.screenshot(page, "sold-out")


def test_an_expired_session_asks_to_sign_in_again(
    shop: Shop, pages: Pages, console: Console
) -> None:
    console.expect_http_error(401, "/api/")  # the services refuse the spoilt token
    email = unique_email("expired")
    shop.customer(email)
    page = pages.new()
    sign_in(page, email, PASSWORD, "/orders")
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()

    # The token's signature no longer verifies (as after a key rotation): every call is 401.
    page.evaluate(
        """() => {
          const token = localStorage.getItem('ecart.session');
          const tail = token.endsWith('AAAA') ? 'BBBB' : 'AAAA';
          localStorage.setItem('ecart.session', token.slice(0, -4) + tail);
        }"""
    )
    page.reload()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Forders$"))
    expect(page.get_by_text("Your session has expired. Please sign in again.")).to_be_visible()
    pages.screenshot(page, "session-expired")

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your orders")).to_be_visible()


def test_the_storefront_fits_a_phone(shop: Shop, pages: Pages) -> None:
    page = pages.new(width=390, height=844)
    page.goto("/")
    expect(page.locator("article.product-card").first).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.get_by_role("searchbox", name="Search products")).to_be_visible()
    pages.screenshot(page, "phone")
    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
