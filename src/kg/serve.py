"""`kg serve`: a local, read-only SPARQL 1.1 Protocol endpoint and a query page.

    GET  /sparql?query=…            POST /sparql (form `query=…` or application/sparql-query)
    GET  /                          the query page (editor, saved questions, table, graph, CSV)
    GET  /api/questions             saved questions with titles and parameters (JSON)
    GET  /api/run?question=ID&p.NAME=VALUE&lang=zh&format=csv   run a saved question
    GET  /api/graph?question=ID… | ?query=…                      the result as graph-view JSON
    GET  /ontology                  the ontology reference page (kg.docs)

Every query runs in a worker process with a deadline (see kg.serve_worker for why). The default
graph is the union of all graphs, as in `kg query`; `default-graph-uri` / `named-graph-uri` are
not supported and ignored. Updates are refused with 403. Bound to 127.0.0.1 unless told otherwise,
and requests whose Host header is not the address we listen on are refused, so a web page on
another site cannot reach the endpoint through DNS rebinding.
"""
from __future__ import annotations

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from kg.serve_worker import GRAPH_TYPES, SELECT_TYPES, Answer, WorkerPool

MAX_BODY = 1_000_000
ASSETS = {"serve.js": "text/javascript; charset=utf-8", "serve.css": "text/css; charset=utf-8",
          "vis-network.min.js": "text/javascript; charset=utf-8"}
# The page loads only its own scripts and styles; nothing from any other origin.
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
FORMAT_ALIASES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                  "ntriples": "ntriples", "nt": "ntriples", "jsonld": "jsonld", "json-ld": "jsonld"}


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The format for the best media type in `accept` among `offered` (None: no preference)."""
    best, best_q = None, 0.0
    for i, part in enumerate((accept or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if mtype in offered:
            fmt = offered[mtype]
        elif mtype in ("application/json",) and "json" in offered.values():
            fmt = "json"
        else:
            continue
        if q > best_q:  # ties keep the first listed
            best, best_q = fmt, q
    return best


class AnswerCache:
    """Successful answers by request (path, parameters, Accept), least recently used out first.

    Safe because the server never changes its data: workers hold the store open read-only for
    their whole life (a rebuild swaps the folder, the open handles keep the old snapshot), so the
    same request always gets the same answer. Bounded in entries and bytes.
    """

    def __init__(self, entries: int = 512, max_bytes: int = 64_000_000):
        from collections import OrderedDict

        self._items: OrderedDict = OrderedDict()
        self._bytes, self._max_entries, self._max_bytes = 0, entries, max_bytes
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            ans = self._items.get(key)
            if ans is not None:
                self._items.move_to_end(key)
            return ans

    def put(self, key, ans: Answer) -> None:
        if ans.status != 200 or len(ans.body) > self._max_bytes // 8:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = ans
            self._bytes += len(ans.body)
            while len(self._items) > self._max_entries or self._bytes > self._max_bytes:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old.body)


class App:
    """Shared state of one server: the worker pool, the question list, the cached pages."""

    def __init__(self, pool: WorkerPool, host: str, port: int, cache: bool = True):
        self.pool = pool
        self.cache = AnswerCache() if cache else None
        self.hosts = {f"{h}:{port}" for h in (host, "localhost", "127.0.0.1", "[::1]")} | {host, "localhost", "127.0.0.1"}
        self._ontology: bytes | None = None
        self._lock = threading.Lock()

    def questions_json(self) -> bytes:
        from kg.query import list_questions

        out = []
        for q in list_questions(("questions",)):
            out.append({"id": q.id, "kind": q.kind, "titles": q.titles, "description": q.description,
                        "returns": q.returns, "text": q.text,
                        "params": [{"name": p.name, "type": p.type, "default": p.default,
                                    "optional": p.optional, "help": p.help} for p in q.params]})
        return json.dumps(out, ensure_ascii=False).encode()

    def ontology_page(self) -> bytes | None:
        with self._lock:
            if self._ontology is None:
                try:
                    from kg.docs import render_docs
                except ImportError:
                    return None
                self._ontology = render_docs().encode("utf-8")
            return self._ontology


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kg-serve"
    app: App  # set on the subclass made by make_server

    def log_message(self, fmt, *args):  # quiet: one line per request only with --verbose
        if getattr(self.server, "verbose", False):
            super().log_message(fmt, *args)

    # ------------------------------------------------------------------ plumbing
    def _send(self, ans: Answer, extra: dict | None = None) -> None:
        body = ans.body if self.command != "HEAD" else b""
        self.send_response(ans.status)
        self.send_header("Content-Type", ans.content_type)
        self.send_header("Content-Length", str(len(ans.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for k, v in {**ans.headers, **(extra or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _text(self, status: int, msg: str) -> None:
        self._send(Answer(status, "text/plain; charset=utf-8", (msg + "\n").encode(), {}))

    def _params(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        return host in self.app.hosts

    # ------------------------------------------------------------------ routes
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return self._text(403, "unexpected Host header: the endpoint only answers its own address")
        path = urllib.parse.urlsplit(self.path).path
        if path == "/":
            page = resources.files("kg").joinpath("templates", "serve.html").read_bytes()
            return self._send(Answer(200, "text/html; charset=utf-8", page, {"Content-Security-Policy": PAGE_CSP}))
        if path.startswith("/assets/"):
            name = path[len("/assets/"):]
            if name not in ASSETS:
                return self._text(404, "no such asset")
            data = resources.files("kg").joinpath("assets", name).read_bytes()
            return self._send(Answer(200, ASSETS[name], data, {}))
        if path == "/ontology":
            page = self.app.ontology_page()
            if page is None:
                return self._text(404, "the ontology reference (kg.docs) is not available")
            return self._send(Answer(200, "text/html; charset=utf-8", page, {}))
        if path == "/api/questions":
            return self._send(Answer(200, "application/json", self.app.questions_json(), {}))
        if path in ("/sparql", "/query"):
            return self._sparql(self._params())
        if path in ("/api/run", "/api/graph"):
            return self._api(path, self._params())
        return self._text(404, "not found; the SPARQL endpoint is /sparql")

    def do_POST(self):
        if not self._host_ok():
            return self._text(403, "unexpected Host header: the endpoint only answers its own address")
        path = urllib.parse.urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self._text(413, f"request body over {MAX_BODY} bytes")
        body = self.rfile.read(length)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if path not in ("/sparql", "/query", "/update"):
            return self._text(404, "not found; the SPARQL endpoint is /sparql")
        if ctype == "application/sparql-update" or path == "/update":
            return self._text(403, "this endpoint is read-only: SPARQL Update is refused")
        params = self._params()
        if ctype == "application/x-www-form-urlencoded":
            for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            params["query"] = [body.decode("utf-8", "replace")]
        else:
            return self._text(415, "POST application/sparql-query or an application/x-www-form-urlencoded form")
        return self._sparql(params)

    def do_PUT(self):
        self._text(405, "this endpoint is read-only")

    do_DELETE = do_PATCH = do_PUT

    # ------------------------------------------------------------------ SPARQL protocol
    def _formats(self, params) -> dict:
        forced = FORMAT_ALIASES.get((params.get("format") or [""])[0].lower())
        accept = self.headers.get("Accept", "")
        return {"fmt_select": forced if forced in SELECT_TYPES.values() else negotiate(accept, SELECT_TYPES) or "json",
                "fmt_graph": forced if forced in GRAPH_TYPES.values() else negotiate(accept, GRAPH_TYPES) or "turtle"}

    def _sparql(self, params) -> None:
        if "update" in params:
            return self._text(403, "this endpoint is read-only: SPARQL Update is refused")
        queries = params.get("query") or []
        if len(queries) != 1 or not queries[0].strip():
            return self._text(400, "give exactly one `query` parameter (SPARQL 1.1 Protocol)")
        job = {"op": "query", "text": queries[0], **self._formats(params)}
        self._answer(job, params)

    def _api(self, path: str, params) -> None:
        one = lambda k: (params.get(k) or [""])[0]  # noqa: E731
        job = {"op": "graph" if path == "/api/graph" else "query", "lang": one("lang") or "zh",
               "title": one("title"), **self._formats(params)}
        if one("question"):
            job["question"] = one("question")
            job["params"] = {k[2:]: v[0] for k, v in params.items() if k.startswith("p.") and v and v[0] != ""}
        elif one("query"):
            job["text"] = one("query")
        else:
            return self._text(400, "give question=ID or query=SPARQL")
        self._answer(job, params)

    def _answer(self, job: dict, params) -> None:
        cache = self.app.cache
        key = json.dumps(job, sort_keys=True)
        ans = cache.get(key) if cache else None
        if ans is None:
            ans = self.app.pool.run(job)
            if cache:
                cache.put(key, ans)
        extra = {}
        if (params.get("download") or [""])[0] and ans.status == 200:
            ext = {"csv": "csv", "tsv": "tsv", "json": "json", "xml": "xml"}.get(job["fmt_select"], "txt")
            name = re.sub(r"[^A-Za-z0-9_-]", "", job.get("question") or "query") or "query"
            extra["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
        self._send(ans, extra)


def make_server(host: str = "127.0.0.1", port: int = 8000, *, timeout: float = 10.0, max_rows: int = 10000,
                workers: int = 2, store_path: str | None = None, verbose: bool = False,
                cache: bool = True) -> ThreadingHTTPServer:
    """A ready server (call serve_forever); the store is opened (and built if needed) first."""
    from kg.store import open_store

    open_store(store_path)  # build or refresh once here, not in every worker at the same time
    pool = WorkerPool(workers, store_path, max_rows, timeout)

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128  # 50 clients connecting at once must not overflow the backlog

    handler = type("BoundHandler", (Handler,), {})
    httpd = Server((host, port), handler)
    handler.app = App(pool, host, httpd.server_address[1], cache=cache)
    httpd.verbose = verbose
    httpd.pool = pool
    return httpd
