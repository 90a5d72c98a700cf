"""The `coc-service` command. Subcommands live in their own modules and load lazily, so that
`coc-service extract` does not import Flask and `coc-service worker` does not import OpenCV."""

from __future__ import annotations

import importlib
from typing import Any

import click

# name -> "module:attribute" of a click command or group
COMMANDS: dict[str, str] = {
    "extract": "coc_service.cli.extract:command",
    "check-order": "coc_service.cli.check_order:command",
    "db": "coc_service.cli.database:group",
    "seed-demo": "coc_service.cli.seed:command",
    "worker": "coc_service.cli.worker:command",
    "scheduler": "coc_service.cli.scheduler:command",
    "storage": "coc_service.cli.storage:group",
    "keys": "coc_service.cli.keys:group",
    "retention": "coc_service.cli.retention:group",
    "audit": "coc_service.cli.audit:group",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        module: Any = importlib.import_module(module_name)
        command: click.Command = getattr(module, attr)
        return command


@click.group(cls=LazyGroup)
def main() -> None:
    """coc-service: read, check, store and forward vehicle COC orders."""
