"""`kg load` and `kg serve`: thin wrappers over kg.load and kg.serve."""
from __future__ import annotations

from pathlib import Path

import click

from kg.errors import EXIT_OK


@click.command("load")
@click.option("--endpoint", metavar="URL", help="Graph Store Protocol URL (Oxigraph …/store, Fuseki …/ds/data).")
@click.option("--query-endpoint", metavar="URL", help="SPARQL query URL for the count check (guessed if omitted).")
@click.option("--update-endpoint", metavar="URL", help="Load with SPARQL Update (DROP + INSERT DATA) at this URL instead of PUT.")
@click.option("--source", type=click.Path(dir_okay=False, exists=True), help="N-Quads/TriG to load (default dist/kg.nq).")
@click.option("--graph-param", default="graph", show_default=True, help="GSP graph parameter name (Virtuoso: graph-uri).")
@click.option("--user", envvar="KG_ENDPOINT_USER", help="User name (env KG_ENDPOINT_USER; else ~/.netrc).")
@click.option("--password", envvar="KG_ENDPOINT_PASSWORD", help="Password (env KG_ENDPOINT_PASSWORD; else ~/.netrc).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds per HTTP request.")
@click.option("--retries", default=4, show_default=True, help="Retries on connection errors and 5xx (backoff doubles).")
@click.option("--chunk", default=2000, show_default=True, help="Triples per INSERT DATA request (--update-endpoint).")
@click.option("--dry-run", is_flag=True, help="Print each request (method, URL, bytes) without sending it.")
def load(endpoint, query_endpoint, update_endpoint, source, graph_param, user, password, timeout, retries,
         chunk, dry_run):
    """Load the built graph into a SPARQL 1.1 store and check every graph's triple count.

    Each report's named graph and the build's default graph (as graph/default) are replaced
    whole, so loading twice leaves no duplicates. Exit 1 if the server's counts differ from
    the build, 2 if the server cannot be reached or refuses.

    \b
    kg load --endpoint http://127.0.0.1:7878/store
    kg load --endpoint http://localhost:3030/kg/data
    """
    from kg.load import LoadConfig, load as run_load

    cfg = LoadConfig(endpoint=endpoint, query_endpoint=query_endpoint, update_endpoint=update_endpoint,
                     source=Path(source) if source else None, graph_param=graph_param, user=user,
                     password=password, timeout=timeout, retries=retries, chunk=chunk, dry_run=dry_run)
    report = run_load(cfg)
    if not dry_run:
        total = sum(g.count for g in report.graphs)
        click.echo(f"loaded {len(report.graphs)} graphs, {total} triples; server counts match the build")
    return EXIT_OK


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it on loopback).")
@click.option("--port", default=8000, show_default=True, help="Port (0 picks a free one).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds a query may run before 503.")
@click.option("--max-rows", default=10000, show_default=True,
              help="Rows per answer at most; a larger answer is refused (422) with how to page it.")
@click.option("--workers", default=2, show_default=True, help="Query worker processes.")
@click.option("--store", type=click.Path(file_okay=False), help="Store folder (default: KG_STORE or .kg-store/).")
@click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
              help="Let SPARQL SERVICE call this endpoint URL (repeatable); SERVICE is refused otherwise.")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="Reuse answers to repeated requests (the served snapshot never changes).")
@click.option("--verbose", is_flag=True, help="Log every request.")
def serve(host, port, timeout, max_rows, workers, store, allow_service, cache, verbose):
    """Serve a read-only SPARQL endpoint (/sparql) and a query page (/) over the embedded store.

    Answers come from a snapshot of the store taken at start: edits to data/ reach the server
    only on restart or reload (`kill -HUP PID`, or `curl -X POST -H 'X-KG-Reload: 1'
    http://127.0.0.1:8000/reload` from this machine); a reload that fails keeps the old snapshot.
    """
    import signal
    import threading

    from kg.serve import is_loopback, make_server

    if not is_loopback(host):
        click.echo(f"kg serve: warning: --host {host} is not a loopback address: other machines can reach "
                   "this endpoint; use --host 127.0.0.1 unless that is what you want", err=True)
    server = make_server(host, port, timeout=timeout, max_rows=max_rows, workers=workers,
                         store_path=str(Path(store).resolve()) if store else None, verbose=verbose,
                         cache=cache, allow_service=allow_service)
    # The reload runs off the signal handler: it builds and starts workers, which takes seconds.
    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=server.served.reload, daemon=True).start())
    signal.signal(signal.SIGTERM, _stop)  # as Ctrl-C: close the workers and remove the snapshot
    p = server.effective_port
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"kg serve: http://{shown}:{p}/  (SPARQL endpoint http://{shown}:{p}/sparql)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        server.served.close()
    return EXIT_OK


def _stop(*_):
    raise KeyboardInterrupt


COMMANDS = [load, serve]
