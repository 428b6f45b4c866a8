"""Every sk:quote in claims/sNNN.ttl is verbatim (whitespace-insensitive) in report NNN itself.

The rule lives in kg.evidence (kg build runs it too); this test runs it per claims file on the
real checkout so a failure names the file. Stricter than /work/shared/tools/check_evidence.py:
the quote must be in the claim's OWN source (src:sNNN → sk:fileName in data/triples/sources.ttl).
"""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph

from _kgfix import REPO
from kg import evidence, paths
from kg.namespaces import SRC


def claims_files():
    return sorted((REPO / "data" / "triples" / "claims").glob("s[0-9][0-9][0-9].ttl"))


@pytest.fixture(scope="module")
def reports():
    folder = paths.sources_dir(REPO)
    if not evidence.reports_present(folder):
        msg = f"source reports not found in {folder} (set KG_SOURCES)"
        if evidence.strict():
            pytest.fail(msg)
        pytest.skip(msg)
    return folder


def dataset_of(path):
    ds = Dataset()
    ds.default_graph += Graph().parse(REPO / "data" / "triples" / "sources.ttl", format="turtle")
    ds.graph(SRC[path.stem]).parse(path, format="turtle")
    return ds


@pytest.mark.parametrize("path", claims_files(), ids=lambda p: p.stem)
def test_quotes_are_in_own_report(path, reports):
    bad = evidence.check_quotes(dataset_of(path), reports)
    assert not bad, (f"{len(bad)} quote(s) in {path.relative_to(REPO)} not found verbatim in their own report. "
                     f"Fix: {evidence.FIX}\n" + "\n".join(f"{f}: {m}" for f, m in bad))


def test_check_quotes_catches_a_quote_from_another_report(reports):
    """The rule can fail: a real quote of report 001 put on a claim of report 000."""
    own = dataset_of(claims_files()[1])
    quote = next(own.graph(SRC["s001"]).objects(None, evidence.SK.quote))
    ds = dataset_of(claims_files()[0])
    ds.graph(SRC["s000"]).add((SRC["s000-x"], evidence.SK.quote, quote))
    assert any(f == "src:s000-x" for f, _ in evidence.check_quotes(ds, reports))
