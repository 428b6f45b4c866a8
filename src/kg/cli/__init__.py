"""The `kg` command: a thin layer over the library. Each stage has its own module here.

A module listed in COMMAND_MODULES exposes `COMMANDS`, a list of click commands.
"""
from __future__ import annotations

import importlib
import os
import sys

import click

from kg.errors import EXIT_ERROR, KgError, os_error

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


def _error(line: str) -> None:
    from kg.remote import redact  # no secret in any message, whichever module raised it

    click.echo(f"kg: {redact(line)}", err=True)


def main(argv: list[str] | None = None) -> int:
    try:
        rv = cli.main(args=argv, prog_name="kg", standalone_mode=False)
    except KgError as exc:
        _error(str(exc))
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.UsageError as exc:
        # One line, like every other error: the command, what is wrong with the option, where help is.
        where = exc.ctx.command_path if exc.ctx else "kg"
        click.echo(f"{where}: {exc.format_message()} (see `{where} --help`)", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        _error(exc.format_message())
        return EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("kg: aborted", err=True)
        return EXIT_ERROR
    # Last resort, so no command ever answers with a traceback: a file problem nobody caught is
    # still a clear line with the path; anything else is a bug in kg, said as such.
    except BrokenPipeError:
        # `kg query … | head`: the reader has gone; say nothing (and keep Python from saying more).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except OSError as exc:
        if os.environ.get("KG_DEBUG"):
            raise
        _error(str(os_error(exc)))
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("KG_DEBUG"):
            raise
        what = (str(exc).strip().splitlines() or [""])[0][:300]
        _error(f"internal error: {type(exc).__name__}: {what} (a bug in kg: please report it; "
               "run with KG_DEBUG=1 to see the traceback)")
        return EXIT_ERROR
    # Commands return their exit code (0 ok, 1 invalid) instead of calling sys.exit.
    return rv if isinstance(rv, int) else 0


def entry() -> None:  # pragma: no cover - console script shim
    sys.exit(main())
