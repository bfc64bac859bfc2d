"""Structured logging (structlog): one JSON object per line, carrying the request id."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import structlog
from opentelemetry import trace

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
# The authenticated caller (token subject): the only personal data a log line carries.
user_id_var: ContextVar[str] = ContextVar("user_id", default="")
_configured = False
_QUIET = (
    "alembic",
    "uvicorn.access",
    "httpx",
    "httpcore",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "multipart",
    "python_multipart",
    "aiosmtplib",
    "mail.log",
)


def _add_request_id(
    _logger: object, _name: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    rid = request_id_var.get()
    if rid:
        event.setdefault("request_id", rid)
    user_id = user_id_var.get()
    if user_id:
        event.setdefault("user_id", user_id)
    return event


def _add_trace_ids(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """The current span's trace and span ids (W3C hex), so a log line leads to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """structlog for our own loggers, and the same renderer for the standard library's
    (uvicorn, alembic, SQLAlchemy), so every line on stdout is one JSON object."""
    global _configured
    if _configured:
        return
    _configured = True
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        _add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    numeric_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # DEBUG is for ecart's own (structlog) loggers only: libraries log SQL parameters,
    # form fields and SMTP conversations at DEBUG, which would put secrets in the logs.
    root.setLevel(max(numeric_level, logging.INFO))
    for noisy in _QUIET:
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
