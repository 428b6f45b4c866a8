"""`kg serve`: SPARQL 1.1 Protocol formats, read-only, timeouts, and the query page in a browser."""
from __future__ import annotations

import concurrent.futures as cf
import csv
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from _storefix import REPO, VENV_BIN, free_port, need, wait_http

SELECT = "SELECT ?s ?label WHERE { ?s a sk:PrefectureCity ; rdfs:label ?label } ORDER BY ?s ?label"
CONSTRUCT = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s a sk:PrefectureCity ; rdfs:label ?l }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    store = tmp_path_factory.mktemp("serve") / "store"
    proc = subprocess.Popen([str(VENV_BIN / "kg"), "serve", "--port", str(port), "--timeout", "2",
                             "--workers", "2", "--max-rows", "50", "--store", str(store)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/questions", timeout=120, proc=proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(proc.stderr.read().decode())
    yield base
    proc.terminate()
    proc.wait(10)


def get(url, accept=None, data=None, ctype=None):
    headers = {}
    if accept:
        headers["Accept"] = accept
    if ctype:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def q(base, text):
    return base + "/sparql?" + urllib.parse.urlencode({"query": text})


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml",
                                    "text/csv", "text/tab-separated-values"])
def test_select_formats(server, accept):
    status, headers, body = get(q(server, SELECT), accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(accept)
    text = body.decode()
    if "json" in accept:
        doc = json.loads(text)
        assert doc["head"]["vars"] == ["s", "label"] and len(doc["results"]["bindings"]) > 10
        assert any(b["label"].get("xml:lang") == "zh" for b in doc["results"]["bindings"])
    elif "xml" in accept:
        root = ET.fromstring(body)
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(root.findall(f"{ns}results/{ns}result")) > 10
    elif accept == "text/csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["s", "label"] and rows[1][0].startswith("https://")
    else:
        lines = text.splitlines()
        assert lines[0] == "?s\t?label" and lines[1].startswith("<https://")


@pytest.mark.parametrize("accept,check", [
    ("text/turtle", lambda t: "@prefix" in t or "rdfs:label" in t or "<http" in t),
    ("application/n-triples", lambda t: t.splitlines()[0].endswith(" .")),
    ("application/ld+json", lambda t: isinstance(json.loads(t), (list, dict))),
])
def test_construct_formats(server, accept, check):
    status, headers, body = get(q(server, CONSTRUCT), accept)
    assert status == 200, body
    assert headers["Content-Type"].startswith(accept)
    assert check(body.decode())


def test_post_forms_and_ask(server):
    status, _, body = get(server + "/sparql", "application/sparql-results+json",
                          data=urllib.parse.urlencode({"query": "ASK { ?s a sk:PrefectureCity }"}).encode(),
                          ctype="application/x-www-form-urlencoded")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = get(server + "/sparql", "text/csv", data=SELECT.encode(), ctype="application/sparql-query")
    assert status == 200 and body.startswith(b"s,label")


def test_max_rows_cap_pages(server):
    """Over the cap: refused, never cut; LIMIT/OFFSET pages and the page API's explicit pages work."""
    status, _, body = get(q(server, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"), "application/sparql-results+json")
    assert status == 422 and b"cap of 50" in body and b"LIMIT 50 OFFSET 0" in body
    status, _, body = get(q(server, "SELECT ?s ?l WHERE { ?s rdfs:label ?l } ORDER BY ?s ?l LIMIT 50 OFFSET 50"),
                          "application/sparql-results+json")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 50, body
    api = server + "/api/run?" + urllib.parse.urlencode({"query": "SELECT ?s ?l WHERE { ?s rdfs:label ?l }",
                                                         "format": "json", "offset": 50, "limit": 20})
    status, headers, body = get(api)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 20
    assert headers["X-KG-Offset"] == "50" and headers["X-KG-More"] == "yes"
    status, headers, body = get(api.replace("limit=20", "limit=500"))  # a page is at most the cap
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 50 == int(headers["X-KG-Rows"])


@pytest.mark.parametrize("how", ["form", "body", "query-text", "get"])
def test_updates_refused(server, how):
    upd = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    if how == "form":
        status, _, body = get(server + "/sparql", data=urllib.parse.urlencode({"update": upd}).encode(),
                              ctype="application/x-www-form-urlencoded")
    elif how == "body":
        status, _, body = get(server + "/sparql", data=upd.encode(), ctype="application/sparql-update")
    elif how == "query-text":
        status, _, body = get(server + "/sparql", data=upd.encode(), ctype="application/sparql-query")
    else:
        status, _, body = get(server + "/sparql?" + urllib.parse.urlencode({"update": upd}))
    assert status in (400, 403)
    assert b"read-only" in body
    status, _, body = get(q(server, "ASK { <urn:x:a> ?p ?o }"), "application/sparql-results+json")
    assert json.loads(body)["boolean"] is False


def test_syntax_error_is_400(server):
    status, _, body = get(q(server, "SELECT WHERE {"))
    assert status == 400 and b"syntax" in body.lower()


def test_slow_query_times_out_while_others_answer(server):
    with cf.ThreadPoolExecutor(4) as pool:
        slow = pool.submit(get, q(server, SLOW))
        time.sleep(0.3)
        # Distinct texts, so each one really runs in a worker (repeats would come from the cache).
        fast = [pool.submit(get, q(server, f"{SELECT} LIMIT {100 + i}"), "text/csv") for i in range(5)]
        fast_done = [f.result() for f in fast]
        slow_pending = not slow.done()
        status, _, body = slow.result()
    assert all(s == 200 for s, _, _ in fast_done)
    assert slow_pending  # answered while the slow one was still running (its latency: bench/bench_serve.py)
    assert status == 503 and b"timed out" in body
    # The killed worker is replaced: the server keeps answering afterwards.
    time.sleep(0.5)
    assert all(get(q(server, f"{SELECT} LIMIT {200 + i}"), "text/csv")[0] == 200 for i in range(4))


def test_saved_question_api_and_csv_download(server):
    status, _, body = get(server + "/api/questions")
    questions = json.loads(body)
    assert {"id", "titles", "params"} <= set(questions[0]) and len(questions) >= 10
    status, headers, body = get(server + "/api/run?" + urllib.parse.urlencode(
        {"question": "cities-by-indicator", "format": "csv", "download": "1"}))
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    assert body.decode().splitlines()[0].startswith("city,")


def test_host_header_checked(server):
    req = urllib.request.Request(server + "/api/questions", headers={"Host": "evil.example:80"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 403


def test_browser_runs_saved_question(server):
    from playwright.sync_api import sync_playwright

    need("/usr/bin/chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            outside = []
            page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server + "/")
            page.locator("#questions li[data-id='collaboration-members']").click()
            page.locator("#run-question").click()
            # Locator waits, not wait_for_function: the page's CSP (rightly) forbids eval.
            page.locator("#results tbody tr").first.wait_for(timeout=20000)
            assert page.locator("#results thead th").count() >= 2
            assert page.locator("#csv-link").get_attribute("href").startswith("/api/run?")
            page.locator("#tabs button[data-tab='graph']").click()
            page.locator("#graph[data-nodes]").wait_for(timeout=20000)
            assert int(page.locator("#graph").get_attribute("data-nodes")) > 0
            assert page.locator("#graph canvas").count() == 1
            assert page.locator("#ontology-link").get_attribute("href") == "/ontology"
            # An answer over the server's cap (50 here) comes in pages the page asks for.
            page.locator("#tabs button[data-tab='table']").click()
            page.locator("#editor").fill("SELECT ?s ?l WHERE { ?s rdfs:label ?l }")
            page.locator("#run-query").click()
            page.locator("#status", has_text="rows 1–50 (more follow)").wait_for(timeout=20000)
            assert page.locator("#results tbody tr").count() == 50
            page.locator("#next-page").click()
            page.locator("#status", has_text="rows 51–100").wait_for(timeout=20000)
            assert "rows-51-100" in page.locator("#csv-link").get_attribute("href") or \
                "offset=50" in page.locator("#csv-link").get_attribute("href")
            page.locator("#prev-page").click()
            page.locator("#status", has_text="rows 1–50").wait_for(timeout=20000)
            assert not errors and not outside
        finally:
            browser.close()
