"""`kg build`, `kg validate`, `kg fmt`: the gate in front of everything else."""
from __future__ import annotations

import json
from pathlib import Path

import click

from kg.errors import EXIT_ERROR, EXIT_INVALID, EXIT_OK


def _print_report(report, fmt: str) -> None:
    from kg.output import render
    if report.violations:
        click.echo(render(report.rows(), ["severity", "rule", "focus", "message", "fix"], fmt), nl=False)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    t = report.timings
    click.echo(f"validation: {len(report.errors)} violation(s), {len(report.violations) - len(report.errors)} "
               f"warning(s); pyshacl {t.get('shacl', '-')} s, checks {t.get('checks', '-')} s "
               f"({len(report.checks_run)} checks)", err=True)


@click.command("build")
@click.option("--dist", type=click.Path(path_type=Path), help="Output folder (default: $KG_DIST or dist/).")
@click.option("--no-validate", is_flag=True, help="Skip SHACL and the violation checks.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def build_cmd(dist: Path | None, no_validate: bool, fmt: str) -> int:
    """Compile ontology + data into dist/ (kg.trig, kg.nq, kg.ttl, kg.jsonld, build-info.json).

    dist/ is replaced only by a complete, valid build. Exit 0 ok, 1 invalid, 2 error.
    """
    from kg.build import build, summary_rows
    from kg.output import render

    result = build(dist=dist, validate=not no_validate)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render(summary_rows(result), ["section", "item", "count"], "table"), nl=False)
        if result.report is not None:
            _print_report(result.report, "table")
    if not result.ok:
        click.echo(f"kg build: invalid; {result.dist} left unchanged. Fix the violations above and rebuild.", err=True)
        return EXIT_INVALID
    click.echo(f"kg build: wrote {result.dist} in {result.timings.get('total', '?')} s", err=True)
    return EXIT_OK


@click.command("validate")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "tsv"]), default="table", show_default=True)
@click.option("--no-shacl", is_flag=True, help="Run only the SPARQL violation checks (fast).")
def validate_cmd(fmt: str, no_shacl: bool) -> int:
    """Run SHACL (ontology/shapes.ttl) and queries/checks/*-violation.rq. Exit 0 ok, 1 invalid, 2 error."""
    from kg.build import compile_dataset
    from kg.validate import validate

    report = validate(compile_dataset(), shacl=not no_shacl)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_report(report, fmt)
    return EXIT_OK if report.ok else EXIT_INVALID


@click.command("fmt")
@click.option("--check", is_flag=True, help="Only list files that are not in canonical form (exit 1 if any).")
@click.option("--drop-comments", is_flag=True, help="Allow dropping comments inside the body of a file.")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def fmt_cmd(check: bool, drop_comments: bool, files: tuple[Path, ...]) -> int:
    """Rewrite ontology/*.ttl and data/triples/**/*.ttl (or FILES) in canonical Turtle."""
    from kg.fmt import format_files

    res = format_files(list(files) if files else None, check=check, drop_comments=drop_comments)
    for err in res.errors:
        click.echo(f"kg fmt: {err}", err=True)
    if check:
        for p in res.changed:
            click.echo(f"would reformat {p}")
        if res.changed:
            click.echo(f"{len(res.changed)} file(s) not in canonical form; run `kg fmt` to fix.", err=True)
    else:
        for p in res.changed:
            click.echo(f"reformatted {p}")
        click.echo(f"kg fmt: {len(res.changed)} reformatted, {len(res.unchanged)} unchanged", err=True)
    if res.errors:
        return EXIT_ERROR
    return EXIT_INVALID if check and res.changed else EXIT_OK


COMMANDS = [build_cmd, validate_cmd, fmt_cmd]
