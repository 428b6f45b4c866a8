"""Helpers for the store tests: free ports, real Oxigraph / Virtuoso servers, an HTML-only server."""
from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
OXIGRAPH = VENV_BIN / "oxigraph"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers; the status does not matter here
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def need(tool: str | Path) -> str:
    """The tool's path; missing → fail under CI (tests must not silently skip there), else skip."""
    path = shutil.which(str(tool))
    if path:
        return path
    msg = f"{tool} is not installed (scripts/setup.sh --test installs it)"
    if os.environ.get("CI"):
        pytest.fail(msg)
    pytest.skip(msg)


class Oxigraph:
    """`oxigraph serve` on a free loopback port with an on-disk location (so it can be restarted)."""

    def __init__(self, location: Path, port: int | None = None):
        self.location = location
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Oxigraph":
        exe = need(OXIGRAPH)
        self.proc = subprocess.Popen([exe, "serve", "--location", str(self.location), "--bind",
                                      f"127.0.0.1:{self.port}"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_http(self.base + "/query?query=ASK%7B%7D", proc=self.proc)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


class Virtuoso:
    """virtuoso-t (Debian virtuoso-opensource) with its database in a temporary folder."""

    INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")

    def __init__(self, folder: Path):
        self.folder = folder
        self.http_port, self.sql_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> "Virtuoso":
        exe = need("virtuoso-t")
        if not self.INI.exists():
            pytest.fail(f"{self.INI} missing: the virtuoso-opensource package is incomplete")
        ini = self.INI.read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", str(self.folder) + "/")
        ini = ini.replace("ServerPort               = 1111", f"ServerPort               = {self.sql_port}")
        ini = ini.replace("ServerPort                  = 8890", f"ServerPort                  = {self.http_port}")
        (self.folder / "virtuoso.ini").write_text(ini)
        self.proc = subprocess.Popen([exe, "-f", "-c", str(self.folder / "virtuoso.ini")], cwd=self.folder,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.base + "/sparql?query=ASK%7B%7D", timeout=120, proc=self.proc)
        return self

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class LocalHttpServer:
    """A threaded HTTP server on 127.0.0.1 that answers every request with `self.answer(request)`."""

    def __init__(self):
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            def _any(self):
                outer.answer(self)

            do_GET = do_POST = do_PUT = do_HEAD = _any

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, req: http.server.BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class HtmlServer(LocalHttpServer):
    """A web server that answers every request with 200 and an HTML page (a wrong URL's usual reply)."""

    def answer(self, req):
        n = int(req.headers.get("Content-Length") or 0)
        if n:
            req.rfile.read(n)
        body = b"<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>"
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


def write_nquads(dest: Path) -> Path:
    """A fresh compile of the checkout as N-Quads (what `kg build` writes, without validation)."""
    import pyoxigraph as ox

    from kg import oxi
    from kg.build import compile_dataset

    ox.serialize(oxi.sorted_quads(compile_dataset()), str(dest), ox.RdfFormat.N_QUADS)
    return dest


def post_query(url: str, text: str, extra: list[tuple[str, str]] = (), auth=None) -> dict:
    body = urllib.parse.urlencode([("query", text), *extra]).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())


def binding_key(b: dict | None) -> str:
    """A SPARQL-JSON binding as the same canonical text kg.store.term_key gives a local term."""
    if b is None:
        return ""
    t, v = b["type"], b["value"]
    if t == "uri":
        return f"<{v}>"
    if t == "bnode":
        return "_:b"
    if b.get("xml:lang"):
        return f'"{v}"@{b["xml:lang"].lower()}'
    dt = b.get("datatype")
    if dt and dt != "http://www.w3.org/2001/XMLSchema#string":
        return f'"{v}"^^<{dt}>'
    return f'"{v}"'


def unordered_key(key: str) -> str:
    """GROUP_CONCAT's order is undefined in SPARQL: compare concatenations as sorted parts."""
    for sep in ("; ", " "):
        if key.startswith('"') and sep in key:
            body, _, tail = key[1:].rpartition('"')
            return '"' + sep.join(sorted(body.split(sep))) + '"' + tail
    return key
