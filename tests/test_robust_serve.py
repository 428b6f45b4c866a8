"""Issue 12, `kg serve`: one test per case, named after it.

Each asserts the status (or exit code), the one message line, and that the server still answers
afterwards. Two cases run in headless Chromium (tests/browser_helpers.py: the system chromium,
every request off loopback aborted): a page on another origin that auto-submits a SERVICE query,
and YASGUI (tests/vendor/yasgui) served from another origin querying the endpoint.
"""
from __future__ import annotations

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from _storefix import REPO, VENV_BIN, free_port, wait_http
from browser_helpers import browser  # noqa: F401  (a fixture)

VENDOR = Path(__file__).resolve().parent / "vendor"

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ASK = "ASK { ?s a sk:PrefectureCity }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def make_home(root: Path) -> Path:
    """A copy of the checkout's inputs, so a test can edit data/ without touching the repository."""
    home = root / "home"
    for name in ("ontology", "data", "queries"):
        shutil.copytree(REPO / name, home / name)
    return home


class Serve:
    """`kg serve` as a user runs it, on a free loopback port, stderr kept in a file."""

    def __init__(self, tmp: Path, *args: str, home: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.store = tmp / "store"
        self.err_path = tmp / f"serve-{self.port}.err"
        env = dict(os.environ, KG_HOME=str(home)) if home else None
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen([str(VENV_BIN / "kg"), "serve", "--port", str(self.port), "--store",
                                      str(self.store), *args], cwd=REPO, env=env,
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        try:
            wait_http(self.base + "/api/questions", timeout=180, proc=self.proc)
        except RuntimeError:
            self.stop()
            raise RuntimeError(self.stderr())

    def stderr(self) -> str:
        return self.err_path.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.err.close()


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def sparql(base: str, text: str, accept: str = "application/sparql-results+json", **extra):
    params = [("query", text)] + [(k.replace("_", "-"), v) for k, vs in extra.items() for v in vs]
    return http(base + "/sparql?" + urllib.parse.urlencode(params), headers={"Accept": accept})


def count(base: str, text: str = COUNT, **extra) -> int:
    status, _, body = sparql(base, text, **extra)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def still_answers(base: str) -> None:
    status, _, body = sparql(base, ASK)
    assert status == 200 and json.loads(body)["boolean"] is True, body


def one_line(body: bytes) -> str:
    text = body.decode()
    assert text.count("\n") == 1 and text.endswith("\n") and "Traceback" not in text, text
    return text.strip()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Serve(tmp_path_factory.mktemp("robust-serve"), "--max-rows", "10000", "--timeout", "20")
    yield srv
    srv.stop()


# --------------------------------------------------------------------------- cases
def test_endpoint_cuts_answers_at_max_rows_with_200(server):
    """Past the cap: 422 and how to page, not 200 with a cut answer; standard clients see an error."""
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    total = count(server.base)
    assert total > 10000
    status, _, body = sparql(server.base, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 422
    line = one_line(body)
    assert line.startswith(f"the answer has {total} rows, more than this endpoint's cap of 10000")
    assert "LIMIT 10000 OFFSET 0" in line and "OFFSET 10000" in line
    # rdflib's SPARQLStore counted 10,000 of 11,788 triples before; now it gets the error.
    g = Graph(store=SPARQLStore(server.base + "/sparql", returnFormat="json"))
    with pytest.raises((ValueError, urllib.error.HTTPError)):  # rdflib: "You did something wrong …"
        sum(1 for _ in g.triples((None, None, None)))
    # The page it suggests works: two pages hold every triple once.
    pages = [sparql(server.base, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10000 OFFSET {o}", "text/csv")
             for o in (0, 10000)]
    assert [p[0] for p in pages] == [200, 200]
    assert sum(len(p[2].decode().splitlines()) - 1 for p in pages) == total
    still_answers(server.base)


def test_endpoint_ignores_default_graph_uri_and_named_graph_uri(server):
    """SPARQL 1.1 Protocol 2.1.4: the dataset parameters are used (rdflib's answer)."""
    status, _, body = sparql(server.base, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                          "GROUP BY ?g ORDER BY DESC(?n)")
    assert status == 200, body
    graphs = {b["g"]["value"]: int(b["n"]["value"]) for b in json.loads(body)["results"]["bindings"]}
    g, n = next((g, n) for g, n in graphs.items() if n < count(server.base))
    assert count(server.base, default_graph_uri=[g]) == n
    status, _, body = sparql(server.base, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                             named_graph_uri=[g])
    assert status == 200, body
    assert [b["g"]["value"] for b in json.loads(body)["results"]["bindings"]] == [g]
    status, _, body = sparql(server.base, COUNT, default_graph_uri=["not an iri"])
    assert status == 400 and "default-graph-uri" in one_line(body)
    still_answers(server.base)


def test_serve_rebuilds_from_data_while_it_runs(tmp_path):
    """Answers come from a snapshot: a broken edit changes nothing, a valid one only after reload."""
    home = make_home(tmp_path)
    srv = Serve(tmp_path, "--no-cache", "--timeout", "2", home=home)

    def restart_a_worker():  # a runaway query gets its worker killed and replaced by a fresh one
        assert sparql(srv.base, RUNAWAY)[0] == 503
        time.sleep(1.0)

    try:
        before = count(srv.base)
        data = sorted((home / "data" / "triples").rglob("*.ttl"))[0]
        good = data.read_text(encoding="utf-8")
        data.write_text(good + "\nthis is not turtle .\n", encoding="utf-8")
        restart_a_worker()
        # Was: every other request "500 the query worker died" once a worker had restarted.
        assert [count(srv.base, COUNT + f" # {i}") for i in range(4)] == [before] * 4
        # An explicit reload of broken data fails, says why, and keeps serving the old snapshot.
        os.kill(srv.proc.pid, signal.SIGHUP)
        for _ in range(300):
            if "reload failed" in srv.stderr():
                break
            time.sleep(0.1)
        line = next(x for x in srv.stderr().splitlines() if "reload failed" in x)
        assert line.startswith("kg serve: reload failed, still serving the snapshot taken ")
        assert count(srv.base) == before
        # The reload endpoint: this machine only, and a header no cross-site form can send.
        status, _, body = http(srv.base + "/reload", data=b"", method="POST")
        assert status == 403 and "X-KG-Reload" in one_line(body)
        # A valid edit: still the old answers until the reload swaps every worker at once.
        comment = "<https://w3id.org/shandong-skills/id/kg-serve-test> <http://www.w3.org/2000/01/rdf-schema#comment> \"edited\" ."
        data.write_text(good + "\n" + comment + "\n", encoding="utf-8")
        restart_a_worker()  # was: the restarted worker answered from the new data, the other from the old
        assert [count(srv.base, COUNT + f" # valid {i}") for i in range(4)] == [before] * 4
        status, _, body = http(srv.base + "/reload", data=b"", method="POST", headers={"X-KG-Reload": "1"})
        assert status == 200 and one_line(body).startswith("kg serve: reloaded; now serving the snapshot taken ")
        assert [count(srv.base, COUNT + f" # after {i}") for i in range(6)] == [before + 1] * 6
        snapshots = list(tmp_path.glob(".store.serve.*"))
    finally:
        srv.stop()
    assert snapshots and not list(tmp_path.glob(".store.serve.*"))  # removed when the server stops


def test_service_makes_outbound_requests_from_the_endpoint(server):
    """SERVICE is refused by default: a listener named in the query gets no connection."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(1.0)
        port = listener.getsockname()[1]
        status, _, body = sparql(server.base, f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> "
                                              "{ ?s ?p ?o } }")
        with pytest.raises(socket.timeout):
            listener.accept()
    assert status == 400
    line = one_line(body)
    assert "SERVICE" in line and "refused" in line
    still_answers(server.base)


def test_allow_service_lets_only_the_listed_endpoint(tmp_path):
    """kg serve --allow-service URL: that endpoint is called, any other is still refused."""
    from _storefix import Oxigraph

    ox = Oxigraph(tmp_path / "ox").start()
    try:
        allowed = ox.base + "/query"
        srv = Serve(tmp_path, "--allow-service", allowed)
        try:
            status, _, body = sparql(srv.base, f"ASK {{ SERVICE <{allowed}> {{ }} }}")
            assert status == 200 and json.loads(body)["boolean"] is True, body
            status, _, body = sparql(srv.base, f"ASK {{ SERVICE <{ox.base}/other> {{ }} }}")
            assert status == 400 and "allow-service" in one_line(body)
            still_answers(srv.base)
        finally:
            srv.stop()
    finally:
        ox.kill()


def test_host_0_0_0_0_binds_with_no_warning(tmp_path):
    srv = Serve(tmp_path, "--host", "0.0.0.0")
    try:
        warnings = [x for x in srv.stderr().splitlines() if "warning" in x]
        assert warnings == ["kg serve: warning: --host 0.0.0.0 is not a loopback address: other machines can "
                            "reach this endpoint; use --host 127.0.0.1 unless that is what you want"]
        still_answers(srv.base)
    finally:
        srv.stop()
    quiet = Serve(tmp_path)  # loopback: no warning
    try:
        assert "warning" not in quiet.stderr()
    finally:
        quiet.stop()


def test_port_already_in_use(server, tmp_path):
    proc = subprocess.run([str(VENV_BIN / "kg"), "serve", "--port", str(server.port), "--store",
                           str(tmp_path / "store")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        f"kg: --port {server.port}: the port is already in use on 127.0.0.1; stop the other server or "
        "choose another port (--port 0 picks a free one)"]
    assert not (tmp_path / "store").exists()  # failed before building anything
    still_answers(server.base)


def raw(port: int, request: bytes, wait: float = 10.0) -> tuple[bytes, float]:
    """Send bytes as they are; the whole reply (until the server closes or `wait` passes)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(request)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except socket.timeout:
            pass
    return out, time.monotonic() - t0


@pytest.mark.parametrize("length", ["abc", "-1", "1, 2", "+5"])
def test_content_length_abc_or_minus_1(server, length):
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Content-Type: application/sparql-query\r\n").encode()
    out, took = raw(server.port, head + f"Content-Length: {length}\r\n\r\nASK {{}}".encode())
    assert out.startswith(b"HTTP/1.1 400 Bad Request\r\n"), out  # was: connection dropped / 5 s hang
    assert b"Content-Length is invalid" in out and took < 5
    still_answers(server.base)


def test_chunked_request_body_parsed_as_next_request(server):
    """A chunked body is decoded and answered; its bytes never become a second request."""
    query = b"ASK { ?s a sk:PrefectureCity }"
    half = len(query) // 2
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (half, query[:half], len(query) - half, query[half:])
    head = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/sparql-query\r\n"
            "Accept: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    follow = f"GET /api/questions HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nConnection: close\r\n\r\n".encode()
    out, _ = raw(server.port, head + body + follow)
    assert out.count(b"HTTP/1.1 ") == 2, out  # the query's answer, then the pipelined GET's
    first, second = out.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 OK") and first.rstrip().endswith(b"_askResult\r\ntrue")
    assert second.startswith(b"200 OK")
    still_answers(server.base)


def test_3000_nested_braces_get_400_and_the_server_keeps_answering(server):
    status, _, body = sparql(server.base, "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000)
    assert status == 400  # was: 500 "the query worker died" (pyoxigraph crashed the worker)
    assert "nest" in one_line(body)
    still_answers(server.base)


def test_cross_origin_reads_are_cors_enabled(server):
    origin = {"Origin": "http://127.0.0.1:1"}
    status, headers, _ = http(server.base + "/sparql", method="OPTIONS",
                              headers={**origin, "Access-Control-Request-Method": "POST",
                                       "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    status, headers, _ = http(server.base + "/sparql?" + urllib.parse.urlencode({"query": ASK}), headers=origin)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    # The query page's own API stays same-origin.
    status, headers, _ = http(server.base + "/api/questions", headers=origin)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers


# --------------------------------------------------------------------------- in a browser
class Origin:
    """Static files from `folder` on another loopback port: another origin than the endpoint."""

    def __init__(self, folder: Path):
        handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *a: None
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def loopback_only(page) -> list[str]:
    """Abort every request that would leave 127.0.0.1; the list of those tried."""
    tried: list[str] = []

    def route(r):
        if urllib.parse.urlsplit(r.request.url).hostname == "127.0.0.1":
            r.continue_()
        else:
            tried.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return tried


class Listener:
    """A loopback port that counts the connections it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


def test_cross_site_form_with_service_makes_no_outbound_request(server, browser, tmp_path):  # noqa: F811
    """SSRF: a page on another origin auto-submits a SERVICE query; the named listener sees nothing."""
    listener = Listener()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    (tmp_path / "attack.html").write_text(
        f'''<!doctype html><html><body><form id="f" method="POST" action="{server.base}/sparql">
<input type="hidden" name="query" value="{query.replace('"', '&quot;')}"></form>
<script>document.getElementById("f").submit();</script></body></html>''', encoding="utf-8")
    origin = Origin(tmp_path)
    page = browser.new_page()
    try:
        loopback_only(page)
        statuses = []
        page.on("response", lambda r: statuses.append(r.status) if r.url.startswith(server.base) else None)
        page.goto(origin.base + "/attack.html")
        page.wait_for_url(server.base + "/sparql", timeout=30000)
        page.wait_for_load_state()
        text = page.locator("body").inner_text()
        time.sleep(1.0)  # time for a late outbound connection to show up
        assert statuses == [400]
        assert "SERVICE" in text and "refused" in text
        assert listener.connections == 0
    finally:
        page.close()
        origin.close()
        listener.close()
    still_answers(server.base)


def test_yasgui_on_another_origin_queries_kg_serve(server, browser, tmp_path):  # noqa: F811
    """YASGUI (npm, vendored) on another origin runs a query against kg serve and shows the rows."""
    for name in ("yasgui.min.js", "yasgui.min.css"):
        shutil.copy(VENDOR / "yasgui" / name, tmp_path / name)
    (tmp_path / "index.html").write_text(f'''<!doctype html><html><head><meta charset="utf-8">
<link href="yasgui.min.css" rel="stylesheet"></head><body><div id="yasgui"></div>
<script src="yasgui.min.js"></script>
<script>
  localStorage.clear();
  window.yasgui = new Yasgui(document.getElementById("yasgui"), {{
    requestConfig: {{ endpoint: "{server.base}/sparql", method: "POST" }},
    copyEndpointOnNewTab: false, persistenceId: null }});
</script></body></html>''', encoding="utf-8")
    origin = Origin(tmp_path)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        loopback_only(page)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(origin.base + "/index.html")
        page.wait_for_function("window.yasgui && window.yasgui.getTab()")
        page.evaluate("""() => { const tab = window.yasgui.getTab();
            tab.setQuery('PREFIX sk: <https://w3id.org/shandong-skills/ontology#> ' +
                         'PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ' +
                         'SELECT ?city ?label WHERE { ?city a sk:PrefectureCity ; rdfs:label ?label } ' +
                         'ORDER BY ?city ?label');
            tab.query(); }""")
        rows = page.locator(".yasr table tbody tr")
        rows.first.wait_for(timeout=30000)
        status, _, body = sparql(server.base, "SELECT ?city ?label WHERE { ?city a sk:PrefectureCity ; "
                                              "rdfs:label ?label }")
        want = len(json.loads(body)["results"]["bindings"])
        assert want > 10
        page.wait_for_function("n => document.querySelectorAll('.yasr table tbody tr').length >= Math.min(n, 10)",
                               arg=want)
        shown = page.locator(".yasr table tbody").inner_text()
        assert "济南市" in shown and "https://w3id.org/shandong-skills/id/" in shown
        assert not errors, errors
    finally:
        page.screenshot(path=str(tmp_path / "yasgui.png"))
        page.close()
        origin.close()
