"""A steady checkout load from the bench generator (`bench.load.open_loop`, open mode: one
operation started every 1/rate s whatever the shop does), run in the background while a
fault is applied, then awaited: counts of successes and of errors by kind.

The operation is bench's `checkout` (a fresh customer adds one product to the cart, `POST
/orders`, `POST /orders/{id}/payment`) with each step's answer recorded, so an error says
which step failed and how (`pay:503`, `order:transport`…); every `abandon_every`-th buyer
stops after the order (never pays: its reservation must expire). Reads (`browse`) can be
mixed in with `browse_every`.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bench.load import open_loop
from bench.scenarios import World


@dataclass(frozen=True)
class Call:
    step: str  # "cart", "order", "pay", "browse"
    at: float  # seconds since the load started
    status: int  # 0: no answer (refused, reset, timed out)
    seconds: float


@dataclass
class Tally:
    operations: int = 0
    succeeded: int = 0
    paid_orders: list[int] = field(default_factory=list)
    abandoned_orders: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    @property
    def errors(self) -> Counter[str]:
        kinds: Counter[str] = Counter()
        for call in self.calls:
            if call.status >= 400 or call.status == 0:
                kinds[f"{call.step}:{call.status or 'transport'}"] += 1
        return kinds

    def describe_errors(self) -> str:
        errors = self.errors
        return ", ".join(f"{k}={v}" for k, v in sorted(errors.items())) or "none"


@dataclass
class CheckoutLoad:
    world: World
    rate: float
    duration: float
    abandon_every: int = 0  # every n-th buyer orders and never pays (0: none)
    browse_every: int = 0  # every n-th operation is a product page read instead (0: none)
    tally: Tally = field(default_factory=Tally)
    _task: asyncio.Task[tuple[list[float], int, float, float]] | None = None
    _t0: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.rate:g}/s x {self.duration:g} s"

    def start(self) -> CheckoutLoad:
        self._t0 = time.perf_counter()
        self._task = asyncio.create_task(
            open_loop(self.op, rate=self.rate, duration=self.duration, grace=60)
        )
        return self

    def elapsed(self) -> float:
        return time.perf_counter() - self._t0

    async def wait(self) -> Tally:
        assert self._task is not None, "start() first"
        await self._task
        return self.tally

    async def _call(
        self,
        step: str,
        method: str,
        service: str,
        path: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        started = time.perf_counter()
        status, body = await self.world.client.request(
            method, self.world.url(service, path), json=json, headers=headers
        )
        self.tally.calls.append(
            Call(step, started - self._t0, status, time.perf_counter() - started)
        )
        return status, body

    async def op(self, i: int) -> bool:
        self.tally.operations += 1
        ok = await (self._browse(i) if self._is_browse(i) else self._checkout(i))
        self.tally.succeeded += ok
        return ok

    def _is_browse(self, i: int) -> bool:
        return bool(self.browse_every) and i % self.browse_every == 0

    async def _browse(self, i: int) -> bool:
        product = self.world.checkout_products[i % len(self.world.checkout_products)]
        status, _ = await self._call("browse", "GET", "catalog", f"/products/{product}")
        return status == 200

    async def _checkout(self, i: int) -> bool:
        world = self.world
        user = f"res-buyer-{world.run_id}-{i}"
        headers = world.shop.bearer(user)
        line = {
            "product_id": world.checkout_products[i % len(world.checkout_products)],
            "quantity": 1,
        }
        status, _ = await self._call(
            "cart", "POST", "cart", f"/cart/{user}/items", json=line, headers=headers
        )
        if status != 200:
            return False
        status, order = await self._call(
            "order", "POST", "order", "/orders", json={"user_id": user}, headers=headers
        )
        if status != 201 or not isinstance(order, dict):
            return False
        if self.abandon_every and i % self.abandon_every == 0:
            self.tally.abandoned_orders.append(int(order["id"]))
            return True
        status, paid = await self._call(
            "pay", "POST", "order", f"/orders/{order['id']}/payment", headers=headers
        )
        if status == 200 and isinstance(paid, dict) and paid.get("status") == "paid":
            self.tally.paid_orders.append(int(order["id"]))
            return True
        return False
