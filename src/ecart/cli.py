"""`ecart up | serve | migrate | seed | makemigration`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ecart.local import LocalPlatform, PortInUse
from ecart.platform import migrations
from ecart.platform.bus import BusUnavailable
from ecart.platform.db import Database
from ecart.platform.settings import PlatformSettings, ServiceSettings
from ecart.registry import SERVICES

app = typer.Typer(help="ecart: a cloud-native e-commerce platform.", no_args_is_help=True)
console = Console(stderr=True)

ServicesOpt = Annotated[
    list[str] | None, typer.Argument(help="services (default: all)", show_default=False)
]


def _check(names: list[str] | None) -> list[str]:
    chosen = names or list(SERVICES)
    unknown = [n for n in chosen if n not in SERVICES]
    if unknown:
        raise typer.BadParameter(f"unknown service(s): {', '.join(unknown)}")
    return chosen


def _run_platform(names: list[str]) -> None:
    # Every service still listens on its own port; calls between the services of this
    # process skip the loopback socket (same HTTP semantics, timeouts included), and calls
    # to any other address go over sockets.
    platform = LocalPlatform(names, in_process=True, sockets_for_others=True)
    table = Table("service", "url", "docs", title="ecart")
    for name, settings in platform.settings.items():
        url = f"http://{settings.host}:{settings.port}"
        table.add_row(name, url, f"{url}/docs")
    console.print(table)
    console.print("Press Ctrl-C to stop.")
    try:
        asyncio.run(platform.serve())
    except (PortInUse, BusUnavailable) as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc


@app.command()
def up(services: ServicesOpt = None) -> None:
    """Run the whole platform in one process (SQLite, in-process event bus, demo data)."""
    _run_platform(_check(services))


@app.command()
def serve(service: Annotated[str, typer.Argument(help="the service to run")]) -> None:
    """Run one service: what a container runs."""
    _run_platform(_check([service]))


@app.command()
def migrate(services: ServicesOpt = None) -> None:
    """Apply each service's migrations to its database."""

    async def run() -> None:
        for name in _check(services):
            spec = SERVICES[name]
            if not spec.database:
                continue  # the gateway: nothing to migrate
            settings: ServiceSettings = spec.settings()
            db = Database(settings.database_url)
            try:
                await migrations.upgrade(db, spec.migrations_dir)
                console.print(f"{name}: at {await migrations.current_revision(db)}")
            finally:
                await db.dispose()

    asyncio.run(run())


@app.command()
def seed() -> None:
    """Seed the demo catalog and stock (no-op when the catalog already has products)."""

    from ecart.catalog.seed import seed_demo_catalog

    async def run() -> None:
        # Seeding goes through catalog's use case, which sets stock through inventory.
        platform = LocalPlatform(
            ["users", "inventory", "catalog"], in_process=True, common={"seed_demo_data": False}
        )
        async with platform.running():
            created = await seed_demo_catalog(platform.apps["catalog"].state.ctx)
        console.print(f"seeded {created} products")

    asyncio.run(run())


@app.command()
def makemigration(
    service: Annotated[str, typer.Argument(help="the service")],
    message: Annotated[str, typer.Option("-m", help="what the migration does")],
) -> None:
    """Autogenerate a migration from the service's tables (development)."""
    import tempfile

    from alembic import command

    spec = SERVICES[_check([service])[0]]
    if not spec.database:
        raise typer.BadParameter(f"{service} has no database")

    async def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{tmp}/scratch.db")
            try:
                await migrations.upgrade(db, spec.migrations_dir)
                config = migrations.alembic_config(spec.migrations_dir)

                def _revise(connection: object) -> None:
                    config.attributes["connection"] = connection
                    command.revision(config, message=message, autogenerate=True)

                async with db.engine.begin() as conn:
                    await conn.run_sync(_revise)
            finally:
                await db.dispose()

    asyncio.run(run())


_SHOWN_DEFAULTS = {
    "database_url": "SQLite file in the data dir",
    "client_secret": "generated into the data dir (development)",
    "signing_key": "generated into the data dir (development)",
    "web_dir": "web/dist when built, else a built-in page",
}


def settings_reference() -> list[tuple[str, str, str]]:
    """(env var, default, description) of every setting: shared ones, then each service's."""
    rows = [
        (f"ECART_{name}".upper(), str(field.default), field.description or "")
        for name, field in PlatformSettings.model_fields.items()
    ]
    for spec in SERVICES.values():
        settings: PlatformSettings = spec.settings()
        prefix = str(settings.model_config.get("env_prefix", ""))
        for name, field in type(settings).model_fields.items():
            if name in PlatformSettings.model_fields:
                continue
            alias = field.validation_alias
            env = alias if isinstance(alias, str) else f"{prefix}{name}".upper()
            default = _SHOWN_DEFAULTS.get(name, str(getattr(settings, name)))
            if name == "admin_password":
                default = ""
            rows.append((env, default, field.description or ""))
    return rows


@app.command()
def config() -> None:
    """Print every setting (env var, default, meaning) as a Markdown table."""
    typer.echo("| variable | default | meaning |")
    typer.echo("|---|---|---|")
    for env, default, description in settings_reference():
        typer.echo(f"| `{env}` | `{default}` | {description} |")


def authorization_table() -> list[str]:
    """The services' authorization tables as Markdown rows."""
    import importlib

    ownership = {
        "none": "",
        "path": "own `user_id` only (else 403)",
        "body": "own `user_id` in the body only (else 403)",
        "resource": "own resources only (else 404)",
    }
    lines = ["| service | route | who may call | customers |", "|---|---|---|---|"]
    for name, spec in SERVICES.items():
        try:
            policy = importlib.import_module(f"{spec.module}.policy").POLICY
        except ModuleNotFoundError:
            continue
        for (method, path), rule in sorted(policy.items(), key=lambda item: item[0][1]):
            who = "anyone" if rule.public else ", ".join(sorted(rule.roles))
            customers = ownership[rule.owner] if "customer" in rule.roles else ""
            lines.append(f"| {name} | `{method} {path}` | {who} | {customers} |")
    return lines


@app.command()
def authz() -> None:
    """Print every route's authorization rule as a Markdown table."""
    for line in authorization_table():
        typer.echo(line)


def main() -> None:
    app()
