"""`kg docs`: write the ontology reference page."""
from __future__ import annotations

from pathlib import Path

import click

from kg.errors import EXIT_OK


@click.command("docs")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Where to write the page [default: dist/ontology.html].",
)
def docs(output: Path | None) -> int:
    """Write the ontology reference (one self-contained HTML page, zh + en)."""
    # Imported here so `kg --help` does not pay for loading rdflib.
    from kg.docs import write_docs
    from kg.paths import dist_dir

    target = output or dist_dir() / "ontology.html"
    path = write_docs(target)
    click.echo(f"wrote {path}")
    return EXIT_OK


COMMANDS = [docs]
