"""`kg viz`, `kg stats`, `kg chart`: views, analytics and charts over the store."""
from __future__ import annotations

import json
import time

import click

from kg.errors import KgError

_data_option = click.option(
    "--data", "data", multiple=True, type=click.Path(dir_okay=False),
    help="Read these TriG/Turtle files instead of the store (repeatable).")


def _source(data: tuple[str, ...]):
    from kg.viz_source import open_source

    return open_source(data)


@click.command()
@click.argument("view", required=False, type=click.Choice(["membership", "partnership", "honours", "city", "all"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write.")
@click.option("--city", help="City for the city view: Chinese or English label (济宁, 济宁市, Jining).")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 4), help="Hops around the city.")
@click.option("--query", "query", help="Draw a saved query NAME or a .rq FILE (SELECT ?source ?target [?relation], or CONSTRUCT).")
@click.option("--lang", default="zh", show_default=True, type=click.Choice(["zh", "en"]), help="Label language.")
@click.option("--size-by", default="degree", show_default=True, type=click.Choice(["degree", "betweenness"]))
@_data_option
def viz(view, output, city, depth, query, lang, size_by, data) -> int:
    """Draw a relationship VIEW as one offline HTML page (membership, partnership, honours, city, all)."""
    from kg.viz import build_view, write_page

    if not view and not query:
        raise KgError("give a VIEW or --query NAME|FILE")
    if view == "city" and not city:
        raise KgError("the city view needs --city NAME")
    t0 = time.perf_counter()
    G, meta = build_view(_source(data), view or "query", city=city, query=query, depth=depth)
    payload = write_page(G, meta, output, lang=lang, size_by=size_by)
    m = payload["meta"]
    click.echo(f"wrote {output}: {m['nodeCount']} nodes, {m['edgeCount']} edges "
               f"({time.perf_counter() - t0:.1f} s)" + (f"; {m['note']}" if m["note"] else ""), err=True)
    return 0


@click.command()
@click.option("--format", "fmt", default="table", show_default=True, type=click.Choice(["table", "json"]))
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000))
@_data_option
def stats(fmt, top, data) -> int:
    """Network analytics over the organization graph: classes, components, degree, betweenness, bridges."""
    from kg.stats import render_text, stats as run_stats

    result = run_stats(_source(data), top=top)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2) if fmt == "json" else render_text(result), nl=fmt == "json")
    return 0


@click.command()
@click.argument("indicator", required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (.html, .svg or .png).")
@click.option("--concerning", help="Only observations concerning this IRI (e:…, sk:…, or the full IRI).")
@click.option("--format", "fmt", default="html", show_default=True, type=click.Choice(["html", "svg", "png"]))
@click.option("--list", "list_", is_flag=True, help="List indicators that have observations, with counts.")
@_data_option
def chart(indicator, output, concerning, fmt, list_, data) -> int:
    """Bar chart comparing cities (and the province) on one INDICATOR."""
    from kg.chart import list_indicators, make_chart, observations
    from kg.output import render_table

    source = _source(data)
    if list_:
        rows = list_indicators(observations(source))
        click.echo(render_table(rows, ["indicator", "zh", "en", "observations"]), nl=False)
        return 0
    if not indicator or not output:
        raise KgError("give an INDICATOR and -o FILE (or --list)")
    if concerning and ":" in concerning and not concerning.startswith("http"):
        from kg.namespaces import PREFIXES

        p, _, rest = concerning.partition(":")
        if p in PREFIXES:
            concerning = PREFIXES[p] + rest
    rows = make_chart(source, indicator, output, concerning=concerning, fmt=fmt)
    click.echo(f"wrote {output}: {len(rows)} bars", err=True)
    return 0


COMMANDS = [viz, stats, chart]
