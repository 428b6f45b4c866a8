"""kg synth: deterministic, sized as asked, loadable, valid; the label index agrees with a scan."""
from __future__ import annotations

import json
import sqlite3

import pyoxigraph as ox
import pytest

from kg.bulk import bulk_load_file, open_read_only, run_checks_on_store, stream_source_hash
from kg.search_index import build_index, fold, scan, search
from kg.synth import generate, parse_scale

SCALE = 20_000


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    """One small synthetic graph, bulk-loaded, shared by the tests of this module."""
    out = tmp_path_factory.mktemp("synth")
    info = generate(SCALE, out, seed=42)
    stats = bulk_load_file(out / "kg.nq", out / "store")
    return out, info, stats


def test_same_seed_same_bytes(graph, tmp_path):
    out, _, _ = graph
    generate(SCALE, tmp_path / "again", seed=42)
    assert (tmp_path / "again" / "kg.nq").read_bytes() == (out / "kg.nq").read_bytes()
    generate(SCALE, tmp_path / "other", seed=7)
    assert (tmp_path / "other" / "kg.nq").read_bytes() != (out / "kg.nq").read_bytes()


@pytest.mark.parametrize("scale", [SCALE, 60_000])
def test_size_within_ten_percent(graph, tmp_path, scale):
    out = graph[0] if scale == SCALE else tmp_path
    info = generate(scale, out) if scale != SCALE else graph[1]
    lines = (out / "kg.nq").read_text(encoding="utf-8").count("\n")
    assert lines == info["quads"]
    assert abs(lines - scale) <= scale * 0.10


def test_parses_and_has_no_duplicate_quads(graph):
    out, info, stats = graph
    quads = list(ox.parse(path=str(out / "kg.nq"), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == info["quads"]
    assert len(set(quads)) == len(quads) == stats["quads"]
    graphs = {q.graph_name for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert len(graphs) == info["reports"]  # one named graph per synthetic source document


def test_has_every_claim_class_and_derived_edges(graph):
    out, info, _ = graph
    assert set(info["claims_per_class"]) == {"Observation", "Statement", "Conferral", "CompetitionResult",
                                             "Partnership", "Membership"}
    db = open_read_only(out / "store")
    for pred in ("http://www.w3.org/ns/org#memberOf", "https://w3id.org/shandong-skills/ontology#ledBy",
                 "https://w3id.org/shandong-skills/ontology#partnerOf",
                 "https://w3id.org/shandong-skills/ontology#received",
                 "https://w3id.org/shandong-skills/ontology#involves"):
        found = next(db.quads_for_pattern(None, ox.NamedNode(pred), None, None), None)
        assert found is not None and not isinstance(found.graph_name, ox.DefaultGraph), pred


def test_violation_checks_pass(graph):
    out, _, _ = graph
    results = run_checks_on_store(out / "store")
    assert len(results) >= 10
    bad = {name: [(v.focus, v.message) for v in rows[:3]] for name, (rows, _) in results.items() if rows}
    assert bad == {}


def test_store_reuses_bulk_load(graph):
    """open_store(path, source=file) must accept the bulk-loaded folder without rebuilding it."""
    from kg.store import source_hash

    out, _, _ = graph
    assert stream_source_hash(out / "kg.nq") == source_hash(out / "kg.nq")
    meta = json.loads((out / "store" / "kg-store.json").read_text())
    assert meta["hash"] == source_hash(out / "kg.nq")


QUERIES = ["济南", "技师学院", "机电", "有限公司", "济", "technician", "Co., Ltd", "jinan", "skill master studio",
           "兗州", "no such name", "z"]


@pytest.mark.parametrize("text", QUERIES)
def test_index_matches_scan(graph, text):
    out, _, _ = graph
    hits = search(text, limit=10**9, store_dir=out / "store")
    assert {h.iri for h in hits} == scan(text, out / "store")
    assert all(fold(text) in fold(h.matched) for h in hits)


def test_index_finds_chinese_substrings_and_english_words(graph):
    out, _, _ = graph
    store = out / "store"
    hits = search("济南", store_dir=store)
    assert hits[0].iri.endswith("/jinan") and hits[0].score == 0  # the altLabel 济南 is exact
    assert len(search("技师学院", limit=5, store_dir=store)) == 5
    assert search("technician college", limit=3, store_dir=store)
    assert search("TECHNICIAN", store_dir=store) == search("technician", store_dir=store)


def test_index_rebuilt_when_store_changes(graph, tmp_path):
    out, _, _ = graph
    store = tmp_path / "store"
    bulk_load_file(out / "kg.nq", store)
    n = build_index(store)
    index = store / "label-index.sqlite"
    assert n > 0 and index.is_file()
    before = search("济南", store_dir=store)  # also caches a connection to the current index
    built = index.stat().st_ino
    meta = json.loads((store / "kg-store.json").read_text())
    meta["hash"] = "changed"
    (store / "kg-store.json").write_text(json.dumps(meta))
    assert search("济南", store_dir=store) == before  # stale index noticed and rebuilt, same answer
    # Rebuilt: a new file (temp file + rename) that records the store's new hash.
    with sqlite3.connect(index) as con:
        assert dict(con.execute("SELECT key, value FROM meta"))["store_hash"] == "changed"
    assert index.stat().st_ino != built


def test_parse_scale():
    assert parse_scale("100k") == 100_000
    assert parse_scale("5M") == 5_000_000
    assert parse_scale("1.5m") == 1_500_000
    assert parse_scale(250000) == 250_000


def test_cli(tmp_path):
    from kg.cli import main

    rc = main(["synth", "--scale", "15k", "-o", str(tmp_path / "g"), "--load", str(tmp_path / "s")])
    assert rc == 0
    assert (tmp_path / "g" / "kg.nq").is_file() and (tmp_path / "s" / "label-index.sqlite").is_file()
