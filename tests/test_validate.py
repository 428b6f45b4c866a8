"""Validation: SHACL golden results and one broken fixture per violation check (pySHACL-style)."""
from __future__ import annotations

from pathlib import Path

import pytest

from _kgfix import FIXTURES, REPO, expectations, make_repo, overlay
from kg import oxi
from kg.build import compile_dataset
from kg.validate import load_checks, run_checks, validate

CHECKS = {c.name: c for c in load_checks(REPO / "queries" / "checks")}
CHECK_FIXTURES = sorted((FIXTURES / "checks").glob("*.trig"))


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("repo"))


def rows(ds, name):
    return run_checks(oxi.store_from(ds), [CHECKS[name]])


def test_required_checks_exist_with_headers():
    required = {"duplicate-label", "claim-source-mismatch", "claim-outside-named-graph", "untyped-entity",
                "orphan-entity", "unknown-statement-property", "unknown-concept", "quote-too-long",
                "observation-without-time", "self-partnership", "duplicate-claim-id"}
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
    for expected in expectations(fixture):
        assert any(expected == v.focus or expected in v.message for v in found), (expected, found)
    assert all(v.rule == name and v.fix == CHECKS[name].fix for v in found)


def test_shacl_golden_results(repo):
    fixture = FIXTURES / "shacl" / "broken.trig"
    report = validate(overlay(compile_dataset(repo), fixture), repo)
    got = {(v.rule, v.focus) for v in report.violations if v.layer == "shacl"}
    want = {tuple(line.split()) for line in expectations(fixture)}
    assert want <= got, sorted(want - got)
    assert all(v.message and v.fix for v in report.violations if v.layer == "shacl")
    # Nested sh:node results are folded into their parent: every focus is a claim or entity IRI.
    assert all(v.focus.startswith(("c:", "e:")) for v in report.violations)


def test_pyshacl_is_timed(repo):
    report = validate(compile_dataset(repo), repo)
    assert report.timings["shacl"] >= 0
