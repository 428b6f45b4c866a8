"""Every sk:quote in claims/sNNN.ttl is verbatim (whitespace-insensitive) in report NNN itself.

Like /work/shared/tools/check_evidence.py, but stricter: the quote must be in the claim's OWN
source (src:sNNN → sk:fileName in data/triples/sources.ttl), not just in any report.
"""
from __future__ import annotations

import os
import re

import pytest
from rdflib import Graph

from _kgfix import REPO
from kg import paths
from kg.namespaces import SK, SRC


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def claims_files():
    return sorted((REPO / "data" / "triples" / "claims").glob("s[0-9][0-9][0-9].ttl"))


@pytest.fixture(scope="module")
def reports():
    folder = paths.sources_dir()
    if not folder.is_dir() or not list(folder.glob("*.txt")):
        msg = f"source reports not found in {folder} (set KG_SOURCES)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    return folder


@pytest.mark.parametrize("path", claims_files(), ids=lambda p: p.stem)
def test_quotes_are_in_own_report(path, reports):
    sources = Graph().parse(REPO / "data" / "triples" / "sources.ttl", format="turtle")
    source = SRC[path.stem]
    name = sources.value(source, SK.fileName)
    assert name is not None, f"{source} has no sk:fileName in data/triples/sources.ttl"
    report = reports / str(name)
    assert report.exists(), f"{report} missing: fix sk:fileName of {source} in data/triples/sources.ttl"
    text = squeeze(report.read_text(encoding="utf-8"))
    claims = Graph().parse(path, format="turtle")
    bad = []
    for claim, quote in sorted(claims.subject_objects(SK.quote)):
        q = squeeze(str(quote))
        if not q or q not in text:
            bad.append(f"{claim.n3(claims.namespace_manager)}: {str(quote)!r} is not in {name}")
    assert not bad, (f"{len(bad)} quote(s) in {path.relative_to(REPO)} not found verbatim in their own report. "
                     "Fix: copy the span exactly from the report (spaces and line breaks may differ, nothing "
                     "else), or move the claim to the claims file of the report it comes from.\n" + "\n".join(bad))
