"""Helpers shared by the build/validate/fmt tests: temporary repos and fixture overlays."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from rdflib import Dataset
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
CLEAN = FIXTURES / "clean-repo"


def make_repo(dest: Path) -> Path:
    """A small, valid checkout: fixture ontology + data, with the real shapes and checks."""
    shutil.copytree(CLEAN, dest, dirs_exist_ok=True)
    shutil.copy(REPO / "ontology" / "shapes.ttl", dest / "ontology" / "shapes.ttl")
    shutil.copytree(REPO / "queries" / "checks", dest / "queries" / "checks", dirs_exist_ok=True)
    return dest


def overlay(ds: Dataset, trig: Path) -> Dataset:
    """Add a TriG fixture's quads to `ds` (its default graph into ds's default graph)."""
    extra = Dataset()
    extra.parse(trig, format="trig")
    for s, p, o, g in extra.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        ds.graph(DATASET_DEFAULT_GRAPH_ID if name in (None, DATASET_DEFAULT_GRAPH_ID) else name).add((s, p, o))
    return ds


def expectations(path: Path) -> list[str]:
    """The `# expect: …` lines at the top of a fixture (golden results)."""
    return re.findall(r"^# expect: (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
