"""Authorization: one table per service says who may call each route, and one dependency
enforces it on every route. The authorization-matrix test is generated from the same tables.

A rule names the roles that may call a route (none: public) and how ownership is checked:
- `path`: a customer's token subject must equal the route's `user_id` path parameter (else 403);
- `body`: the same for the `user_id` field of the body (checked by the route, which parses it);
- `resource`: the resource (order, payment) must belong to the customer (checked by the use
  case; someone else's resource is answered 404, as if it did not exist).
Admins and services are never subject to ownership.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request, Security
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials

from ecart.platform.auth import Principal, Role, authenticate, bearer_scheme

Ownership = Literal["none", "path", "body", "resource"]


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    owner: Ownership = "none"

    @property
    def public(self) -> bool:
        return not self.roles


PUBLIC = Rule(frozenset())


def allow(*roles: Role, owner: Ownership = "none") -> Rule:
    if not roles:
        raise ValueError("name at least one role (or use PUBLIC)")
    return Rule(frozenset(roles), owner)


Policy = Mapping[tuple[str, str], Rule]
"""(HTTP method, route path template) → rule."""


def rule_for(policy: Policy, request: Request) -> Rule:
    route = request.scope.get("route")
    method = "GET" if request.method == "HEAD" else request.method
    path = route.path if isinstance(route, APIRoute) else request.url.path
    rule = policy.get((method, path))
    if rule is None:  # validate_policy makes this unreachable for routes of the app
        raise HTTPException(403, "No authorization rule for this route")
    return rule


def enforcer(policy: Policy) -> Callable[..., Awaitable[None]]:
    async def enforce(
        request: Request,
        _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    ) -> None:
        rule = rule_for(policy, request)
        if rule.public:
            return
        principal = await authenticate(request)
        if principal.role not in rule.roles:
            raise HTTPException(403, "Not allowed for your role")
        if rule.owner == "path":
            ensure_self_or_privileged(principal, str(request.path_params.get("user_id", "")))

    return enforce


def ensure_self_or_privileged(principal: Principal, user_id: str) -> None:
    """A customer may act only on their own data (`user_id` must be the token's subject)."""
    if not principal.is_privileged and principal.subject != user_id:
        raise HTTPException(403, "You may only access your own data")


def apply_policy(routers: Sequence[APIRouter], policy: Policy) -> None:
    """Checks that every route has a rule and every rule a route (else the app does not
    start)."""
    routes: set[tuple[str, str]] = set()
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            keys = {(method, route.path) for method in (route.methods or set()) - {"HEAD"}}
            routes |= keys
    missing = sorted(routes - set(policy))
    extra = sorted(set(policy) - routes)
    if missing or extra:
        raise ValueError(f"authorization table: no rule for {missing}; no route for {extra}")


def document_policy(app: FastAPI, policy: Policy) -> None:
    """Public routes carry no security requirement in the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    rule = policy.get((method.upper(), path))
                    if rule is not None and rule.public:
                        operation.pop("security", None)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]
