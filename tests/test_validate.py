"""Validation: SHACL golden results and one broken fixture per violation check (pySHACL-style)."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from _kgfix import FIXTURES, REPO, expectations, make_repo, overlay
from kg import oxi
from kg.build import compile_dataset
from kg.validate import compact, load_checks, run_checks, run_shacl, validate

CHECKS = {c.name: c for c in load_checks(REPO / "queries" / "checks")}
CHECK_FIXTURES = sorted((FIXTURES / "checks").glob("*.trig"))
SHACL_FIXTURE = FIXTURES / "shacl" / "broken.trig"
SHAPES = REPO / "ontology" / "shapes.ttl"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
# Checks that took over SHACL shapes pyshacl evaluated node by node (see ontology/shapes.ttl).
FORMER_SHAPES = {"entity-label", "entity-type", "observation-value", "statement-value"}


def check_expectations(path: Path) -> list[tuple[str, str]]:
    """(focus, message fragment) from `# expect: FOCUS | TEXT` lines; a bare `# expect: X` is ("", X)."""
    out = []
    for line in expectations(path):
        focus, sep, text = line.partition(" | ")
        out.append((focus.strip(), text.strip()) if sep else ("", line.strip()))
    return out


def clean_foci(path: Path) -> list[str]:
    """`# clean: FOCUS` lines: nodes in the fixture that look close to broken but follow the rule."""
    return re.findall(r"^# clean: (\S+)$", path.read_text(encoding="utf-8"), flags=re.M)


def matches(v, focus: str, text: str) -> bool:
    if focus:
        return v.focus == focus and text in v.message
    return text == v.focus or text in v.message


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("repo"))


def rows(ds, name):
    return run_checks(oxi.store_from(ds), [CHECKS[name]])


def test_required_checks_exist_with_headers():
    required = {"duplicate-label", "claim-source-mismatch", "claim-outside-named-graph", "untyped-entity",
                "orphan-entity", "unknown-statement-property", "unknown-concept", "quote-too-long",
                "observation-without-time", "self-partnership", "duplicate-claim-id"} | FORMER_SHAPES
    assert required <= set(CHECKS)
    for c in CHECKS.values():
        assert c.title and c.description and c.fix, f"{c.path.name} needs # title:, # description:, # fix:"


def test_every_check_has_a_broken_fixture():
    assert {p.stem for p in CHECK_FIXTURES} == set(CHECKS)


def test_clean_fixture_is_valid(repo):
    report = validate(compile_dataset(repo), repo)
    assert report.ok, report.rows()
    assert "shacl" in report.timings and len(report.checks_run) == len(CHECKS)


@pytest.mark.parametrize("fixture", CHECK_FIXTURES, ids=lambda p: p.stem)
def test_check_fires_on_broken_fixture_only(repo, fixture: Path):
    name = fixture.stem
    assert rows(compile_dataset(repo), name) == [], f"{name} must return no rows on the clean fixture"
    found = rows(overlay(compile_dataset(repo), fixture), name)
    assert found, f"{name} returned no rows on {fixture.name}"
    for focus, text in check_expectations(fixture):
        assert any(matches(v, focus, text) for v in found), (focus, text, found)
    for focus in clean_foci(fixture):
        assert not [v for v in found if v.focus == focus], f"{name} must not flag {focus}"
    assert all(v.rule == name and v.fix == CHECKS[name].fix for v in found)


@pytest.mark.parametrize("fixture", CHECK_FIXTURES + [SHACL_FIXTURE], ids=lambda p: p.stem)
def test_every_broken_fixture_fails_full_validation(repo, fixture: Path):
    """What the build runs (SHACL + all checks) rejects each fixture, naming each node and its rule."""
    report = validate(overlay(compile_dataset(repo), fixture), repo)
    assert not report.ok
    if fixture == SHACL_FIXTURE:
        want = [tuple(line.split()) for line in expectations(fixture)]
        got = {(v.rule, v.focus) for v in report.errors}
        assert set(want) <= got, sorted(set(want) - got)
        return
    named = [v for v in report.errors if v.rule == fixture.stem]
    for focus, text in check_expectations(fixture):
        assert any(matches(v, focus, text) for v in named), (focus, text, report.rows())


def test_shacl_golden_results(repo):
    report = validate(overlay(compile_dataset(repo), SHACL_FIXTURE), repo)
    got = {(v.rule, v.focus) for v in report.violations if v.layer == "shacl"}
    want = {tuple(line.split()) for line in expectations(SHACL_FIXTURE)}
    assert want <= got, sorted(want - got)
    assert all(v.message and v.fix for v in report.violations if v.layer == "shacl")
    # Nested sh:node results are folded into their parent: every focus is a claim, entity or source IRI.
    assert all(v.focus.startswith(("c:", "e:", "src:")) for v in report.violations)


def test_every_shape_has_a_golden_result():
    shapes = Graph().parse(SHAPES, format="turtle")
    targeted = {compact(s) for p in TARGETS for s in shapes.subjects(p, None)}
    named = {line.split()[0] for line in expectations(SHACL_FIXTURE)}
    assert targeted == named, ("shapes without a broken node", sorted(targeted - named), sorted(named - targeted))


def test_shapes_avoid_forms_pyshacl_evaluates_node_by_node():
    """Each rule is a shape with its own target, checked once over all its focus nodes (shapes.ttl header).

    sh:property / sh:xone / sh:qualifiedValueShape make pyshacl run a shape per focus or value node,
    and a SPARQL target (sh:target) needs advanced mode, which copies the data graph; those rules
    are SPARQL checks. Only shape:DateValue (few dates) and shape:Membership-organization's sh:or
    are still reached per value node.
    """
    shapes = Graph().parse(SHAPES, format="turtle")
    for pred in (SH.property, SH.xone, SH.qualifiedValueShape, SH.target, SH.sparql, SH.select):
        assert not list(shapes.subject_objects(pred)), f"{compact(pred)} in shapes.ttl"
    node_refs = {o for o in shapes.objects(None, SH.node) if isinstance(o, URIRef)}
    assert node_refs == {URIRef(shapes.namespace_manager.expand_curie("shape:DateValue"))}


def test_run_shacl_leaves_the_dataset_as_it_was(repo):
    ds = compile_dataset(repo)
    before = len(ds)
    found, _ = run_shacl(ds, SHAPES)
    assert found == [] and ds.default_union is False and len(ds) == before


def test_pyshacl_is_timed(repo):
    ds = compile_dataset(repo)
    t0 = time.perf_counter()
    report = validate(ds, repo)
    wall = time.perf_counter() - t0
    # pyshacl over the real graph takes well over a millisecond, and is part of the whole run.
    assert 0 < report.timings["shacl"] <= wall + 0.001
