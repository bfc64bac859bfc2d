"""The shop's admin in the browser: products, the live dashboard, moving orders through the
state machine (ship, refund), the e-mails sent; and who may open the admin pages at all."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Console, Pages, Shop
from tests.browser.helpers import sign_in, unique, unique_email
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]
LIVE = 12_000  # ms: the admin and order pages refresh every 5 s


def _stat(page: Page, test_id: str) -> int:
    return int(page.get_by_test_id(test_id).locator(".stat-value").inner_text())


def _order_row(page: Page, order_id: int) -> Locator:
    return page.get_by_test_id("admin-orders").locator(f'tr[data-order-id="{order_id}"]')


def test_admin_creates_a_product_ships_an_order_and_sees_the_dashboard_update(
    shop: Shop, pages: Pages
) -> None:
    # Some history, so the dashboard has something to show.
    for product, quantity, pay in (
        ("Monitor", 1, True),
        ("Yoga Mat", 2, True),
        ("Mouse", 1, False),
    ):
        customer_id, token = shop.customer(unique_email("regular"), name="Regular Customer")
        shop.paid_order(customer_id, token, shop.product_id(product), quantity, pay=pay)
    page = pages.new(width=1440, height=1000)
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/admin")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()

    # Create a product through the form.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Products").click()
    page.get_by_role("link", name="New product").click()
    name = unique("Trail Lantern")
    page.get_by_role("button", name="Create product").click()  # empty: explained, not sent
    expect(page.get_by_text("Enter a name.")).to_be_visible()
    expect(page.get_by_text("Enter a price above 0")).to_be_visible()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Rechargeable, 300 lumens, rain-proof")
    page.get_by_label("Price ($)").fill("34.50")
    page.get_by_label("Stock").fill("7")
    page.get_by_label("Category").fill("Sports & Outdoors")
    page.get_by_role("button", name="Create product").click()
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    row = page.get_by_test_id("admin-products").locator("tr").filter(has_text=name)
    expect(row).to_contain_text("$34.50")
    product_id = int(row.get_attribute("data-product-id") or 0)

    # Stock straight from the table.
    row.get_by_label(f"Stock of {name}").fill("9")
    row.get_by_role("button", name="Set").click()
    expect(page.get_by_role("status").filter(has_text=f"Stock of {name} set to 9")).to_be_visible()
    with shop.api() as http:
        assert http.get(f"/catalog/products/{product_id}").json()["stock"] == 9

    # The dashboard, then a customer buys the new product: it shows up without a reload.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_test_id("stat-orders")).to_be_visible()
    orders_before = _stat(page, "stat-orders")
    to_fulfil_before = _stat(page, "stat-to-ship")
    customer_email = unique_email("buyer")
    customer_id, token = shop.customer(customer_email, name="Grace Buyer")
    order_id = shop.paid_order(customer_id, token, product_id, quantity=2)
    expect(page.get_by_test_id("stat-orders").locator(".stat-value")).to_have_text(
        str(orders_before + 1), timeout=LIVE
    )
    expect(page.get_by_test_id("stat-to-ship").locator(".stat-value")).to_have_text(
        str(to_fulfil_before + 1), timeout=LIVE
    )
    recent = page.get_by_test_id("recent-orders").locator(f'tr[data-order-id="{order_id}"]')
    expect(recent).to_contain_text("$69.00", timeout=LIVE)
    expect(recent).to_contain_text("Paid")
    pages.screenshot(page, "dashboard", docs="admin-dashboard")

    # The customer follows the order on their own page while the admin ships it.
    customer = pages.new()
    sign_in(customer, customer_email, PASSWORD, f"/orders/{order_id}")
    status = customer.locator(".order-status [data-status]")
    expect(status).to_have_text("Paid")

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Orders").click()
    page.get_by_label("Status").select_option("paid")
    expect(page).to_have_url(re.compile(r"status=paid"))
    row = _order_row(page, order_id)
    expect(row).to_contain_text("Grace Buyer")
    row.get_by_role("button", name="Start processing").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Order #{order_id}: Processing")
    ).to_be_visible()
    expect(row).to_have_count(0)  # it left the "paid" filter
    page.get_by_label("Status").select_option("processing")
    row = _order_row(page, order_id)
    row.get_by_role("button", name="Mark shipped").click()
    expect(row).to_have_count(0)
    page.get_by_label("Status").select_option("")
    row = _order_row(page, order_id)
    expect(row.locator("[data-status]")).to_have_text("Shipped")
    expect(row.get_by_role("button", name="Mark delivered")).to_be_visible()
    expect(row.get_by_role("button", name="Refund")).to_have_count(0)  # not after shipping
    pages.screenshot(page, "orders")

    expect(status).to_have_text("Shipped", timeout=LIVE)  # live on the customer's page
    pages.screenshot(customer, "customer-sees-shipped")

    # The e-mails sent for it, among them the shipping notice.
    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Notifications").click()
    shipped = page.get_by_role("button", name=f"Your order #{order_id} has shipped")
    expect(shipped).to_be_visible(timeout=LIVE)
    shipped.click()
    detail = page.get_by_role("region", name=f"Your order #{order_id} has shipped")
    expect(detail).to_contain_text(customer_email)
    expect(detail).to_contain_text("Good news: your order is on its way.")
    pages.screenshot(page, "notifications")


def test_admin_refunds_a_paid_order_and_deletes_a_product(shop: Shop, pages: Pages) -> None:
    name = unique("Refundable Kettle")
    product_id = shop.product(name, 40, stock=5)
    customer_id, token = shop.customer(unique_email("refund"))
    order_id = shop.paid_order(customer_id, token, product_id)

    page = pages.new()
    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD, "/admin/orders")
    row = _order_row(page, order_id)
    expect(row.locator("[data-status]")).to_have_text("Paid")
    row.get_by_role("button", name="Refund").click()
    expect(row.locator("[data-status]")).to_have_text("Refunded")
    expect(row).to_contain_text("No actions")
    with shop.api() as http:
        assert http.get(f"/inventory/stock/{product_id}").json()["available"] == 5  # returned

    page.goto(f"/admin/products?q={name}")
    product_row = page.get_by_test_id("admin-products").locator(
        f'tr[data-product-id="{product_id}"]'
    )
    product_row.get_by_role("button", name=f"Delete {name}").click()
    product_row.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_role("heading", name="No products match")).to_be_visible()
    with shop.api() as http:
        assert http.get(f"/catalog/products/{product_id}").status_code == 404


def test_customers_get_a_not_authorised_page_for_every_admin_page(shop: Shop, pages: Pages) -> None:
    email = unique_email("curious")
    _, token = shop.customer(email)
    page = pages.new()
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)
    for path in ("/admin", "/admin/orders", "/admin/products/new", "/admin/notifications"):
        page.goto(path)
        expect(page.get_by_role("heading", name="Not authorised")).to_be_visible()
        expect(page.get_by_role("navigation", name="Admin")).to_have_count(0)
    pages.screenshot(page, "not-authorised")
    # The services refuse the same customer too (the page is a courtesy, not the lock).
    with httpx.Client(base_url=f"{shop.base}/api", timeout=10) as http:
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get("/order/orders/stats", headers=headers).status_code == 403
        assert http.get("/order/orders", headers=headers).status_code == 403
        assert http.get("/notifications/notifications", headers=headers).status_code == 403


def test_visitors_sign_in_first_and_admins_land_where_they_were_going(
    shop: Shop, pages: Pages, console: Console
) -> None:
    console.expect_http_error(401, "/auth/token")  # the wrong password, shown to the person
    page = pages.new()
    page.goto("/admin/orders?status=paid")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fadmin%2Forders%3Fstatus%3Dpaid$"))
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password", exact=True).fill("not-the-password-at-all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Incorrect email or password")
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    expect(page.get_by_label("Status")).to_have_value("paid")
