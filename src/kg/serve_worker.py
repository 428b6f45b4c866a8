"""Query workers for `kg serve`: each query runs in a child process with a deadline.

Why processes and not threads: a pyoxigraph query cannot be interrupted. A thread that runs a
runaway query (a cross join of the whole graph) would keep a CPU busy for ever, and enough of them
would stall the server. A child process can be killed: on timeout the request gets 503, the
worker is killed and a fresh one is started, and the other workers keep answering meanwhile.
Workers open a pinned snapshot of the store read-only (kg.serve_snapshot says why), and also
serialize the answer, so formatting a huge result counts against the same deadline.
"""
from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass

from kg.errors import KgError

SELECT_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
}
FORMAT_TYPES = {v: k for k, v in {**SELECT_TYPES, **GRAPH_TYPES}.items()}


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes
    headers: dict


def _text(status: int, msg: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (msg.rstrip() + "\n").encode(), {})


# --------------------------------------------------------------------------- rendering (in worker)
def _xml_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def results_xml(columns, rows, boolean=None) -> str:
    """W3C SPARQL Query Results XML Format."""
    from kg.store import term_parts

    out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>']
    out += [f'<variable name="{_xml_escape(c)}"/>' for c in columns]
    out.append("</head>")
    if boolean is not None:
        out.append(f"<boolean>{'true' if boolean else 'false'}</boolean>\n</sparql>\n")
        return "\n".join(out)
    out.append("<results>")
    for row in rows:
        out.append("<result>")
        for col, term in zip(columns, row):
            parts = term_parts(term)
            if parts is None:
                continue
            kind, value, dt, lang = parts
            if kind == "uri":
                inner = f"<uri>{_xml_escape(value)}</uri>"
            elif kind == "bnode":
                inner = f"<bnode>{_xml_escape(value)}</bnode>"
            elif lang:
                inner = f'<literal xml:lang="{_xml_escape(lang)}">{_xml_escape(value)}</literal>'
            elif dt and not dt.endswith("#string"):
                inner = f'<literal datatype="{_xml_escape(dt)}">{_xml_escape(value)}</literal>'
            else:
                inner = f"<literal>{_xml_escape(value)}</literal>"
            out.append(f'<binding name="{_xml_escape(col)}">{inner}</binding>')
        out.append("</result>")
    out.append("</results>\n</sparql>\n")
    return "\n".join(out)


def results_delimited(columns, rows, fmt: str) -> str:
    """SPARQL 1.1 CSV (plain values) or TSV (terms in Turtle syntax, ?var header)."""
    import csv
    import io

    from kg.query import term_nt
    from kg.store import term_text

    buf = io.StringIO()
    if fmt == "csv":
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if t is None else term_text(t) for t in row])
        return buf.getvalue()
    lines = ["\t".join("?" + c for c in columns)]
    for row in rows:
        lines.append("\t".join("" if t is None else term_nt(t) for t in row))
    return "\n".join(lines) + "\n"


def render_result(result, fmt: str, prefixes: dict) -> tuple[str, bytes]:
    """A kg.store.Result in a SPARQL media type; returns (content type, body)."""
    from kg.query import sparql_json

    if result.kind == "construct":
        import pyoxigraph as ox

        from kg.query import term_nt

        fmt = fmt if fmt in GRAPH_TYPES.values() else "turtle"
        nt = "".join(" ".join(term_nt(t) for t in tr) + " .\n" for tr in result.triples)
        triples = [q.triple for q in ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES)]
        oxfmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                 "jsonld": ox.RdfFormat.JSON_LD}[fmt]
        body = ox.serialize(triples, format=oxfmt, prefixes=prefixes if fmt != "ntriples" else None)
        return FORMAT_TYPES[fmt], body
    fmt = fmt if fmt in SELECT_TYPES.values() else "json"
    if fmt == "json":
        body = sparql_json(result)
    elif fmt == "xml":
        body = results_xml(result.columns if result.kind == "select" else [], result.rows,
                           result.boolean if result.kind == "ask" else None)
    elif result.kind == "ask":
        body = results_delimited(["_askResult"], [[_bool_literal(result.boolean)]], fmt)
    else:
        body = results_delimited(result.columns, result.rows, fmt)
    return FORMAT_TYPES[fmt] + ("; charset=utf-8" if fmt in ("csv", "tsv") else ""), body.encode("utf-8")


def _bool_literal(b: bool):
    import pyoxigraph as ox

    return ox.Literal("true" if b else "false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


# --------------------------------------------------------------------------- graph view (in worker)
def graph_payload(result, info: dict, title: str, lang: str) -> dict:
    """The viz page JSON for a result: CONSTRUCT triples, ?source/?target rows, or any rows.

    Rows without ?source/?target are drawn as stars: the row's first IRI linked to every other IRI
    in the row, the edge named after the column, so any table of entities has a picture.
    """
    from kg import viz, viz_render
    from kg.viz_source import from_store_result

    res = from_store_result(result)
    if res.triples is not None:
        G = viz.graph_from_triples(res.triples, info)
    elif {"source", "target"} <= set(res.variables):
        G = viz.graph_from_rows(res.rows, info)
    else:
        from kg.viz_source import Term

        rows = []
        for r in res.rows:
            iris = [(c, r[c]) for c in res.variables if c in r and r[c].kind == "iri"]
            if len(iris) < 2:  # a table of labels: its cells are the nodes
                iris = [(c, r[c]) for c in res.variables if c in r and r[c].kind != "bnode"]
            for col, t in iris[1:]:
                rows.append({"source": iris[0][1], "target": t, "relation": Term("iri", "urn:kg:column:" + col)})
            if len(iris) == 1:
                rows.append({"source": iris[0][1], "target": iris[0][1], "relation": Term("iri", "urn:kg:self")})
        G = viz.graph_from_rows(rows, info)
        G.remove_edges_from([(u, v, k) for u, v, k in G.edges(keys=True) if u == v])
    relations = {f"urn:kg:column:{c}": {"zh": c, "en": c} for c in res.variables}
    return viz_render.payload(G, {"title": title, "view": "query", "relations": relations}, lang=lang)


# --------------------------------------------------------------------------- worker process
def _worker_main(conn, snapshot: str, max_rows: int, allow_service: tuple) -> None:
    from pathlib import Path

    from kg.serve_snapshot import open_snapshot

    store = open_snapshot(Path(snapshot))  # the pinned snapshot: never rebuilt from data/
    info_cache: dict = {}
    while True:
        try:
            job = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        try:
            ans = _handle(job, store, max_rows, info_cache, allow_service)
        except KgError as exc:
            status = 403 if type(exc).__name__ == "UpdateRefused" else 400
            ans = _text(status, str(exc))
        except Exception as exc:  # a bug must answer 500, not kill the worker
            ans = _text(500, f"internal error: {type(exc).__name__}: {exc}")
        conn.send(ans)


def too_many_rows(n: int, max_rows: int, protocol: bool) -> str:
    """The refusal for an answer over the cap: how to ask for it in pages instead."""
    how = (f"add ORDER BY and LIMIT {max_rows} OFFSET 0 to the query, then OFFSET {max_rows}, "
           f"OFFSET {2 * max_rows} …" if protocol else
           f"add offset=0&limit={max_rows} to the request, then offset={max_rows} …")
    return (f"the answer has {n} rows, more than this endpoint's cap of {max_rows} (kg serve --max-rows); "
            f"ask for it in pages: {how}")


def _handle(job: dict, store, max_rows: int, info_cache: dict, allow_service: tuple = ()) -> Answer:
    from kg import query as q

    op, lang = job["op"], job.get("lang") or "zh"
    page = job.get("page")  # [offset, limit]: one page asked for explicitly (the query page does)
    if job.get("question"):
        limit, offset = (page[1] + 1, page[0]) if page else (None, None)
        result = q.run_question(job["question"], job.get("params") or {}, lang=lang, store=store,
                                limit=limit, offset=offset)
    else:
        text = q.paged_text(job["text"], page[1] + 1, page[0]) if page else job["text"]
        # The protocol's dataset replaces the union default graph (SPARQL 1.1 Protocol 2.1.4), and
        # kg.guard inside query() refuses SERVICE to any endpoint not on --allow-service.
        dataset = (list(job["dataset"][0]), list(job["dataset"][1])) if job.get("dataset") else None
        result = store.query(text, None, dataset=dataset, allow_service=tuple(allow_service))
    headers = {}
    if page:
        # One row past the page was asked for, only to say whether another page follows.
        more = len(result.rows) > page[1]
        if more:
            result.rows = result.rows[:page[1]]
            if result.kind == "construct":
                result.triples = result.triples[:page[1]]
        headers = {"X-KG-Offset": str(page[0]), "X-KG-Limit": str(page[1]), "X-KG-More": "yes" if more else "no"}
    elif len(result.rows) > max_rows:
        # Never a partial answer that looks whole: clients read the status, not our headers.
        return _text(422, too_many_rows(len(result.rows), max_rows, protocol=job.get("via") == "sparql"))
    headers["X-KG-Rows"] = str(len(result.rows))
    if op == "graph":
        import json

        if "info" not in info_cache:
            from kg.viz import entity_info

            info_cache["info"] = entity_info(store)
        if result.kind == "ask":
            raise KgError("an ASK answer has no graph")
        data = graph_payload(result, info_cache["info"], job.get("title") or "", lang)
        return Answer(200, "application/json", json.dumps(data, ensure_ascii=False).encode(), headers)
    fmt = job.get("fmt_graph") if result.kind == "construct" else job.get("fmt_select")
    ctype, body = render_result(result, fmt or "", store.prefixes)
    return Answer(200, ctype, body, headers)


# --------------------------------------------------------------------------- pool (in server)
class _Worker:
    def __init__(self, ctx, snapshot, max_rows, allow_service):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, snapshot, max_rows, allow_service), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.join(5)
        self.conn.close()


class WorkerPool:
    """N query processes; a request borrows one, waits up to `timeout`, kills it on overrun."""

    def __init__(self, size: int, snapshot: str, max_rows: int, timeout: float, allow_service: tuple = ()):
        # spawn, not fork: the server has threads, and a forked RocksDB handle is not safe.
        self._ctx = mp.get_context("spawn")
        self._args = (snapshot, max_rows, tuple(allow_service))
        self.timeout = timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._add()

    def _add(self) -> None:
        w = _Worker(self._ctx, *self._args)
        with self._lock:
            if self._closed:
                w.kill()
                return
            self._all.add(w)
        self._idle.put(w)

    def _retire(self, w: _Worker) -> None:
        with self._lock:
            self._all.discard(w)
        w.kill()
        if not self._closed:
            threading.Thread(target=self._add, daemon=True).start()  # replace it off the request path

    def run(self, job: dict) -> Answer:
        deadline = time.monotonic() + self.timeout
        try:
            w = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            return _text(503, f"all query workers are busy; try again (timeout {self.timeout:g} s)")
        try:
            w.conn.send(job)
            if w.conn.poll(max(0.0, deadline - time.monotonic())):
                ans = w.conn.recv()
                self._idle.put(w)
                return ans
        except (EOFError, OSError, BrokenPipeError):
            self._retire(w)
            return _text(500, "the query worker died; try again")
        self._retire(w)
        return Answer(503, "text/plain; charset=utf-8",
                      f"query timed out after {self.timeout:g} s and was stopped\n".encode(),
                      {"Retry-After": "1"})

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()
