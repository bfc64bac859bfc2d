"""Failures that say "not now" rather than "never": the database restarting or out of
connections, another service unreachable. An HTTP request answers them 503 with
`Retry-After`; a consumer keeps retrying the event instead of dead-lettering it."""

from __future__ import annotations

import sqlalchemy.exc


class ServiceUnavailable(Exception):
    """A dependency (another service, the database) cannot answer now → 503."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# The database could not be reached or answered "not now" (a restart, a lost connection,
# an exhausted pool, a locked SQLite file): any driver error but those that mean a bug in the
# query or its data.
DATABASE_UNAVAILABLE = (sqlalchemy.exc.DBAPIError, sqlalchemy.exc.TimeoutError, ConnectionError)
DATABASE_BUGS = (
    sqlalchemy.exc.IntegrityError,
    sqlalchemy.exc.DataError,
    sqlalchemy.exc.ProgrammingError,
    sqlalchemy.exc.NotSupportedError,
)


def is_transient(exc: BaseException) -> bool:
    """True when retrying later may succeed with nothing changed (see the module doc)."""
    if isinstance(exc, DATABASE_BUGS):
        return False
    return isinstance(exc, (*DATABASE_UNAVAILABLE, ServiceUnavailable, OSError, TimeoutError))
