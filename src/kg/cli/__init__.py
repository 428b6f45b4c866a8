"""The `kg` command: a thin layer over the library. Each stage has its own module here.

A module listed in COMMAND_MODULES exposes `COMMANDS`, a list of click commands.
"""
from __future__ import annotations

import importlib
import sys

import click

from kg.errors import EXIT_ERROR, KgError

# Order is the order shown in `kg --help`.
COMMAND_MODULES = [
    "build",
    "docs",
    "query",
    "viz",
    "store",
    "synth",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shandong-skills-kg")
def cli() -> None:
    """Shandong skills knowledge graph: build, validate, query, draw and serve it.

    Exit codes: 0 ok, 1 invalid (violations found), 2 error.
    """


for _name in COMMAND_MODULES:
    for _cmd in importlib.import_module(f"kg.cli.{_name}").COMMANDS:
        cli.add_command(_cmd)


def main(argv: list[str] | None = None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="kg", standalone_mode=False)
    except KgError as exc:
        from kg.remote import redact  # no secret in any message, whichever module raised it

        click.echo(f"kg: {redact(str(exc))}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        return EXIT_ERROR
    # Commands return their exit code (0 ok, 1 invalid) instead of calling sys.exit.
    return rv if isinstance(rv, int) else 0


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
