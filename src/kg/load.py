"""Load the built graph into any SPARQL 1.1 store, then check every graph's triple count.

    load(LoadConfig(endpoint="http://127.0.0.1:7878/store"))

What goes where (docs/stores.md):
- each report's named graph `src:sNNN` keeps its name;
- the build's default graph (ontology, vocabularies, source catalogue, entity registry) goes to
  ONE named graph, `DEFAULT_GRAPH_IRI`. One graph, not two, because the loader reads the built
  artifact (dist/kg.nq), in which those files are already merged; splitting would need the
  hand-edited inputs and could drift from what was validated.

Transport: Graph Store HTTP Protocol `PUT ?graph=IRI` with an N-Triples body replaces a graph
whole, so loading twice leaves exactly one copy. With `update_endpoint` the same is done with
SPARQL Update (`DROP SILENT GRAPH` + `INSERT DATA` in chunks) for stores that prefer it.
HTTP (auth, retries, no redirects) and the redaction of secrets in messages live in kg.remote,
shared with `kg query --endpoint`.
"""
from __future__ import annotations

import json
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kg.errors import KgError, KgInvalid
from kg.namespaces import BASE
from kg.remote import Http, check_http_url, credentials, mask_url, redact, remember_secret, split_userinfo

DEFAULT_GRAPH_IRI = BASE + "graph/default"
NT = "application/n-triples"
RESULTS_JSON = "application/sparql-results+json"
COUNT_QUERY = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


# --------------------------------------------------------------------------- config
@dataclass
class LoadConfig:
    endpoint: str | None = None          # Graph Store Protocol URL (…/store, …/data, …/rdf-graphs/service)
    query_endpoint: str | None = None    # SPARQL query URL, for the count check
    update_endpoint: str | None = None   # SPARQL Update URL: use DROP + INSERT DATA instead of PUT
    source: Path | None = None           # an .nq/.trig file; default dist/kg.nq
    graph_param: str = "graph"           # GSP query parameter (Virtuoso also accepts graph-uri)
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    retries: int = 4                     # extra attempts after the first, on connection errors / 5xx
    backoff: float = 0.5                 # first wait; doubles each retry
    chunk: int = 2000                    # triples per INSERT DATA request
    dry_run: bool = False
    out: Callable[[str], None] = field(default=lambda s: print(s, file=sys.stderr, flush=True))
    plan_out: Callable[[str], None] = field(default=print)  # --dry-run lines go to stdout
    after_graph: Callable[[str], None] | None = None  # test hook: called after each graph is sent


@dataclass
class GraphData:
    iri: str
    count: int
    ntriples: bytes


# --------------------------------------------------------------------------- local data
def read_graphs(source: Path | None = None) -> list[GraphData]:
    """The build's graphs as N-Triples bodies, default graph renamed to DEFAULT_GRAPH_IRI."""
    import pyoxigraph as ox
    from kg import paths

    path = Path(source) if source else paths.dist_dir() / "kg.nq"
    if not path.exists():
        raise KgError(f"{path} not found: run `kg build` first (or pass --source FILE)")
    fmt = ox.RdfFormat.TRIG if path.suffix.lower() == ".trig" else ox.RdfFormat.N_QUADS
    groups: dict[str, set] = {}
    try:
        for q in ox.parse(path=str(path), format=fmt):
            name = DEFAULT_GRAPH_IRI if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value
            groups.setdefault(name, set()).add(q.triple)
    except (SyntaxError, OSError, ValueError) as exc:
        raise KgError(f"cannot read {path}: {exc}") from None
    out = []
    # The default graph first: queries that join claims with labels need it before the claims.
    for iri in sorted(groups, key=lambda g: (g != DEFAULT_GRAPH_IRI, g)):
        triples = sorted(groups[iri], key=str)  # stable bodies: same bytes every run
        out.append(GraphData(iri, len(triples), ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)))
    return out


# --------------------------------------------------------------------------- endpoints
def guess_query_endpoint(endpoint: str | None, update_endpoint: str | None = None) -> str:
    """The query URL that usually sits beside a GSP / update URL (see docs/stores.md)."""
    base = endpoint or update_endpoint or ""
    parts = urllib.parse.urlsplit(base)
    path = parts.path.rstrip("/")
    swaps = [("/sparql-graph-crud-auth", "/sparql"), ("/sparql-graph-crud", "/sparql"),
             ("/sparql-auth", "/sparql"), ("/rdf-graphs/service", ""), ("/statements", ""),
             ("/store", "/query"), ("/update", "/query"), ("/data", "/sparql")]
    for tail, new in swaps:
        if path.endswith(tail):
            return urllib.parse.urlunsplit(parts._replace(path=path[: -len(tail)] + new, query=""))
    if path == "":  # a bare Oxigraph base URL
        return urllib.parse.urlunsplit(parts._replace(path="/query", query=""))
    raise KgError(f"cannot tell the query endpoint from {mask_url(base)}: pass --query-endpoint")


def _gsp_url(endpoint: str, param: str, graph: str) -> str:
    parts = urllib.parse.urlsplit(endpoint)
    if parts.path in ("", "/"):
        parts = parts._replace(path="/store")  # a bare Oxigraph base URL
    q = urllib.parse.urlencode({param: graph})
    return urllib.parse.urlunsplit(parts._replace(query=(parts.query + "&" if parts.query else "") + q))


def _nt_chunks(body: bytes, size: int) -> list[tuple[bytes, bool]]:
    """(N-Triples chunk, has blank nodes). Blank-node labels are scoped to one request, so every
    triple with a blank node goes into one last chunk, keeping those nodes connected."""
    lines = body.splitlines(keepends=True)
    # A literal containing "_:" also lands in the last chunk: harmless, and no blank node is missed.
    plain = [ln for ln in lines if b"_:" not in ln]
    bnode = [ln for ln in lines if b"_:" in ln]
    out = [(b"".join(plain[i:i + size]), False) for i in range(0, len(plain), size)]
    if bnode:
        out.append((b"".join(bnode), True))
    return out or [(b"", False)]


def _human(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB" if n >= 1e3 else f"{n} B"


# --------------------------------------------------------------------------- load
@dataclass
class LoadReport:
    graphs: list[GraphData]
    remote: dict[str, int]
    mismatches: list[tuple[str, int, int]]


def _send_graph(http: Http, cfg: LoadConfig, g: GraphData) -> list[tuple[str, str, int]]:
    """Requests for one graph: (method, url, bytes); sent unless dry_run."""
    plan: list[tuple[str, str, bytes, dict]] = []
    if cfg.update_endpoint:
        hdr = {"Content-Type": "application/sparql-update; charset=utf-8"}
        for i, (chunk, has_bnodes) in enumerate(_nt_chunks(g.ntriples, cfg.chunk)):
            # DROP goes with the first chunk, so a graph is never left empty between requests.
            head = f"DROP SILENT GRAPH <{g.iri}> ;\n" if i == 0 else ""
            # Blank nodes: INSERT {…} WHERE {} (allowed everywhere; Virtuoso refuses them in INSERT DATA).
            verb, tail = (b"INSERT { GRAPH <", b"} } WHERE {}\n") if has_bnodes else (b"INSERT DATA { GRAPH <", b"} }\n")
            text = head.encode() + verb + g.iri.encode() + b"> {\n" + chunk + tail
            plan.append(("POST", cfg.update_endpoint, text, hdr))
    else:
        url = _gsp_url(cfg.endpoint, cfg.graph_param, g.iri)
        plan.append(("PUT", url, g.ntriples, {"Content-Type": NT + "; charset=utf-8"}))
    for method, url, body, hdr in plan:
        if not cfg.dry_run:
            http.request(method, url, body, hdr)
    return [(m, u, len(b)) for m, u, b, _ in plan]


def remote_counts(http: Http, query_endpoint: str) -> dict[str, int]:
    """Triples per named graph on the server (SPARQL 1.1 Protocol, POST form, results JSON)."""
    body = urllib.parse.urlencode({"query": COUNT_QUERY}).encode()
    status, hdrs, data = http.request("POST", query_endpoint, body, {
        "Content-Type": "application/x-www-form-urlencoded", "Accept": RESULTS_JSON})
    return parse_count_results(hdrs.get("content-type", ""), data, query_endpoint)


def parse_count_results(ctype: str, data: bytes, where: str) -> dict[str, int]:
    head = data[:512].lstrip().lower()
    if "html" in ctype.lower() or head.startswith((b"<!doctype", b"<html")):
        raise KgError(f"{mask_url(where)} answered with an HTML page, not SPARQL results: "
                      "is --query-endpoint the SPARQL query URL?")
    try:
        doc = json.loads(data)
        rows = doc["results"]["bindings"]
        return {r["g"]["value"]: int(float(r["n"]["value"])) for r in rows if "g" in r and "n" in r}
    except (ValueError, KeyError, TypeError):
        snippet = redact(" ".join(data[:120].decode("utf-8", "replace").split()))
        raise KgError(f"{mask_url(where)} did not answer with SPARQL results JSON "
                      f"(Content-Type {ctype or 'none'}): {snippet}") from None


def load(cfg: LoadConfig) -> LoadReport:
    """Send every graph, then compare server counts with the local build (KgInvalid on a difference)."""
    if not cfg.endpoint and not cfg.update_endpoint:
        raise KgError("give --endpoint (Graph Store Protocol URL) or --update-endpoint")
    remember_secret(cfg.password)
    urls = [u for u in (cfg.endpoint, cfg.query_endpoint, cfg.update_endpoint) if u]
    creds = credentials(urls[0], cfg.user, cfg.password)
    # Credentials inside a URL are taken out of it, so no message can ever print them.
    cleaned = {}
    for name in ("endpoint", "query_endpoint", "update_endpoint"):
        u = getattr(cfg, name)
        if u:
            u, inline = split_userinfo(u)
            remember_secret(inline and inline[1])
            creds = creds or inline
            cleaned[name] = u
    for k, v in cleaned.items():
        setattr(cfg, k, v)
    for u in cleaned.values():
        check_http_url(u)
    cfg.query_endpoint = cfg.query_endpoint or guess_query_endpoint(cfg.endpoint, cfg.update_endpoint)
    graphs = read_graphs(cfg.source)
    http = Http(creds, [u for u in (cfg.endpoint, cfg.query_endpoint, cfg.update_endpoint) if u],
                timeout=cfg.timeout, retries=cfg.retries, backoff=cfg.backoff, out=cfg.out)
    if creds:
        cfg.out(f"auth: user {creds[0]!r}, password ***")
    total = len(graphs)
    for i, g in enumerate(graphs, 1):
        t0 = time.perf_counter()
        label = f"[{i}/{total}] {g.iri} ({g.count} triples, {_human(len(g.ntriples))})"
        if cfg.dry_run:
            for method, url, size in _send_graph(http, cfg, g):
                cfg.plan_out(f"{method} {urllib.parse.unquote(mask_url(url))} {size} bytes")
            continue
        cfg.out(f"{label} …")
        _send_graph(http, cfg, g)
        cfg.out(f"{label} ok in {time.perf_counter() - t0:.2f} s")
        if cfg.after_graph:
            cfg.after_graph(g.iri)
    if cfg.dry_run:
        size = len(urllib.parse.urlencode({"query": COUNT_QUERY}))
        cfg.plan_out(f"POST {mask_url(cfg.query_endpoint)} {size} bytes (count check)")
        return LoadReport(graphs, {}, [])
    remote = remote_counts(http, cfg.query_endpoint)
    bad = [(g.iri, g.count, remote.get(g.iri, 0)) for g in graphs if remote.get(g.iri, 0) != g.count]
    report = LoadReport(graphs, remote, bad)
    if bad:
        lines = "; ".join(f"{iri}: local {n}, remote {m}" for iri, n, m in bad)
        raise KgInvalid(f"triple counts differ after loading: {lines}")
    return report


def dataset_params(graphs: list[str], default_graph: str = DEFAULT_GRAPH_IRI) -> list[tuple[str, str]]:
    """Protocol parameters that make a remote store see what the embedded one sees.

    The embedded store queries with the default graph as the union of all graphs and GRAPH ?g
    over the reports only. In the SPARQL 1.1 Protocol that dataset is: every loaded graph as
    `default-graph-uri`, and only the report graphs as `named-graph-uri` — standard, so the same
    parameters work on Oxigraph, Fuseki, GraphDB and Virtuoso.
    """
    out = [("default-graph-uri", g) for g in graphs]
    out += [("named-graph-uri", g) for g in graphs if g != default_graph]
    return out
