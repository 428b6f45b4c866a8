"""kg build: compile, derive, write dist/ atomically; errors give file:line and leave dist/ alone."""
from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from _kgfix import make_repo
from kg.build import build, compile_dataset, syntax_error_line
from kg.cli import main
from kg.errors import KgError
from kg.namespaces import E, ORG, SK, SRC


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    monkeypatch.setenv("KG_HOME", str(root))
    monkeypatch.setenv("KG_DIST", str(tmp_path / "dist"))
    return root


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_compile_puts_claims_in_named_graphs_and_derives_edges(repo):
    ds = compile_dataset(repo)
    g0 = ds.graph(SRC.s000)
    assert (E["jining-technician-college"], ORG.memberOf, E["jining-group"]) in g0
    assert (E["jining-group"], SK.ledBy, E["jining-technician-college"]) in g0
    assert (E["jining-technician-college"], SK.partnerOf, E["acme-motors"]) in g0
    assert (E["acme-motors"], SK.partnerOf, E["jining-technician-college"]) in g0
    assert (E["person-zhang-san"], SK.received, E["honour-qilu-chief-technician"]) in g0
    assert (E["person-zhang-san"], SK.competedIn, E.worldskills) in g0
    assert (URIRef(str(SRC).replace("source/", "claim/") + "s000-001"), SK.involves, E["jining-group"]) in g0
    # Derived edges stay in their claim's graph, never in the default graph or another source's.
    assert (E.jining, SK.locatedIn, E.shandong) in ds.graph(SRC.s001)
    assert (E.jining, SK.locatedIn, E.shandong) not in ds.graph(DATASET_DEFAULT_GRAPH_ID)
    assert (E["jining-group"], SK.ledBy, None) not in ds.graph(SRC.s001)


def test_syntax_error_reports_file_and_line(repo):
    bad = repo / "data/triples/claims/s001.ttl"
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines.insert(6, 'c:s001-002 a sk:Statement ; sk:quote "unterminated .')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(KgError) as err:
        compile_dataset(repo)
    assert str(err.value).startswith("data/triples/claims/s001.ttl:7: ")


def test_syntax_error_line_from_message():
    assert syntax_error_line(ValueError("oops at line 12, column 3")) == 12
    assert syntax_error_line(ValueError("no place")) is None


def test_claims_file_must_be_named_by_source(repo):
    (repo / "data/triples/claims/s000.ttl").rename(repo / "data/triples/claims/report0.ttl")
    with pytest.raises(KgError, match="sNNN"):
        compile_dataset(repo)


def test_build_writes_all_outputs_and_round_trips(repo, tmp_path):
    res = build(tmp_path / "dist", root=repo)
    assert res.ok and res.written
    dist = tmp_path / "dist"
    assert {p.name for p in dist.iterdir()} == {"kg.trig", "kg.nq", "kg.ttl", "kg.jsonld", "build-info.json", ".kg-output"}
    n = res.counts["quads"]
    rd = Dataset()
    rd.parse(dist / "kg.trig", format="trig")
    assert len(list(rd.quads((None, None, None, None)))) == n
    store = ox.Store()
    store.load(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    assert len(store) == n
    nq = ox.Store()
    nq.load(path=str(dist / "kg.nq"), format=ox.RdfFormat.N_QUADS)
    assert len(nq) == n
    assert {str(g.value) for g in store.named_graphs()} == {str(SRC.s000), str(SRC.s001)}
    js = ox.Store()
    js.load(path=str(dist / "kg.jsonld"), format=ox.RdfFormat.JSON_LD)
    assert len(js) == n
    info = json.loads((dist / "build-info.json").read_text(encoding="utf-8"))
    assert len(info["input_hash"]) == 64 and info["counts"]["quads"] == n
    assert res.counts["claims_per_source"]["src:s000"] == {"claims": 6, "file": "000_fixture.txt", "triples": 60}
    assert res.counts["claims_per_class"]["sk:Statement"] == 2
    assert res.counts["entities_per_class"]["sk:PrefectureCity"] == 1


def test_build_is_reproducible(repo, tmp_path):
    build(tmp_path / "a", root=repo)
    build(tmp_path / "b", root=repo)
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_cli_build_ok_then_broken_file_exits_2_and_keeps_dist(repo, tmp_path, capsys):
    assert main(["build"]) == 0
    out = capsys.readouterr().out
    assert "src:s000 (000_fixture.txt)" in out and "derived" in out
    before = snapshot(tmp_path / "dist")
    claims = repo / "data/triples/claims/s000.ttl"
    claims.write_text(claims.read_text(encoding="utf-8") + '\nc:s000-099 a sk:Statement "x" .\n', encoding="utf-8")
    assert main(["build"]) == 2
    err = capsys.readouterr().err
    assert "data/triples/claims/s000.ttl:" in err
    assert snapshot(tmp_path / "dist") == before
    # no staging or old folder left behind (the lock file stays: it is what makes cleanup safe)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist") and p.name != ".dist.lock"]


def test_cli_invalid_build_exits_1_names_entity_and_rule(repo, tmp_path, capsys):
    assert main(["build"]) == 0
    before = snapshot(tmp_path / "dist")
    claims = repo / "data/triples/claims/s001.ttl"
    claims.write_text(claims.read_text(encoding="utf-8").replace("sk:object e:shandong", "sk:object e:shandogn"),
                      encoding="utf-8")
    capsys.readouterr()
    assert main(["build", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    hits = [v for v in report["validation"]["violations"] if v["rule"] == "untyped-entity"]
    assert hits and hits[0]["focus"] == "e:shandogn" and "registry" in hits[0]["fix"]
    assert snapshot(tmp_path / "dist") == before


def test_cli_validate_exit_codes(repo, capsys):
    assert main(["validate"]) == 0
    reg = repo / "data/triples/registry/shared.ttl"
    reg.write_text(reg.read_text(encoding="utf-8").replace('"Acme Motors"@en', '"Acme Motors"@en , "Acme"@en'),
                   encoding="utf-8")
    capsys.readouterr()
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "entity-label" in out and "e:acme-motors" in out and "rdfs:label @en (has 2)" in out


def test_no_validate_writes_even_when_invalid(repo, tmp_path):
    reg = repo / "data/triples/registry/shared.ttl"
    reg.write_text(reg.read_text(encoding="utf-8") + '\ne:orphan a sk:Person ; rdfs:label "孤"@zh , "Orphan"@en .\n',
                   encoding="utf-8")
    assert main(["build"]) == 1
    assert not (tmp_path / "dist").exists()
    assert main(["build", "--no-validate"]) == 0
    assert (tmp_path / "dist" / "kg.trig").exists()
