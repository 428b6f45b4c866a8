"""Coverage: every fact a curator read in a report is in the built graph, in that report's graph.

Each `tests/coverage/sNNN.tsv` is a curator's reading list of report NNN (tab-separated, header
`kind subject predicate object concerning`):

- `obs  e:about  ind:indicator  VALUE  [concerning]` — an sk:Observation with that subject and
  indicator whose sk:value (or sk:minValue, for a range) equals VALUE, and if given sk:concerning;
- `rel  e:s  PROPERTY  OBJECT` — the edge `s PROPERTY OBJECT` (derived or stated) in graph src:sNNN;
  OBJECT is a prefixed IRI or a Turtle literal; the file is CSV-quoted, so a literal is written
  `"<q><q>2019<q><q>^^xsd:gYear<q>` where <q> is a double quote (spreadsheet tools read and
  write it that way);
- `entity  e:x  sk:Class  中文标签` — the entity is typed with that class and has that @zh label.

A lost fact fails the test that names the report, the line and what is missing.
"""
from __future__ import annotations

import csv
import functools
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS
from rdflib.util import from_n3

from kg.namespaces import PREFIXES, SK, SRC

COVERAGE_DIR = Path(__file__).parent / "coverage"


def _term(text: str):
    """A prefixed name, <IRI> or Turtle literal from a coverage line, as an rdflib term."""
    return from_n3(text.strip(), nsm=_namespace_manager())


@functools.lru_cache(maxsize=1)
def _namespace_manager():
    from rdflib import Graph

    g = Graph()
    for p, iri in PREFIXES.items():
        g.bind(p, iri, override=True, replace=True)
    return g.namespace_manager


def _rows(path: Path):
    with path.open(encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t")
        header = next(reader, None)
        assert header and header[0].strip() == "kind", f"{path.name}: first line must be the header"
        for lineno, row in enumerate(reader, start=2):
            if not row or not row[0].strip() or row[0].startswith("#"):
                continue
            yield lineno, [c.strip() for c in row] + [""] * (5 - len(row))


def _same_number(a, b: str) -> bool:
    try:
        return Decimal(str(a)) == Decimal(b)
    except InvalidOperation:
        return False


def _check(graph, kind, subject, predicate, obj, concerning) -> str | None:
    """None if the fact is in `graph`, else what is missing."""
    s = _term(subject)
    if kind == "obs":
        ind = _term(predicate)
        want_concerning = _term(concerning) if concerning else None
        for claim in graph.subjects(SK.observationAbout, s):
            if (claim, SK.indicator, ind) not in graph:
                continue
            if want_concerning is not None and (claim, SK.concerning, want_concerning) not in graph:
                continue
            values = list(graph.objects(claim, SK.value)) + list(graph.objects(claim, SK.minValue))
            if any(_same_number(v, obj) for v in values):
                return None
        return f"no observation about {subject} of {predicate} = {obj}" + (
            f" concerning {concerning}" if concerning else "")
    if kind == "rel":
        p, o = _term(predicate), _term(obj)
        if (s, p, o) in graph:
            return None
        if isinstance(o, Literal):  # compare literals by value, tolerant of datatype spelling
            if any(str(x) == str(o) for x in graph.objects(s, p)):
                return None
        return f"no edge {subject} {predicate} {obj}"
    if kind == "entity":
        return "entity lines are checked against the default graph"
    return f"unknown kind {kind!r} (use obs, rel or entity)"


@pytest.fixture(scope="module")
def dataset():
    from kg.build import compile_dataset

    return compile_dataset()


def _coverage_files():
    return sorted(COVERAGE_DIR.glob("s*.tsv"))


def test_every_report_has_a_reading_list():
    names = {p.stem for p in _coverage_files()}
    missing = {"s000", "s001", "s002", "s003", "s004"} - names
    assert not missing, f"no coverage list for {sorted(missing)}: add tests/coverage/<id>.tsv"


@pytest.mark.parametrize("path", _coverage_files(), ids=lambda p: p.stem)
def test_reading_list_is_in_the_graph(dataset, path):
    graph = dataset.graph(SRC[path.stem])
    default = dataset.default_graph if hasattr(dataset, "default_graph") else dataset.default_context
    problems, checked = [], 0
    for lineno, (kind, subject, predicate, obj, concerning) in _rows(path):
        checked += 1
        if kind == "entity":
            s = _term(subject)
            cls = _term(predicate)
            if (s, RDF.type, cls) not in default:
                problems.append(f"{path.name}:{lineno}: {subject} is not typed {predicate} in the registry")
            elif obj and Literal(obj, lang="zh") not in set(default.objects(s, RDFS.label)):
                problems.append(f"{path.name}:{lineno}: {subject} has no @zh label {obj!r}")
            continue
        missing = _check(graph, kind, subject, predicate, obj, concerning)
        if missing:
            problems.append(f"{path.name}:{lineno}: {missing} in graph {path.stem} "
                            f"(fix the claim in data/triples/claims/{path.stem}.ttl or the line)")
    assert checked > 0, f"{path.name} lists no facts"
    assert not problems, f"{len(problems)} of {checked} facts lost:\n" + "\n".join(problems)
