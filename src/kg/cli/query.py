"""`kg query` and `kg describe`: thin wrappers over kg.query and kg.describe."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.errors import EXIT_OK, KgError
from kg.guard import DEFAULT_TIMEOUT, deadline

_ENGINES = click.Choice(["oxigraph", "rdflib"])
_LANGS = click.Choice(["zh", "en"])
# = kg.query.MAX_PAGE (kg.query is slow to import for --help; test_robust_errors checks they agree).
_PAGE = click.IntRange(min=0, max=10**18)


def _store_env(store: str | None) -> str | None:
    return str(Path(store).resolve()) if store else None


@click.command("query")
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="Bind a parameter (repeatable). IRIs as e:jinan or <https://…>.")
@click.option("--file", "file_", type=click.Path(dir_okay=False), help="Run the SPARQL in this file.")
@click.option("--sparql", help="Run this SPARQL text.")
@click.option("--list", "list_", is_flag=True, help="List saved queries (id, category, title, params).")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "csv", "tsv", "json", "turtle", "ntriples"]),
              help="Output format; json is W3C SPARQL results JSON; turtle/ntriples for CONSTRUCT.")
@click.option("--lang", default="zh", show_default=True, type=_LANGS, help="Language of labels.")
@click.option("--engine", default="oxigraph", show_default=True, type=_ENGINES,
              help="oxigraph (on-disk store) or rdflib (in memory, for comparison).")
@click.option("--store", type=click.Path(file_okay=False), help="Store folder (default: KG_STORE or .kg-store/).")
@click.option("--limit", type=_PAGE, metavar="N",
              help="Return at most N rows (one page; default: all rows).")
@click.option("--offset", type=_PAGE, metavar="N",
              help="Skip the first N rows (with --limit: the page after them).")
@click.option("--endpoint", metavar="URL",
              help="Ask this SPARQL 1.1 query endpoint instead of the embedded store (e.g. Oxigraph "
                   "http://127.0.0.1:7878/query, Virtuoso …/sparql) after `kg load`.")
@click.option("--user", envvar="KG_ENDPOINT_USER", help="--endpoint user (env KG_ENDPOINT_USER; else ~/.netrc).")
@click.option("--password", envvar="KG_ENDPOINT_PASSWORD", help="--endpoint password (env KG_ENDPOINT_PASSWORD).")
@click.option("--timeout", type=click.FloatRange(min=0), default=DEFAULT_TIMEOUT, show_default=True,
              metavar="SECONDS", help="Stop a query that runs longer (exit 2); 0 = no limit.")
@click.option("--allow-service", "allow_service", multiple=True, metavar="IRI",
              help="Let SERVICE call this endpoint IRI (exact match; repeatable). SERVICE is refused otherwise.")
def query(name, params, file_, sparql, list_, fmt, lang, engine, store, limit, offset, endpoint, user, password,
          timeout, allow_service):
    """Run a saved question NAME, a --file, or --sparql text against the graph.

    Pages (--limit/--offset) are slices of one fixed row order, so they concatenate to the full
    answer.

    \b
    kg query --list
    kg query cities-by-indicator --param indicator=ind:high-skilled-talent-total
    kg query timeline --limit 100 --offset 200
    kg query --sparql 'SELECT ?s WHERE { ?s a sk:EducationGroup }' --format csv
    kg query education-groups --endpoint http://127.0.0.1:7878/query
    """
    from kg import query as q

    if list_:
        if fmt not in ("table", "csv", "tsv", "json"):
            raise KgError("--list prints table, csv, tsv or json")
        from kg.output import render

        cols, rows = q.question_rows(q.list_questions(), lang)
        click.echo(render(rows, cols, fmt), nl=False)
        return EXIT_OK
    given = [x for x in (name, file_, sparql) if x]
    if len(given) != 1:
        raise KgError("give exactly one of NAME, --file or --sparql (or --list)")
    kv = q.parse_param_args(params)
    if endpoint and store:
        raise KgError("--store and --endpoint exclude each other: the answer comes from one of them")
    text = sparql
    if file_:
        from kg.io import read_text

        text = read_text(file_)  # unreadable, symlink loop, binary, not UTF-8: one line with the line
    if endpoint:
        from kg.endpoint import RemoteBackend

        backend = RemoteBackend(endpoint, user=user, password=password, timeout=timeout or 3600.0)
    else:
        from kg.store import open_store

        backend = open_store(_store_env(store), engine=engine)  # a rebuild is not the query's time
    page = dict(limit=limit, offset=offset, store=backend, allow_service=allow_service)
    with deadline(timeout):
        if name:
            result = q.run_question(name, kv, lang=lang, **page)
        else:
            try:
                result = q.run_sparql(text, kv, lang=lang, **page)
            except KgError as exc:
                exc.file = exc.file or file_
                raise
    click.echo(q.format_result(result, fmt, _prefixes_for(fmt)), nl=False)
    if fmt == "table" and result.kind == "select" and sys.stdout.isatty():
        click.echo(_row_count_note(len(result.rows), limit, offset or 0), err=True)
    return EXIT_OK


def _row_count_note(n: int, limit: int | None, offset: int) -> str:
    """What a person at a terminal wants under a table: how many rows, and where the next page is."""
    if limit is None and not offset:
        return f"({n} row{'s' if n != 1 else ''})"
    shown = f"rows {offset + 1}–{offset + n}" if n else f"no rows after row {offset}"
    more = f"; next page: --offset {offset + n}" if limit is not None and n == limit and n else ""
    return f"({shown}{more})"


def _prefixes_for(fmt: str) -> dict | None:
    # Only Turtle output needs prefixes; importing kg.namespaces pulls in rdflib (slow).
    if fmt != "turtle":
        return None
    from kg.namespaces import PREFIXES

    return dict(PREFIXES)


@click.command("describe")
@click.argument("text")
@click.option("--lang", default="zh", show_default=True, type=_LANGS, help="Language of labels.")
@click.option("--format", "fmt", default="text", show_default=True,
              type=click.Choice(["text", "table", "csv", "tsv", "json"]), help="Output format.")
@click.option("--engine", default="oxigraph", show_default=True, type=_ENGINES, help="Query engine.")
@click.option("--store", type=click.Path(file_okay=False), help="Store folder (default: KG_STORE or .kg-store/).")
def describe(text, lang, fmt, engine, store):
    """Show the entity card for TEXT: a name (zh/en, altLabels, substring) or an IRI."""
    from kg import describe as d
    from kg.store import open_store

    card = d.describe(text, store=open_store(_store_env(store), engine=engine), lang=lang)
    if fmt == "text":
        click.echo(d.card_text(card, lang), nl=False)
    elif fmt == "json":
        click.echo(card.to_json(), nl=False)
    else:
        from kg.output import render

        cols, rows = d.card_rows(card)
        click.echo(render(rows, cols, fmt), nl=False)
    return EXIT_OK


COMMANDS = [query, describe]
