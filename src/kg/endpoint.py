"""`kg query --endpoint URL`: a backend that runs queries on any SPARQL 1.1 endpoint.

    store = RemoteBackend("http://127.0.0.1:7878/query")
    kg.query.run_question("education-groups", store=store)     # same Result as the embedded store

It talks through kg.remote (the one HTTP client, redirects refused, every message redacted) and
binds parameters with kg.sparql_text.bind_text, the same text every engine runs.
"""
from __future__ import annotations

import json
import re
import urllib.parse

from kg.errors import KgError
from kg.remote import (GRAPH_TYPES, RESULTS_JSON, Http, check_http_url, credentials, mask_url, redact,
                       remember_secret, split_userinfo)

_FORM = re.compile(r"(?<![\w?$:])(SELECT|ASK|CONSTRUCT|DESCRIBE)(?![\w:])", re.I)


class RemoteBackend:
    """Runs queries on a SPARQL 1.1 endpoint (Protocol: POST form, results JSON / N-Triples),
    with the interface of kg.store's backends: `.query(text, bindings) -> Result`, `.prefixes`.

    Dataset: a store filled by `kg load` keeps everything in named graphs (graph/default plus one
    per report). When the server has graph/default, the query gets the dataset `kg query` uses —
    every graph of this project as default graph, the report graphs as named graphs (kg.load.
    dataset_params) — so answers match the embedded store. A query with its own FROM / FROM NAMED
    keeps its own dataset. A server without graph/default (e.g. `kg serve`) is asked as it is.
    """

    engine = "endpoint"

    def __init__(self, url: str, *, user: str | None = None, password: str | None = None,
                 timeout: float = 60.0):
        from kg.store import _prefixes

        remember_secret(password)
        url, inline = split_userinfo(check_http_url(url))
        if inline:
            remember_secret(inline[1])
        self.url = url
        self.prefixes = _prefixes()
        self.http = Http(credentials(url, user, password) or inline, [url], timeout=timeout)
        self._dataset: list[tuple[str, str]] | None = None

    # -- protocol
    def _post(self, text: str, accept: str, params: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
        body = urllib.parse.urlencode([("query", text), *params]).encode()
        return self.http.request("POST", self.url, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept}, what="the endpoint")

    def _our_dataset(self) -> list[tuple[str, str]]:
        if self._dataset is None:
            from kg.load import DEFAULT_GRAPH_IRI, dataset_params
            from kg.namespaces import BASE

            graphs: list[str] = []
            # GRAPH ?g {} lists named graphs without reading them (Oxigraph); Virtuoso answers it
            # with one empty row, so fall back to a scan there.
            for text in ("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }",
                         "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
                _, hdrs, data = self._post(text, RESULTS_JSON, [])
                doc = self._json(hdrs, data)
                graphs = [b["g"]["value"] for b in doc["results"]["bindings"]
                          if b.get("g", {}).get("type") == "uri"]
                if graphs:
                    break
            ours = sorted(g for g in graphs if g.startswith(BASE))
            self._dataset = dataset_params(ours) if DEFAULT_GRAPH_IRI in ours else []
        return self._dataset

    def query(self, text: str, bindings: dict | None = None, *, dataset=None, allow_service=()):
        from kg.guard import check_query
        from kg.sparql_text import bind_text, code_layout, names_dataset

        check_query(text, allow_service=allow_service, prefixes=self.prefixes)
        bound = bind_text(text, bindings or {})
        _, flat, depth_at = code_layout(bound)
        form = next((m.group(1).upper() for m in _FORM.finditer(flat) if depth_at[m.start()] == 0), "SELECT")
        if dataset is not None:
            params = [("default-graph-uri", g) for g in dataset[0]] + [("named-graph-uri", g) for g in dataset[1]]
        elif names_dataset(bound):
            params = []  # the query's own FROM / FROM NAMED decide
        else:
            params = self._our_dataset()
        # The project's prefixes on the query's first line, so the server's line numbers stay right.
        head = " ".join(f"PREFIX {p}: <{ns}>" for p, ns in self.prefixes.items()) + " "
        accept = GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_JSON
        _, hdrs, data = self._post(head + bound, accept, params)
        self._refuse_partial(hdrs)
        ctype = hdrs.get("content-type", "").split(";")[0].strip().lower()
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._graph(ctype, data)
        return self._results(hdrs, data)

    def _refuse_partial(self, hdrs: dict) -> None:
        """A cut answer must not pass for the whole one: say so and how to page."""
        cap = hdrs.get("x-sparql-maxrows")  # Virtuoso: ResultSetMaxRows cut the answer
        if cap or "x-kg-truncated" in hdrs:   # kg serve --max-rows
            cap = cap or hdrs.get("x-kg-truncated")
            raise KgError(f"{mask_url(self.url)} cut the answer at its row limit ({cap} rows) and sent only "
                          f"part of it; page through it with --limit N --offset M (N below the limit)")
        state = hdrs.get("x-sql-state", "")
        if state:  # Virtuoso's 'anytime' partial results after its own timeout (S1TAT)
            raise KgError(f"{mask_url(self.url)} stopped the query early (X-SQL-State {state}) and sent partial "
                          "results; narrow the query or raise the server's time limit")

    def _json(self, hdrs: dict, data: bytes) -> dict:
        ctype = hdrs.get("content-type", "")
        try:
            doc = json.loads(data)
            if not isinstance(doc, dict) or ("boolean" not in doc and "results" not in doc):
                raise ValueError
            return doc
        except (ValueError, UnicodeDecodeError):
            snippet = redact(" ".join(data[:120].decode("utf-8", "replace").split()))
            kind = "an HTML page" if "html" in ctype.lower() or snippet.lower().startswith(("<!doctype", "<html")) \
                else f"{ctype or 'no Content-Type'}"
            raise KgError(f"{mask_url(self.url)} answered with {kind}, not SPARQL results JSON: is it the "
                          f"SPARQL query URL? ({snippet[:80]})") from None

    def _results(self, hdrs: dict, data: bytes):
        from kg.store import Result

        doc = self._json(hdrs, data)
        if "boolean" in doc:
            b = bool(doc["boolean"])
            return Result("ask", ["boolean"], [(b,)], boolean=b, engine=self.engine)
        cols = list(doc.get("head", {}).get("vars", []))
        rows = [tuple(_term(b.get(c)) for c in cols) for b in doc["results"]["bindings"]]
        return Result("select", cols, rows, engine=self.engine)

    def _graph(self, ctype: str, data: bytes):
        import pyoxigraph as ox
        from kg.store import Result

        fmt = ox.RdfFormat.TURTLE if ctype == "text/turtle" else ox.RdfFormat.N_TRIPLES
        try:
            triples = [(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)]
        except (SyntaxError, ValueError) as exc:
            raise KgError(f"{mask_url(self.url)} sent a graph that does not parse as {fmt}: "
                          f"{redact(str(exc))[:120]}") from None
        return Result("construct", ["subject", "predicate", "object"], triples, engine=self.engine, triples=triples)


def _term(b: dict | None):
    """A SPARQL results JSON binding as a pyoxigraph term (what the embedded store returns)."""
    import pyoxigraph as ox

    if b is None:
        return None
    t, v = b.get("type"), b.get("value", "")
    if t == "uri":
        return ox.NamedNode(v)
    if t == "bnode":
        return ox.BlankNode(v) if re.fullmatch(r"[A-Za-z0-9_][\w.\-]*", v) else ox.BlankNode()
    lang = b.get("xml:lang")
    if lang:
        return ox.Literal(v, language=lang)
    dt = b.get("datatype")  # 'typed-literal' (old JSON format, Virtuoso) carries one too
    return ox.Literal(v, datatype=ox.NamedNode(dt)) if dt else ox.Literal(v)
