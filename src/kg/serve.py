"""`kg serve`: a local, read-only SPARQL 1.1 Protocol endpoint and a query page.

    GET  /sparql?query=…            POST /sparql (form `query=…` or application/sparql-query)
    GET  /                          the query page (editor, saved questions, table, graph, CSV)
    GET  /api/questions             saved questions with titles and parameters (JSON)
    GET  /api/run?question=ID&p.NAME=VALUE&lang=zh&format=csv   run a saved question
    GET  /api/graph?question=ID… | ?query=…                      the result as graph-view JSON
    GET  /ontology                  the ontology reference page (kg.docs)

    POST /reload                    rebuild, snapshot and swap (this machine only; header X-KG-Reload)

HTTP is parsed by waitress (RFC 9112 Content-Length and chunked bodies; a bad length is a 400,
never a hung thread or a body read as the next request). Every query runs in a worker process
with a deadline (see kg.serve_worker for why), on a pinned snapshot of the last valid build (see
kg.serve_snapshot). The default graph is the union of all graphs, as in `kg query`, unless the
request names a dataset with `default-graph-uri` / `named-graph-uri`. An answer over --max-rows
is refused with 422 and a message on how to page (LIMIT/OFFSET); the query page asks for pages
explicitly (offset=&limit= on /api/run). Updates are refused with 403; SERVICE is refused unless
its URL is in --allow-service (the endpoint makes no outbound request otherwise), so cross-origin
reads (CORS on /sparql) are harmless. Bound to 127.0.0.1 unless told otherwise, and requests whose
Host header is not the address we listen on are refused, so a web page on another site cannot
reach the endpoint through DNS rebinding.
"""
from __future__ import annotations

import errno
import ipaddress
import json
import logging
import re
import sys
import threading
import urllib.parse
from http import HTTPStatus
from importlib import resources

from kg.errors import KgError
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

    Safe because one cache belongs to one snapshot (kg.serve_snapshot.Live): the data behind it
    never changes, so the same request always gets the same answer; a reload brings a new cache.
    Bounded in entries and bytes.
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


# Reads from any origin: the data is public, the endpoint is read-only and makes no outbound
# request, so a browser client on another origin (YASGUI) may read answers. Only the protocol
# endpoint: the query page's own API stays same-origin.
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "X-KG-Rows"}
CORS_PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                  "Access-Control-Allow-Headers": "Accept, Content-Type", "Access-Control-Max-Age": "600"}
SPARQL_PATHS = ("/sparql", "/query")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Request:
    """What a route needs from a WSGI environ."""

    def __init__(self, environ):
        self.environ = environ
        self.method = environ["REQUEST_METHOD"].upper()
        self.path = environ.get("PATH_INFO") or "/"
        self.query = environ.get("QUERY_STRING") or ""
        self.host = (environ.get("HTTP_HOST") or "").lower()
        self.accept = environ.get("HTTP_ACCEPT") or ""
        self.ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        self.peer = environ.get("REMOTE_ADDR") or ""

    def params(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)

    def body(self) -> bytes:
        # waitress has read (and de-chunked) the whole body, and refused it past MAX_BODY.
        n = int(self.environ.get("CONTENT_LENGTH") or 0)
        return self.environ["wsgi.input"].read(n) if n > 0 else b""


def _text(status: int, msg: str, headers: dict | None = None) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (msg + "\n").encode(), dict(headers or {}))


class App:
    """The WSGI application: routes, Host check, and the live snapshot (kg.serve_snapshot.Served)."""

    def __init__(self, served, *, max_rows: int, verbose: bool = False):
        self.served = served
        self.max_rows = max_rows
        self.verbose = verbose
        self.hosts: set[str] = set()
        self._ontology: bytes | None = None
        self._lock = threading.Lock()

    def listen_on(self, host: str, port: int) -> None:
        self.hosts = {f"{h}:{port}" for h in (host, "localhost", "127.0.0.1", "[::1]")} | {host, "localhost", "127.0.0.1"}

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ, start_response):
        req = Request(environ)
        try:
            ans, extra = self.route(req)
        except Exception as exc:  # a bug answers 500 with one line, and the server goes on
            ans, extra = _text(500, f"internal error: {type(exc).__name__}: {exc}"), {}
        headers = [("Content-Type", ans.content_type), ("Content-Length", str(len(ans.body))),
                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store")]
        headers += [(k, v) for k, v in {**ans.headers, **extra}.items()]
        if self.verbose:
            print(f"{req.peer} {req.method} {req.path} {ans.status}", file=sys.stderr, flush=True)
        start_response(f"{ans.status} {HTTPStatus(ans.status).phrase}", headers)
        return [b"" if req.method == "HEAD" else ans.body]

    def route(self, req: Request) -> tuple[Answer, dict]:
        if req.host not in self.hosts:
            return _text(403, "unexpected Host header: the endpoint only answers its own address"), {}
        if req.method in ("GET", "HEAD"):
            return self.get(req)
        if req.method == "POST":
            return self.post(req)
        if req.method == "OPTIONS":
            if req.path in SPARQL_PATHS:
                return Answer(204, "text/plain", b"", {}), CORS_PREFLIGHT
            return _text(404, "not found; the SPARQL endpoint is /sparql"), {}
        return _text(405, "this endpoint is read-only"), {}

    def get(self, req: Request) -> tuple[Answer, dict]:
        path = req.path
        if path == "/":
            page = resources.files("kg").joinpath("templates", "serve.html").read_bytes()
            return Answer(200, "text/html; charset=utf-8", page, {"Content-Security-Policy": PAGE_CSP}), {}
        if path.startswith("/assets/"):
            name = path[len("/assets/"):]
            if name not in ASSETS:
                return _text(404, "no such asset"), {}
            data = resources.files("kg").joinpath("assets", name).read_bytes()
            return Answer(200, ASSETS[name], data, {}), {}
        if path == "/ontology":
            page = self.ontology_page()
            if page is None:
                return _text(404, "the ontology reference (kg.docs) is not available"), {}
            return Answer(200, "text/html; charset=utf-8", page, {}), {}
        if path == "/api/questions":
            return Answer(200, "application/json", self.questions_json(), {}), {}
        if path in SPARQL_PATHS:
            return self.sparql(req, req.params())
        if path in ("/api/run", "/api/graph"):
            return self.api(req, path, req.params())
        return _text(404, "not found; the SPARQL endpoint is /sparql"), {}

    def post(self, req: Request) -> tuple[Answer, dict]:
        path = req.path
        if path == "/reload":
            return self.reload(req), {}
        if path not in (*SPARQL_PATHS, "/update"):
            return _text(404, "not found; the SPARQL endpoint is /sparql"), {}
        if req.ctype == "application/sparql-update" or path == "/update":
            return _text(403, "this endpoint is read-only: SPARQL Update is refused"), CORS
        params = req.params()
        body = req.body()
        if req.ctype == "application/x-www-form-urlencoded":
            for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                params.setdefault(k, []).extend(v)
        elif req.ctype == "application/sparql-query":
            params["query"] = [body.decode("utf-8", "replace")]
        else:
            return _text(415, "POST application/sparql-query or an application/x-www-form-urlencoded form"), CORS
        return self.sparql(req, params)

    def reload(self, req: Request) -> Answer:
        # Only from this machine, and only with a header a cross-site form cannot set (and CORS
        # does not allow), so no web page can make the server rebuild.
        if not is_loopback(req.peer) or not req.environ.get("HTTP_X_KG_RELOAD"):
            return _text(403, "reload is allowed only from this machine, with the header X-KG-Reload: 1")
        ok, line = self.served.reload()
        return _text(200 if ok else 409, line)

    # ------------------------------------------------------------------ SPARQL protocol
    def _formats(self, req: Request, params) -> dict:
        forced = FORMAT_ALIASES.get((params.get("format") or [""])[0].lower())
        return {"fmt_select": forced if forced in SELECT_TYPES.values() else negotiate(req.accept, SELECT_TYPES) or "json",
                "fmt_graph": forced if forced in GRAPH_TYPES.values() else negotiate(req.accept, GRAPH_TYPES) or "turtle"}

    def sparql(self, req: Request, params) -> tuple[Answer, dict]:
        from kg.store import check_iri

        if "update" in params:
            return _text(403, "this endpoint is read-only: SPARQL Update is refused"), CORS
        queries = params.get("query") or []
        if len(queries) != 1 or not queries[0].strip():
            return _text(400, "give exactly one `query` parameter (SPARQL 1.1 Protocol)"), CORS
        job = {"op": "query", "via": "sparql", "text": queries[0], **self._formats(req, params)}
        default, named = params.get("default-graph-uri") or [], params.get("named-graph-uri") or []
        if default or named:
            try:
                job["dataset"] = [[check_iri(g) for g in default], [check_iri(g) for g in named]]
            except KgError as exc:
                return _text(400, f"default-graph-uri / named-graph-uri: {exc}"), CORS
        return self.answer(job, params), CORS

    def api(self, req: Request, path: str, params) -> tuple[Answer, dict]:
        one = lambda k: (params.get(k) or [""])[0]  # noqa: E731
        job = {"op": "graph" if path == "/api/graph" else "query", "lang": one("lang") or "zh",
               "title": one("title"), **self._formats(req, params)}
        if one("question"):
            job["question"] = one("question")
            job["params"] = {k[2:]: v[0] for k, v in params.items() if k.startswith("p.") and v and v[0] != ""}
        elif one("query"):
            job["text"] = one("query")
        else:
            return _text(400, "give question=ID or query=SPARQL"), {}
        if one("offset") or one("limit"):
            try:
                offset, limit = int(one("offset") or 0), int(one("limit") or self.max_rows)
            except ValueError:
                return _text(400, "offset and limit must be whole numbers"), {}
            if offset < 0 or limit < 1:
                return _text(400, "offset must be 0 or more and limit 1 or more"), {}
            # A page is asked for explicitly and says which rows it holds (X-KG-Offset, X-KG-Rows,
            # X-KG-More), so clamping its size to the cap cannot pass for the whole answer.
            job["page"] = [offset, min(limit, self.max_rows)]
        ans = self.answer(job, params)
        extra = {}
        if one("download") and ans.status == 200:
            ext = {"csv": "csv", "tsv": "tsv", "json": "json", "xml": "xml"}.get(job["fmt_select"], "txt")
            name = re.sub(r"[^A-Za-z0-9_-]", "", job.get("question") or "query") or "query"
            if "page" in job:  # a page says so in its name: it is not the whole answer
                first = job["page"][0] + 1
                name += f"-rows-{first}-{first + int(ans.headers.get('X-KG-Rows', 0)) - 1}"
            extra["Content-Disposition"] = f'attachment; filename="{name}.{ext}"'
        return ans, extra

    def answer(self, job: dict, params) -> Answer:
        live = self.served.live  # read once: a reload swaps it whole, never mid-request
        key = json.dumps(job, sort_keys=True)
        ans = live.cache.get(key) if live.cache else None
        if ans is None:
            ans = live.pool.run(job)
            if live.cache:
                live.cache.put(key, ans)
        return ans

    # ------------------------------------------------------------------ pages
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


def make_server(host: str = "127.0.0.1", port: int = 8000, *, timeout: float = 10.0, max_rows: int = 10000,
                workers: int = 2, store_path: str | None = None, verbose: bool = False,
                cache: bool = True, allow_service: tuple = ()):
    """A ready waitress server (call .run(), then .close() and .served.close()).

    The port is bound first, so a port in use fails at once with one line; then the store is
    built if needed and snapshotted, and the workers start on the snapshot.
    """
    import waitress

    from kg.serve_snapshot import Served, store_folder

    app = App(None, max_rows=max_rows, verbose=verbose)
    try:
        # threads: a request waits on a worker process, and cached answers must not queue behind those;
        # backlog: 50 clients connecting at once must not overflow it.
        server = waitress.create_server(app, host=host, port=port, threads=max(32, 8 * workers),
                                        backlog=128, max_request_body_size=MAX_BODY,
                                        channel_timeout=max(30, int(timeout) * 3), ident="kg-serve",
                                        clear_untrusted_proxy_headers=True)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise KgError(f"--port {port}: the port is already in use on {host}; stop the other server "
                          "or choose another port (--port 0 picks a free one)") from None
        raise KgError(f"--host {host} --port {port}: cannot listen there: {exc.strerror or exc}") from None
    # waitress warns "Task queue depth is N" under load: normal here (requests wait for a worker).
    logging.getLogger("waitress.queue").setLevel(logging.INFO if verbose else logging.ERROR)
    app.listen_on(host, server.effective_port)
    folder = store_folder(store_path)
    served = Served(folder, lambda snap: WorkerPool(workers, str(snap), max_rows, timeout, allow_service),
                    (lambda: AnswerCache()) if cache else (lambda: None), grace=timeout + 2)
    try:
        served.start()
    except BaseException:
        server.close()
        raise
    app.served = served
    server.served = served
    return server
