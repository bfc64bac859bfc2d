"""The authorization matrix, generated from the services' authorization tables (policy.py):
every route × {anonymous, owner, another customer, admin, service} → the expected status.
A route without a rule fails here (and the service refuses to start)."""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from ecart.platform.authz import Policy, Rule
from ecart.registry import SERVICES
from tests.conftest import PASSWORD, Shop, unique_email

PERSONAS = ("anonymous", "other", "owner", "admin", "service")


def _policies() -> dict[str, Policy]:
    found = {}
    for name, spec in SERVICES.items():
        try:
            found[name] = importlib.import_module(f"{spec.module}.policy").POLICY
        except ModuleNotFoundError:
            continue  # no routes of its own to protect (the gateway)
    return found


POLICIES = _policies()
ROUTES = [
    (service, method, path)
    for service, policy in POLICIES.items()
    for (method, path) in sorted(policy)
]


@dataclass
class World:
    """Fresh resources for one route: an owner with a cart, an order, a payment, a
    reservation; another customer; tokens for every persona."""

    owner_id: str
    owner_email: str
    tokens: dict[str, str | None]
    params: dict[str, str]

    def path(self, template: str) -> str:
        return template.format(**self.params)


async def _world(shop: Shop) -> World:
    email = unique_email()
    owner_id, owner_token = await shop.new_customer(email)
    _, other_token = await shop.new_customer()
    service_token = await shop.service_token("order")
    product = await shop.new_product(stock=50)
    await shop.add_to_cart(owner_id, owner_token, product["id"], 1)
    order = await shop.call("order", "POST", "/orders", owner_token, json={"user_id": owner_id})
    assert order.status_code == 201, order.text
    await shop.add_to_cart(owner_id, owner_token, product["id"], 1)
    payment = await shop.call(
        "payment",
        "POST",
        "/payments",
        service_token,
        json={"order_id": order.json()["id"], "amount": 10, "user_id": owner_id},
    )
    reservation_id = str(uuid.uuid4())
    reserved = await shop.call(
        "inventory",
        "POST",
        "/reservations",
        service_token,
        json={
            "reservation_id": reservation_id,
            "lines": [{"product_id": product["id"], "quantity": 1}],
        },
    )
    assert reserved.status_code == 201, reserved.text
    return World(
        owner_id=owner_id,
        owner_email=email,
        tokens={
            "anonymous": None,
            "owner": owner_token,
            "other": other_token,
            "admin": shop.admin_token,
            "service": service_token,
        },
        params={
            "user_id": owner_id,
            "product_id": str(product["id"]),
            "order_id": str(order.json()["id"]),
            "payment_id": payment.json()["id"],
            "reservation_id": reservation_id,
            "notification_id": "1",
        },
    )


def _request(world: World, method: str, path: str) -> dict[str, Any]:
    """A valid request for the route (so an allowed caller gets past validation)."""
    product_id = int(world.params["product_id"])
    line = {"product_id": product_id, "quantity": 1}
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/auth/register"): {
            "json": {"email": unique_email(), "password": PASSWORD, "name": "M"}
        },
        ("POST", "/auth/token"): {"data": {"username": world.owner_email, "password": PASSWORD}},
        ("POST", "/products"): {"json": {"name": "Matrix", "price": 1, "stock": 1}},
        ("PUT", "/products/{product_id}"): {"json": {"price": 12}},
        ("PUT", "/stock/{product_id}"): {"json": {"available": 40}},
        ("POST", "/reservations"): {"json": {"reservation_id": str(uuid.uuid4()), "lines": [line]}},
        ("POST", "/cart/{user_id}/items"): {"json": line},
        ("PUT", "/cart/{user_id}/items/{product_id}"): {"params": {"quantity": 1}},
        ("POST", "/cart/{user_id}/checkout-clear"): {"json": {"items": [line]}},
        ("POST", "/orders"): {"json": {"user_id": world.owner_id}},
        ("PUT", "/orders/{order_id}/status"): {"json": {"status": "cancelled"}},
        ("POST", "/orders/{order_id}/payment"): {"json": {"payment_method": "pm_card_declined"}},
        ("POST", "/payments"): {
            "json": {
                "order_id": int(world.params["order_id"]),
                "amount": 1,
                "user_id": world.owner_id,
            }
        },
    }
    return bodies.get((method, path), {})


def expected(rule: Rule, persona: str) -> str:
    """'401', '403', '404', or 'allowed' (anything but 401/403, and not 404 on a resource)."""
    if rule.public:
        return "allowed"
    if persona == "anonymous":
        return "401"
    role = {"other": "customer", "owner": "customer"}.get(persona, persona)
    if role not in rule.roles:
        return "403"
    if persona == "other" and rule.owner in ("path", "body"):
        return "403"
    if persona == "other" and rule.owner == "resource":
        return "404"
    return "allowed"


@pytest.mark.parametrize(("service", "method", "path"), ROUTES)
async def test_authorization_matrix(shop: Shop, service: str, method: str, path: str) -> None:
    """One world per route; the personas call in turn (the owner and admin last, as their
    calls may change the world)."""
    rule = POLICIES[service][(method, path)]
    world = await _world(shop)
    wrong: list[str] = []
    for persona in PERSONAS:
        response = await shop.call(
            service,
            method,
            world.path(path),
            world.tokens[persona],
            **_request(world, method, path),
        )
        want = expected(rule, persona)
        if want == "allowed":
            refused = {401, 403} | ({404} if rule.owner == "resource" else set())
            ok = response.status_code not in refused and response.status_code < 500
        else:
            ok = response.status_code == int(want)
        if not ok:
            wrong.append(f"{persona}: expected {want}, got {response.status_code} {response.text}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("service", sorted(POLICIES))
def test_every_route_has_a_rule(service: str) -> None:
    app = SERVICES[service].app_factory()(SERVICES[service].settings(data_dir="/nonexistent"))
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
        if path not in ("/health", "/ready")
    }
    assert documented == set(POLICIES[service])
