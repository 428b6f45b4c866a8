"""Issue 12, area "remote": one test per case, named after it.

Every test asserts the exit code, the one `kg: …` line (and no traceback), and what must not
happen (an outbound request, a secret in the text, a partial answer passed off as whole). Real
servers: `oxigraph serve` and Virtuoso (tests/_storefix.py), never skipped under CI.
"""
from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from _storefix import LocalHttpServer, Oxigraph, Virtuoso, binding_key, unordered_key, write_nquads
from kg.cli import main

REPO = Path(__file__).resolve().parents[1]
KG = [str(Path(sys.executable).parent / "kg")]


# --------------------------------------------------------------------------- helpers
def one_error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kg: "), err
    return lines[0]


def load_error_line(err: str) -> str:
    """kg load prints progress lines on stderr before failing: the one `kg:` line among them."""
    assert "Traceback" not in err, err
    return one_error_line("\n".join(ln for ln in err.splitlines() if ln.startswith("kg: ")))


def run_kg(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_kg_process(*args, env=None, timeout=120) -> subprocess.CompletedProcess:
    """A separate process: os._exit (the deadline) or a native crash must not take pytest along."""
    return subprocess.run(KG + list(args), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, cwd=REPO)


class Listener:
    """A TCP listener on 127.0.0.1 that records every connection; it answers with `reply`
    (bytes, or None: never answer)."""

    def __init__(self, reply: bytes | None = None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        self.connections = 0
        self.reply = reply
        self._held: list[socket.socket] = []
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.reply is None:
                self._held.append(conn)  # hang: never answer
                continue
            conn.settimeout(5)
            try:
                conn.recv(65536)
                conn.sendall(self.reply)
            except OSError:
                pass
            conn.close()

    def close(self):
        self.sock.close()
        for c in self._held:
            c.close()


def _http(status: str, body: bytes, ctype="text/plain", extra="") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}"
            "Connection: close\r\n\r\n").encode() + body


@pytest.fixture(scope="module")
def nquads(tmp_path_factory):
    return write_nquads(tmp_path_factory.mktemp("build") / "kg.nq")


@pytest.fixture(scope="module")
def embedded_env(nquads, tmp_path_factory):
    """KG_DATASET/KG_STORE so the embedded `kg query` answers from the very file loaded into the servers."""
    env = {"KG_DATASET": str(nquads), "KG_STORE": str(tmp_path_factory.mktemp("store") / "s")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from kg.store import open_store

    open_store(quiet=True)  # built once here, so the tests see only their own messages
    yield env
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory, nquads):
    server = Oxigraph(tmp_path_factory.mktemp("oxigraph")).start()
    assert main(["load", "--endpoint", server.base + "/store", "--source", str(nquads)]) == 0
    yield server
    server.kill()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, nquads):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    os.environ["KG_ENDPOINT_USER"], os.environ["KG_ENDPOINT_PASSWORD"] = "dba", "dba"
    try:
        assert main(["load", "--endpoint", server.base + "/sparql-graph-crud-auth", "--source", str(nquads)]) == 0
    finally:
        del os.environ["KG_ENDPOINT_USER"], os.environ["KG_ENDPOINT_PASSWORD"]
    yield server
    server.kill()


def answer_key(question, out: str) -> Counter:
    """The rows of `kg query … --format json|ntriples` as comparable keys (kg.store.term_key's form)."""
    if question.kind in ("construct", "describe"):
        return Counter(re.sub(r"_:\S+", "_:b", ln) for ln in out.splitlines())
    doc = json.loads(out)
    if "boolean" in doc:
        return Counter([str(doc["boolean"])])
    cols = doc["head"]["vars"]
    return Counter(tuple(unordered_key(binding_key(b.get(c))) for c in cols) for b in doc["results"]["bindings"])


def compare_all(capsys, endpoint: str) -> tuple[list[str], list[str]]:
    """Every saved query through `kg query NAME` and `kg query NAME --endpoint URL`: (same, differ)."""
    from kg import query as q

    same, differ = [], []
    for question in q.list_questions():
        fmt = "ntriples" if question.kind in ("construct", "describe") else "json"
        code, local, err = run_kg(capsys, "query", question.id, "--format", fmt)
        assert code == 0, err
        code, remote, err = run_kg(capsys, "query", question.id, "--format", fmt, "--endpoint", endpoint)
        assert code == 0, f"{question.id}: {err}"
        (same if answer_key(question, local) == answer_key(question, remote) else differ).append(question.id)
    return same, differ


def virtuoso_dialect() -> dict[str, str]:
    """The questions docs/stores.md says Virtuoso answers differently, with the reason."""
    text = (REPO / "docs" / "stores.md").read_text(encoding="utf-8")
    section = text.split("<!-- virtuoso-dialect -->")[1]
    return dict(re.findall(r"^\| `([a-z0-9-]+)` \| (.+?) \|$", section, re.M))


# --------------------------------------------------------------------------- case 1
def test_query_endpoint_gives_the_embedded_answers_on_oxigraph_server(embedded_env, oxigraph, capsys, tmp_path):
    url = oxigraph.base + "/query"
    same, differ = compare_all(capsys, url)
    assert not differ, f"differ from the embedded store on oxigraph serve: {differ}"
    assert len(same) >= 50  # questions, checks and exports
    # --sparql and --file go the same way, in every output format.
    text = "SELECT ?c WHERE { ?c a sk:TechnicianCollege } ORDER BY ?c"
    (tmp_path / "q.rq").write_text(text, encoding="utf-8")
    for fmt in ("table", "csv", "tsv", "json"):
        local = run_kg(capsys, "query", "--sparql", text, "--format", fmt)
        assert local[0] == 0 and local[1].count("\n") > 5
        assert run_kg(capsys, "query", "--sparql", text, "--format", fmt, "--endpoint", url)[:2] == local[:2]
        assert run_kg(capsys, "query", "--file", str(tmp_path / "q.rq"), "--format", fmt, "--endpoint", url)[:2] == local[:2]
    # A server error is one line naming the endpoint, with the server's words.
    code, _, err = run_kg(capsys, "query", "--sparql", "SELECT * WHERE { ?s ?p", "--endpoint", url)
    assert code == 2 and "HTTP 400" in one_error_line(err)


def test_query_endpoint_gives_the_embedded_answers_on_virtuoso_outside_the_dialect_list(
        embedded_env, virtuoso, capsys, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_USER", "dba")  # not needed to read; proves credentials stay out of text
    same, differ = compare_all(capsys, virtuoso.base + "/sparql")
    dialect = virtuoso_dialect()
    assert dialect, "docs/stores.md lost its Virtuoso dialect table"
    assert not set(differ) - set(dialect), f"differ on Virtuoso beyond docs/stores.md: {sorted(set(differ) - set(dialect))}"
    assert len(same) >= 40


def test_query_endpoint_partial_answer_from_virtuoso_row_cap_is_an_error(embedded_env, virtuoso, capsys):
    # Virtuoso's ResultSetMaxRows (10,000 in the Debian ini) cuts 11,788 triples with 200 OK.
    code, out, err = run_kg(capsys, "query", "--sparql", "SELECT * WHERE { ?s ?p ?o }", "--format", "csv",
                            "--endpoint", virtuoso.base + "/sparql")
    assert code == 2 and out == ""
    line = one_error_line(err)
    assert "row limit (10000 rows)" in line and "--limit" in line
    # A page under the cap is whole, and it is what the embedded store gives for the same page.
    page = ["--sparql", "SELECT * WHERE { ?s ?p ?o }", "--limit", "5000", "--offset", "5000", "--format", "json"]
    code, remote, err = run_kg(capsys, "query", *page, "--endpoint", virtuoso.base + "/sparql")
    assert code == 0, err
    assert len(json.loads(remote)["results"]["bindings"]) == 5000


# --------------------------------------------------------------------------- case 2
def test_service_is_refused_by_default_with_no_outbound_request(embedded_env, oxigraph, capsys):
    listener = Listener(_http("200 OK", b"SECRET-REMOTE-BODY"))
    try:
        queries = [
            f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
            f"select * where {{ sErViCe silent <{listener.url}> {{ ?s ?p ?o }} }}",
            f"PREFIX r: <http://127.0.0.1:{listener.port}/> SELECT * WHERE {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE # a comment\n <{listener.url}> {{ ?s ?p ?o }} }}",
        ]
        for text in queries:
            for where in ([], ["--engine", "rdflib"], ["--endpoint", oxigraph.base + "/query"]):
                code, out, err = run_kg(capsys, "query", "--sparql", text, *where)
                assert code == 2 and out == ""
                line = one_error_line(err)
                assert "SERVICE" in line and "--allow-service" in line and "SECRET" not in line
        # a variable endpoint is refused even with an allow-list
        code, _, err = run_kg(capsys, "query", "--sparql", "SELECT * WHERE { SERVICE ?where { ?s ?p ?o } }",
                              "--allow-service", listener.url)
        assert code == 2 and "variable endpoint" in one_error_line(err)
        # the allow-list is exact: a longer IRI with the allowed one as prefix is not allowed
        code, _, err = run_kg(capsys, "query", "--sparql", f"SELECT * WHERE {{ SERVICE <{listener.url}2> {{ ?s ?p ?o }} }}",
                              "--allow-service", listener.url)
        assert code == 2 and "not on the --allow-service list" in one_error_line(err)
        assert listener.connections == 0
        # the word in a string, an IRI or a comment, a prefixed name or a variable is not SERVICE
        harmless = ('SELECT ?service WHERE { ?service rdfs:label "SERVICE <http://x/> {}" . '
                    '# SERVICE <http://x/>\n FILTER(?service != <http://x/SERVICE>) '
                    'FILTER(?service != sk:service) } LIMIT 1')
        code, out, err = run_kg(capsys, "query", "--sparql", harmless)
        assert code == 0, err
    finally:
        listener.close()
    assert listener.connections == 0


def test_service_opt_in_is_bounded_by_the_timeout_and_keeps_the_remote_body_out(embedded_env):
    echo = Listener(_http("500 Oops", b"SECRET-REMOTE-BODY password=hunter2"))
    hang = Listener(None)
    try:
        r = run_kg_process("query", "--allow-service", echo.url, "--sparql",
                           f"SELECT * WHERE {{ SERVICE <{echo.url}> {{ ?s ?p ?o }} }}")
        assert r.returncode == 2 and echo.connections == 1
        line = one_error_line(r.stderr)
        assert "SECRET-REMOTE-BODY" not in line and "hunter2" not in line and "500" in line
        t0 = time.monotonic()
        r = run_kg_process("query", "--timeout", "2", "--allow-service", hang.url, "--sparql",
                           f"SELECT * WHERE {{ SERVICE <{hang.url}> {{ ?s ?p ?o }} }}", timeout=60)
        assert r.returncode == 2 and hang.connections == 1
        assert "--timeout 2 s" in one_error_line(r.stderr)
        assert time.monotonic() - t0 < 60  # bounded (the subprocess timeout would fail first)
    finally:
        echo.close()
        hang.close()


# --------------------------------------------------------------------------- case 3
def test_query_timeout_stops_a_cartesian_product(embedded_env):
    r = run_kg_process("query", "--timeout", "1", "--sparql",
                       "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert r.returncode == 2 and r.stdout == ""
    assert one_error_line(r.stderr).startswith("kg: the query ran longer than --timeout 1 s")
    # the default is documented in --help and is not "no limit"
    r = run_kg_process("query", "--help")
    assert re.search(r"--timeout SECONDS.*\[default: 60", " ".join(r.stdout.split()))


# --------------------------------------------------------------------------- case 4
def test_three_thousand_nested_braces_are_refused_before_the_engine(embedded_env, tmp_path):
    deep = tmp_path / "deep.rq"
    deep.write_text("SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000, encoding="utf-8")
    parens = "SELECT * WHERE { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"
    for args in (["--file", str(deep)], ["--file", str(deep), "--engine", "rdflib"], ["--sparql", parens]):
        r = run_kg_process("query", *args)
        assert r.returncode == 2, (args[:2], r.returncode)  # not 139 (SIGSEGV)
        line = one_error_line(r.stderr)
        assert "deeper than 128 levels" in line
    # the endpoint path goes through the same guard: nothing is sent
    listener = Listener(_http("200 OK", b"{}"))
    try:
        r = run_kg_process("query", "--file", str(deep), "--endpoint", listener.url)
        assert r.returncode == 2 and "deeper than 128" in one_error_line(r.stderr)
    finally:
        listener.close()
    assert listener.connections == 0


# --------------------------------------------------------------------------- case 5
class HostileStore(LocalHttpServer):
    """Asks for Basic auth, then answers every authenticated request with 500 and an echo of the
    request (headers, URL, body) plus a password-looking text — what a hostile store may send."""

    def __init__(self, redirect_to: str | None = None):
        self.redirect_to = redirect_to
        super().__init__()

    def answer(self, req):
        n = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(n) if n else b""
        if self.redirect_to:
            req.send_response(302)
            req.send_header("Location", self.redirect_to)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        if "Authorization" not in req.headers:
            req.send_response(401)
            req.send_header("WWW-Authenticate", 'Basic realm="kg"')
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        echo = (f"{req.command} {req.path}\n{req.headers}\nold password=hunter2-server "
                f"see http://root:server-pw@10.0.0.1/\n").encode() + body[:200]
        req.send_response(500)
        req.send_header("Content-Type", "text/plain")
        req.send_header("Content-Length", str(len(echo)))
        req.end_headers()
        req.wfile.write(echo)


SECRETS = ("Sup3r-Secret-pw", "url-pw-9876", "query-pw-5555", "hunter2-server", "server-pw")


def _assert_clean(line: str) -> None:
    import base64

    for s in SECRETS + (base64.b64encode(b"alice:Sup3r-Secret-pw").decode(),
                        base64.b64encode(b"bob:url-pw-9876").decode()):
        assert s not in line, (s, line)
    assert "***" in line


def test_secrets_are_redacted_in_every_message_of_kg_load_and_query_endpoint(nquads, capsys, monkeypatch):
    hostile = HostileStore()
    elsewhere = Listener(_http("200 OK", b"{}"))
    redirector = HostileStore(redirect_to=elsewhere.url)
    try:
        monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "Sup3r-Secret-pw")
        # kg load: password from the environment, the server echoes the Authorization header
        code, out, err = run_kg(capsys, "load", "--user", "alice", "--retries", "0", "--source", str(nquads),
                                "--endpoint", hostile.base + "/store?password=query-pw-5555")
        assert code == 2
        line = load_error_line(err)
        assert "HTTP 500" in line
        _assert_clean(line + out + err.replace("password ***", ""))
        # kg query --endpoint: credentials in the URL's user-info
        monkeypatch.delenv("KG_ENDPOINT_PASSWORD")
        code, out, err = run_kg(capsys, "query", "education-groups", "--endpoint",
                                f"http://bob:url-pw-9876@{hostile.base[7:]}/query?password=query-pw-5555")
        assert code == 2 and out == ""
        line = one_error_line(err)
        assert "HTTP 500" in line
        _assert_clean(line)
        # no request except to the URL named: a redirect elsewhere is refused, not followed
        code, _, err = run_kg(capsys, "query", "education-groups", "--endpoint", redirector.base + "/query")
        assert code == 2 and "redirect" in one_error_line(err)
        code, _, err = run_kg(capsys, "load", "--retries", "0", "--source", str(nquads),
                              "--endpoint", redirector.base + "/store")
        assert code == 2 and "redirect" in load_error_line(err)
    finally:
        hostile.close()
        redirector.close()
        elsewhere.close()
    assert elsewhere.connections == 0
