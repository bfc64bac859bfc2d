"""The admin routes: who may call them, paging, errors."""

from __future__ import annotations

import pytest

from tests.conftest import Shop

SERVICES = ["users", "notifications"]
ROUTES = ["/notifications", "/notifications/dead-letters", "/notifications/1"]


@pytest.mark.parametrize("path", ROUTES)
async def test_only_admins_may_read_notifications(shop: Shop, path: str) -> None:
    _, customer = await shop.new_customer()
    anonymous = await shop.call("notifications", "GET", path)
    assert anonymous.status_code == 401
    assert set(anonymous.json()) == {"detail"}
    refused = await shop.call("notifications", "GET", path, customer)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Not allowed for your role"}
    admin = await shop.call("notifications", "GET", path, shop.admin_token)
    assert admin.status_code in (200, 404)


async def test_an_unknown_notification_is_404(shop: Shop) -> None:
    response = await shop.call("notifications", "GET", "/notifications/999999", shop.admin_token)
    assert response.status_code == 404
    assert response.json() == {"detail": "Notification not found"}


@pytest.mark.parametrize("params", [{"limit": 501}, {"limit": 0}, {"skip": -1}, {"status": "lost"}])
async def test_paging_is_bounded(shop: Shop, params: dict[str, object]) -> None:
    response = await shop.call(
        "notifications", "GET", "/notifications", shop.admin_token, params=params
    )
    assert response.status_code == 422
    assert "detail" in response.json()


async def test_notifications_can_be_filtered_by_status(shop: Shop) -> None:
    response = await shop.call(
        "notifications", "GET", "/notifications", shop.admin_token, params={"status": "failed"}
    )
    assert response.status_code == 200
    assert all(n["status"] == "failed" for n in response.json())
