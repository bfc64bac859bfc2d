"""Token verification: every service checks bearer tokens locally against the users service's
JWKS (cached, refreshed on an unknown `kid`), and turns them into a `Principal`."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Protocol

import httpx
import jwt
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ecart.platform.logs import user_id_var

Role = Literal["customer", "admin", "service"]
ROLES: tuple[Role, ...] = ("customer", "admin", "service")
ALGORITHM = "EdDSA"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: Role
    email: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_privileged(self) -> bool:
        """Admins and services act on any user's data."""
        return self.role in ("admin", "service")


class InvalidToken(Exception):
    pass


class KeySource(Protocol):
    async def key(self, kid: str) -> Any | None: ...


class JwksKeySource:
    """Public keys fetched from `<users_url>/.well-known/jwks.json` and cached; an unknown
    `kid` triggers a refresh at most once every `min_refresh_seconds` (key rotation)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        jwks_url: str,
        *,
        min_refresh_seconds: float = 5.0,
        max_age_seconds: float = 300.0,
    ) -> None:
        self.http = http
        self.jwks_url = jwks_url
        self.min_refresh_seconds = min_refresh_seconds
        self.max_age_seconds = max_age_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> Any | None:
        """The public key with that id. The set is re-read when it is older than
        `max_age_seconds` (so a retired key stops working) or when a `kid` is unknown (so a
        new key works at once), never more often than every `min_refresh_seconds`."""
        if kid in self._keys and not self._stale():
            return self._keys[kid]
        async with self._lock:
            if (kid not in self._keys or self._stale()) and self._may_refresh():
                await self._refresh()
        return self._keys.get(kid)

    def _stale(self) -> bool:
        return time.monotonic() - self._fetched_at >= self.max_age_seconds

    def _may_refresh(self) -> bool:
        return time.monotonic() - self._fetched_at >= self.min_refresh_seconds

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            response = await self.http.get(self.jwks_url, timeout=5.0)
            response.raise_for_status()
            keys = response.json().get("keys", [])
        except (httpx.HTTPError, ValueError):
            return
        fresh: dict[str, Any] = {}
        for jwk in keys:
            try:
                fresh[jwk["kid"]] = jwt.PyJWK(jwk).key
            except (KeyError, jwt.PyJWKError):
                continue
        self._keys = fresh


class TokenVerifier:
    def __init__(self, keys: KeySource, *, audience: str, issuer: str) -> None:
        self.keys = keys
        self.audience = audience
        self.issuer = issuer

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        kid = header.get("kid")
        if header.get("alg") != ALGORITHM or not isinstance(kid, str):
            raise InvalidToken("unsupported token")
        key = await self.keys.key(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        role = claims.get("role")
        if role not in ROLES:
            raise InvalidToken("unknown role")
        return Principal(subject=str(claims["sub"]), role=role, email=claims.get("email"))


bearer_scheme = HTTPBearer(auto_error=False, description="A token from the users service")


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def authenticate(request: Request) -> Principal:
    """The caller's verified principal (verified once per request, then remembered)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Not authenticated")
    verifier: TokenVerifier = request.app.state.ctx.verifier
    try:
        principal = await verifier.verify(token.strip())
    except InvalidToken:
        raise _unauthorized("Invalid or expired token") from None
    request.state.principal = principal
    user_id_var.set(principal.subject)  # for the request's log lines
    return principal


async def current_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
) -> Principal:
    return await authenticate(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
