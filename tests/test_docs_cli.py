"""Every CLI command and option is documented in README.md and in its --help (sqlite-utils style)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"


def _options():
    for name, cmd in sorted(cli.commands.items()):
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt != "--help":
                    yield name, opt


@pytest.fixture(scope="module")
def readme() -> str:
    assert README.exists(), "README.md is missing"
    return README.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_in_readme(readme, name):
    assert f"kg {name}" in readme, f"`kg {name}` is not documented in README.md"


@pytest.mark.parametrize("name,opt", list(_options()))
def test_option_in_readme_and_help(readme, name, opt):
    from click.testing import CliRunner

    help_text = CliRunner().invoke(cli, [name, "--help"]).output
    assert opt in help_text, f"{opt} missing from `kg {name} --help`"
    assert opt in readme, f"`kg {name} {opt}` is not documented in README.md"
