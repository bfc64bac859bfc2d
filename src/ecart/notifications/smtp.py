"""Where e-mails go: an SMTP server (aiosmtplib) or, on the embedded default, `.eml` files."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class PermanentFailure(Exception):
    """The server refused the message for good: sending it again cannot help."""


class Transport(Protocol):
    async def send(self, message: EmailMessage, notification_id: int) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """`smtp://[user:pass@]host[:port]` (plain), `smtp+starttls://…` (STARTTLS, required),
        `smtps://…` (implicit TLS). Errors never repeat the URL (it may hold a password)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise ValueError("the SMTP URL must start with smtp://, smtp+starttls:// or smtps://")
        try:
            port = parts.port or _SCHEMES[scheme]
        except ValueError:
            raise ValueError("the SMTP URL has an invalid port") from None
        if not parts.hostname:
            raise ValueError("the SMTP URL names no host")
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=scheme == "smtps",
            start_tls=scheme == "smtp+starttls",
        )


class SmtpTransport:
    def __init__(self, target: SmtpTarget, *, timeout: float) -> None:
        self.target = target
        self.timeout = timeout

    async def send(self, message: EmailMessage, notification_id: int) -> None:
        t = self.target
        try:
            await aiosmtplib.send(
                message,
                hostname=t.hostname,
                port=t.port,
                username=t.username,
                password=t.password,
                use_tls=t.use_tls,
                start_tls=t.start_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if exc.recipients and all(r.code >= 500 for r in exc.recipients):
                raise PermanentFailure(str(exc)) from exc
            raise


class FileTransport:
    """The embedded default: each e-mail is `<dir>/<notification id>.eml`; sending one again
    overwrites its file, never adds a second one."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_of(self, notification_id: int) -> Path:
        return self.directory / f"{notification_id}.eml"

    async def send(self, message: EmailMessage, notification_id: int) -> None:
        await asyncio.to_thread(self._write, bytes(message), self.path_of(notification_id))

    def _write(self, data: bytes, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def transport_for(smtp_url: str, data_dir: Path, *, timeout: float) -> Transport:
    if smtp_url:
        return SmtpTransport(SmtpTarget.parse(smtp_url), timeout=timeout)
    return FileTransport(data_dir.resolve() / "notifications")
