"""The error answers in every service's OpenAPI document, so it describes what the service
really sends: every error is `{"detail": "<message>"}` (schema `Error`), a validation error adds
`errors` (schema `InvalidRequest`, replacing FastAPI's `HTTPValidationError`, which ecart never
sends). The platform's own answers are added to every operation (422 for bad parameters, 400 for
malformed JSON and 413 for a body over the limit where there is a body, 401/403 where a token is
required); a route declares the errors its use case gives with `responses=errors(404, 409)`."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

ERROR_REF = "#/components/schemas/Error"
INVALID_REF = "#/components/schemas/InvalidRequest"


class Error(BaseModel):
    """Every error answer: one clear message, no request data."""

    detail: str


class FieldError(BaseModel):
    loc: list[str]
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """422: what is wrong with the request; `errors` names each field when the request could
    not be parsed into the route's parameters."""

    detail: str
    errors: list[FieldError] | None = None


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status answered with an `Error` body."""
    return {
        status: {"model": Error, "description": HTTPStatus(status).phrase} for status in statuses
    }


_PLATFORM_ERRORS = {
    400: "Malformed JSON body",
    401: "Missing, invalid or expired token",
    403: "Not allowed for your role, or someone else's data",
    413: "Request body too large",
    503: "A service this one depends on (or its database) is unavailable; retry later",
}


def document_errors(app: FastAPI) -> None:
    """Adds the platform's error answers to the app's OpenAPI document (once, when first
    built). Run after `document_policy`: an operation that keeps a `security` requirement needs a
    token."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _add_errors(generate())
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    ref_template = "#/components/schemas/{model}"
    for model in (Error, InvalidRequest):
        definition = model.model_json_schema(ref_template=ref_template)
        components.update(definition.pop("$defs", {}))
        components[model.__name__] = definition
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            has_body = "requestBody" in operation
            if has_body or operation.get("parameters") or "422" in responses:
                responses["422"] = _response("Invalid request", INVALID_REF)
            needed = [400, 413] if has_body else []
            if operation.get("security"):
                needed += [401, 403]
            needed.append(503)
            for status in needed:
                responses.setdefault(str(status), _response(_PLATFORM_ERRORS[status], ERROR_REF))
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def _response(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}
