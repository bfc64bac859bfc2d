"""The background task that expires overdue reservations (their stock returns)."""

from __future__ import annotations

import asyncio

import structlog

from ecart.inventory import service
from ecart.platform.http.app import ServiceContext

log = structlog.get_logger("ecart.inventory.sweeper")


async def sweep_forever(ctx: ServiceContext, interval_seconds: float) -> None:
    while True:
        try:
            expired = await service.expire_overdue(ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a failed sweep is retried on the next tick
            log.warning("expiry_sweep_failed", error=repr(exc))
        else:
            if expired:
                log.info("reservations_expired", count=expired)
        await asyncio.sleep(interval_seconds)
