"""users routes: register, token (password and client-credentials grants), me, JWKS."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field

from ecart.platform.auth import CurrentPrincipal
from ecart.platform.http.app import Ctx
from ecart.platform.http.openapi import errors
from ecart.platform.ratelimit import client_address, rate_limit
from ecart.users import service
from ecart.users.config import UsersSettings
from ecart.users.domain import WeakPassword, normalize_email

router = APIRouter()


def _settings(ctx: Ctx) -> UsersSettings:
    return cast(UsersSettings, ctx.settings)


SettingsDep = Annotated[UsersSettings, Depends(_settings)]

LOGIN_FAILED = {"detail": "Incorrect email or password"}
TOO_MANY_LOGINS = "Too many failed logins for this account; try again later"


class RegisterIn(BaseModel):
    email: EmailStr = Field(max_length=320)
    password: str = Field(max_length=1024)
    name: str = Field(min_length=1, max_length=100)


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    created_at: datetime


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int


def _user_out(row: Any) -> UserOut:
    return UserOut(
        id=str(row.id), email=row.email, name=row.name, role=row.role, created_at=row.created_at
    )


@router.post(
    "/auth/register",
    status_code=201,
    response_model=UserOut,
    tags=["auth"],
    responses=errors(409, 429),
)
async def register(body: RegisterIn, ctx: Ctx, settings: SettingsDep, request: Request) -> UserOut:
    """Create a customer account (a `role` in the body is ignored)."""
    address = client_address(request, settings.trusted_proxies)
    await ctx.rate_limits.hit(
        rate_limit(settings.register_rate_limit),
        "register",
        address,
        detail="Too many registrations from this address; try again later",
    )
    if not body.name.strip():
        raise HTTPException(422, "Invalid request: name: must not be blank")
    try:
        row = await service.register(
            ctx, email=str(body.email), password=body.password, name=body.name
        )
    except WeakPassword as exc:
        raise HTTPException(422, str(exc)) from exc
    except service.EmailTaken:
        raise HTTPException(409, "Email already registered") from None
    return _user_out(row)


@router.post("/auth/token", response_model=TokenOut, tags=["auth"], responses=errors(400, 401, 429))
async def token(
    ctx: Ctx,
    settings: SettingsDep,
    grant_type: Annotated[str | None, Form()] = None,
    username: Annotated[str | None, Form(max_length=320)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=1024)] = None,
) -> TokenOut | JSONResponse:
    """OAuth2 token endpoint: `password` grant (username = e-mail) for people,
    `client_credentials` for services."""
    ring = ctx.state["keyring"]
    if grant_type == "client_credentials":
        issued = service.service_token(ring, settings, client_id or "", client_secret or "")
        if issued is None:
            return JSONResponse({"detail": "Invalid client credentials"}, status_code=401)
        return TokenOut(access_token=issued[0], expires_in=issued[1])
    if grant_type not in (None, "", "password"):
        raise HTTPException(400, "Unsupported grant_type (use password or client_credentials)")
    if username is None or password is None:
        raise HTTPException(422, "Invalid request: username and password are required")
    failures = rate_limit(settings.login_failure_limit)
    account = normalize_email(username)
    await ctx.rate_limits.check(failures, "login-failed", account, detail=TOO_MANY_LOGINS)
    row = await service.authenticate(ctx, username, password)
    if row is None:
        await ctx.rate_limits.hit(failures, "login-failed", account, detail=TOO_MANY_LOGINS)
        return JSONResponse(LOGIN_FAILED, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    access, ttl = service.user_token(ring, settings, row)
    return TokenOut(access_token=access, expires_in=ttl)


@router.get("/users/me", response_model=UserOut, tags=["users"], responses=errors(404))
async def me(principal: CurrentPrincipal, ctx: Ctx) -> UserOut:
    row = await service.find_by_id(ctx, principal.subject)
    if row is None:
        raise HTTPException(404, "User not found")
    return _user_out(row)


@router.get("/users", response_model=list[UserOut], tags=["users"])
async def list_users(
    ctx: Ctx,
    skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[UserOut]:
    """All accounts (admin)."""
    return [_user_out(row) for row in await service.list_users(ctx, skip, limit)]


@router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(ctx: Ctx) -> dict[str, Any]:
    """The public keys every service verifies tokens with."""
    result: dict[str, Any] = ctx.state["keyring"].jwks()
    return result
