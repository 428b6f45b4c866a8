"""Every sk:quote is verbatim (whitespace aside) in the claim's OWN report.

The claims of report NNN live in the named graph src:sNNN, whose sk:fileName (in
data/triples/sources.ttl) names the report's .txt file in the reports folder
(`kg.paths.sources_dir`). The reports break lines inside sentences, so whitespace is ignored;
anything else must match. Stricter than ../shared/tools/check_evidence.py, which accepts a quote
found in any report.

Used by kg.validate (so `kg build`, `kg validate` and the store rebuild all check quotes) and by
tests/test_evidence.py.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from kg.io import read_text
from kg.namespaces import SK, compact

RULE = "quote-in-own-report"
FIX = ("Copy the span exactly from the report (spaces and line breaks may differ, nothing else), or move "
       "the claim to the claims file of the report it comes from.")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def strict() -> bool:
    """Under CI=true missing reports fail the build instead of warning: CI must check quotes."""
    return os.environ.get("CI", "").lower() == "true"


def reports_present(folder: Path) -> bool:
    return folder.is_dir() and any(folder.glob("*.txt"))


def check_quotes(ds: Dataset, folder: Path) -> list[tuple[str, str]]:
    """(focus, message) for every quote not found in its own report, and for every source whose
    report file is missing from `folder`. `folder` must hold the reports (see reports_present)."""
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    texts: dict[str, str | None] = {}
    bad = []
    for ctx in sorted(ds.graphs(), key=lambda g: str(g.identifier)):
        if ctx.identifier == DATASET_DEFAULT_GRAPH_ID:
            continue
        quotes = sorted(ctx.subject_objects(SK.quote))
        if not quotes:
            continue
        name = default.value(ctx.identifier, SK.fileName)
        if name is None:
            bad.append((compact(ctx.identifier), "the source has no sk:fileName in data/triples/sources.ttl, "
                        "so its quotes cannot be checked"))
            continue
        if str(name) not in texts:
            path = folder / str(name)
            texts[str(name)] = squeeze(read_text(path)) if path.is_file() else None
        text = texts[str(name)]
        if text is None:
            bad.append((compact(ctx.identifier), f"report {name} is not in {folder}: fix sk:fileName in "
                        "data/triples/sources.ttl or add the report"))
            continue
        for claim, quote in quotes:
            q = squeeze(str(quote))
            if not q or q not in text:
                bad.append((compact(claim), f"quote {str(quote)!r} is not in its own report {name}"))
    return bad
