"""`kg load` against real stores: Oxigraph (`oxigraph serve`) and Virtuoso Open Source (Debian)."""
from __future__ import annotations

from collections import Counter

import pytest

from _storefix import HtmlServer, Oxigraph, Virtuoso, binding_key, free_port, post_query, unordered_key, write_nquads
from kg.cli import main
from kg.errors import KgError
from kg.load import COUNT_QUERY, DEFAULT_GRAPH_IRI, LoadConfig, dataset_params, load, read_graphs


@pytest.fixture(scope="module")
def nquads(tmp_path_factory):
    return write_nquads(tmp_path_factory.mktemp("build") / "kg.nq")


@pytest.fixture(scope="module")
def local_counts(nquads):
    return {g.iri: g.count for g in read_graphs(nquads)}


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    server = Oxigraph(tmp_path_factory.mktemp("oxigraph")).start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def embedded(nquads):
    from kg.store import open_store

    return open_store(engine="memory", source=nquads)


def run_kg(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def server_counts(query_url: str, **kw) -> dict[str, int]:
    doc = post_query(query_url, COUNT_QUERY, **kw)
    return {r["g"]["value"]: int(r["n"]["value"]) for r in doc["results"]["bindings"]}


def test_graph_layout(local_counts):
    assert DEFAULT_GRAPH_IRI in local_counts  # the build's default graph, as one named graph
    assert {g.rsplit("/", 1)[1] for g in local_counts if g != DEFAULT_GRAPH_IRI} >= {"s000", "s004"}


def test_load_twice_exact_counts(oxigraph, nquads, local_counts, capsys):
    for _ in range(2):  # PUT replaces each graph whole: the second load must not duplicate
        code, out, err = run_kg(capsys, "load", "--endpoint", oxigraph.base + "/store", "--source", str(nquads))
        assert code == 0, err
        assert "counts match" in out
        assert server_counts(oxigraph.base + "/query") == local_counts


def test_update_endpoint_load(tmp_path, nquads, local_counts, capsys):
    server = Oxigraph(tmp_path / "db").start()
    try:
        for _ in range(2):
            code, _, err = run_kg(capsys, "load", "--update-endpoint", server.base + "/update",
                                  "--query-endpoint", server.base + "/query", "--chunk", "500",
                                  "--source", str(nquads))
            assert code == 0, err
        assert server_counts(server.base + "/query") == local_counts
    finally:
        server.kill()


def test_dry_run_masks_credentials(nquads, capsys, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "s3cret-pw")
    code, out, err = run_kg(capsys, "load", "--dry-run", "--user", "alice", "--source", str(nquads),
                            "--endpoint", "http://bob:other-secret@127.0.0.1:9/store")
    assert code == 0
    assert "s3cret-pw" not in out + err and "other-secret" not in out + err
    puts = [line for line in out.splitlines() if line.startswith("PUT ")]
    assert len(puts) == len(read_graphs(nquads))
    assert all(line.endswith(" bytes") and "127.0.0.1:9/store?graph=" in line for line in puts)


def _rows_remote(doc: dict) -> list[tuple]:
    if "boolean" in doc:
        return [(f'"{str(doc["boolean"]).lower()}"',)]
    cols = doc["head"]["vars"]
    return [tuple(unordered_key(binding_key(b.get(c))) for c in cols) for b in doc["results"]["bindings"]]


def _rows_local(result) -> list[tuple]:
    from kg.store import term_key

    if result.kind == "ask":
        return [(f'"{str(result.boolean).lower()}"',)]
    return [tuple(unordered_key(term_key(t)) for t in row) for row in result.rows]


def test_saved_questions_match_embedded_store(oxigraph, nquads, local_counts, embedded, capsys):
    from kg import query as q
    from kg.namespaces import sparql_prefixes
    from kg.store import bind_text

    assert run_kg(capsys, "load", "--endpoint", oxigraph.base + "/store", "--source", str(nquads))[0] == 0
    # The same dataset the embedded store queries: union default graph, reports as named graphs.
    ds = dataset_params(sorted(local_counts))
    questions = [x for x in q.list_questions(("questions",)) if x.kind in ("select", "ask")]
    assert len(questions) >= 10
    for question in questions:
        bindings = q.bindings_for(question, {}, "zh", embedded.prefixes)
        text = bind_text(question.text, bindings)
        remote = _rows_remote(post_query(oxigraph.base + "/query", sparql_prefixes() + text, ds))
        # The text any store gets (bind_text) must answer as `kg query NAME` does.
        local = _rows_local(q.run_question(question.id, store=embedded))
        assert Counter(remote) == Counter(local), question.id


def test_server_killed_mid_load_then_rerun(tmp_path, nquads, local_counts, capsys):
    server = Oxigraph(tmp_path / "db").start()
    try:
        def kill_after_first(_iri):
            server.kill()

        cfg = LoadConfig(endpoint=server.base + "/store", source=nquads, retries=2, backoff=0.05, timeout=5,
                         after_graph=kill_after_first, out=lambda s: None)
        with pytest.raises(KgError) as info:
            load(cfg)
        msg = str(info.value)
        assert "cannot reach the store" in msg and "\n" not in msg
        server.start()  # same folder, same port
        code, _, err = run_kg(capsys, "load", "--endpoint", server.base + "/store", "--source", str(nquads))
        assert code == 0, err
        assert server_counts(server.base + "/query") == local_counts
    finally:
        server.kill()


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("kg: ")]
    assert len(lines) == 1, err
    return lines[0]


def test_unreachable_port(nquads, capsys):
    port = free_port()
    code, _, err = run_kg(capsys, "load", "--endpoint", f"http://127.0.0.1:{port}/store", "--retries", "1",
                          "--source", str(nquads))
    assert code == 2
    assert "cannot reach the store" in _one_line_error(err)


def test_wrong_url_404(oxigraph, nquads, capsys):
    code, _, err = run_kg(capsys, "load", "--endpoint", oxigraph.base + "/no-such-store",
                          "--query-endpoint", oxigraph.base + "/query", "--source", str(nquads))
    assert code == 2
    line = _one_line_error(err)
    assert "HTTP 404" in line and "server said" in line


def test_html_answering_server(nquads, capsys):
    html = HtmlServer()
    try:
        code, _, err = run_kg(capsys, "load", "--endpoint", html.base + "/store", "--source", str(nquads))
    finally:
        html.close()
    assert code == 2
    assert "HTML page, not SPARQL results" in _one_line_error(err)


def test_count_mismatch_is_invalid(oxigraph, nquads, local_counts, capsys, monkeypatch):
    import kg.load as kl

    real = kl.remote_counts
    monkeypatch.setattr(kl, "remote_counts", lambda *a: {**real(*a), DEFAULT_GRAPH_IRI: 1})
    code, _, err = run_kg(capsys, "load", "--endpoint", oxigraph.base + "/store", "--source", str(nquads))
    assert code == 1
    assert f"{DEFAULT_GRAPH_IRI}: local {local_counts[DEFAULT_GRAPH_IRI]}, remote 1" in err


# --------------------------------------------------------------------------- Virtuoso
@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.kill()


def test_virtuoso_gsp_digest_auth(virtuoso, nquads, local_counts, capsys, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_USER", "dba")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "dba")
    for _ in range(2):
        code, _, err = run_kg(capsys, "load", "--endpoint", virtuoso.base + "/sparql-graph-crud-auth",
                              "--source", str(nquads))
        assert code == 0, err
    counts = server_counts(virtuoso.base + "/sparql")
    assert {g: counts.get(g) for g in local_counts} == local_counts
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "wrong")
    code, _, err = run_kg(capsys, "load", "--endpoint", virtuoso.base + "/sparql-graph-crud-auth",
                          "--source", str(nquads))
    assert code == 2
    line = _one_line_error(err)
    assert "HTTP 401" in line and "wrong" not in line.replace("wrong credentials", "")


def test_virtuoso_sparql_update(virtuoso, nquads, local_counts, capsys, monkeypatch):
    monkeypatch.setenv("KG_ENDPOINT_USER", "dba")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "dba")
    # Virtuoso compiles INSERT DATA to SQL and caps its size: small chunks (docs/stores.md).
    code, _, err = run_kg(capsys, "load", "--update-endpoint", virtuoso.base + "/sparql-auth", "--chunk", "100",
                          "--source", str(nquads))
    assert code == 0, err
    counts = server_counts(virtuoso.base + "/sparql")
    assert {g: counts.get(g) for g in local_counts} == local_counts


# Saved questions whose answers differ on Virtuoso 7.2 because of its SPARQL dialect, not the data
# (checked by hand, 2026-11; see docs/stores.md):
VIRTUOSO_DIALECT = {
    # non-ASCII string constants inside expressions (CONCAT(…, "–", …)) come back as "?"
    "figure-ranges": "non-ASCII constant in CONCAT", "money-by-city": "non-ASCII constant in CONCAT",
    # a boolean expression in SELECT is returned as the integer 0/1
    "multi-source-facts": "boolean returned as integer",
    # OPTIONAL groups with inner FILTERs / nested OPTIONALs leave values unbound
    "honour-holders": "OPTIONAL scoping", "policy-documents": "OPTIONAL scoping",
    "programmes": "OPTIONAL scoping", "sources": "OPTIONAL scoping", "timeline": "OPTIONAL scoping",
    "province-vs-cities": "OPTIONAL scoping",
    # OPTIONAL { … FILTER(?comp = ?x || EXISTS …) } with ?x from outside: counted 0 on a fresh
    # database, right on one that has run a while (plan-dependent)
    "competitions": "OPTIONAL filter on an outer variable",
    # FILTER NOT EXISTS with the question's OPTIONALs (langMatches on the bound language constant)
    # loses 1 of 5 rows; without the NOT EXISTS both stores give the same rows (docs/stores.md)
    "foreign-partners": "NOT EXISTS beside OPTIONALs",
}


def test_virtuoso_saved_questions(virtuoso, nquads, local_counts, embedded, capsys, monkeypatch):
    from kg import query as q
    from kg.namespaces import sparql_prefixes
    from kg.store import bind_text

    monkeypatch.setenv("KG_ENDPOINT_USER", "dba")
    monkeypatch.setenv("KG_ENDPOINT_PASSWORD", "dba")
    assert run_kg(capsys, "load", "--endpoint", virtuoso.base + "/sparql-graph-crud-auth",
                  "--source", str(nquads))[0] == 0
    ds = dataset_params(sorted(local_counts))
    same, differ = [], []
    for question in q.list_questions(("questions",)):
        if question.kind not in ("select", "ask"):
            continue
        bindings = q.bindings_for(question, {}, "zh", embedded.prefixes)
        text = bind_text(question.text, bindings)
        remote = _rows_remote(post_query(virtuoso.base + "/sparql", sparql_prefixes() + text, ds))  # runs
        local = _rows_local(embedded.query(text))
        (same if Counter(remote) == Counter(local) else differ).append(question.id)
    unexpected = sorted(set(differ) - set(VIRTUOSO_DIALECT))
    assert not unexpected, f"differ on Virtuoso beyond the known dialect cases: {unexpected}"
    assert len(same) >= 25
