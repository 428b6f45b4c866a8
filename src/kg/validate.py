"""Validation: SHACL shapes (ontology/shapes.ttl) and SPARQL violation checks.

Two layers, like OBO/ROBOT's `report`: pyshacl checks the shape of each node over the union
graph; `queries/checks/*-violation.rq` (SELECT) catch what shapes cannot see well — named-graph
placement, duplicate names across the registry, undeclared terms — and the rules whose SHACL form
pyshacl evaluates node by node (entity labels and types, an observation's exact figure or range,
dated and numbered statements; see the header of ontology/shapes.ttl). Each check must return no rows.

A check file starts with a header:
    # title: duplicate-label
    # description: two IRIs share a Chinese label
    # fix: merge the two entities …
    # severity: violation            (optional; `warning` does not fail the build)
Rows should bind ?focus (the entity or claim to look at) and may bind ?message; every other
bound variable is shown as `name=value`.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH

from kg import oxi, paths
from kg.errors import KgError
from kg.io import read_text
from kg.namespaces import compact, sparql_prefixes  # noqa: F401 (compact: kg.validate.compact is its public name too)


SLOW_SHACL_SECONDS = 5.0


@dataclass
class Violation:
    rule: str  # shape IRI (compacted) or check name
    focus: str  # the entity / claim, compacted
    message: str
    fix: str
    severity: str = "violation"  # or "warning"
    layer: str = "check"  # "shacl" or "check"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "violation"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {"ok": self.ok, "violations": [asdict(v) for v in self.violations],
                "checks_run": self.checks_run, "timings_s": self.timings, "notes": self.notes}

    def rows(self) -> list[tuple]:
        return [(v.severity, v.rule, v.focus, v.message, v.fix) for v in self.violations]


# ---------------------------------------------------------------- SHACL

def _texts(graph: Graph, node, pred) -> list[str]:
    vals = list(graph.objects(node, pred))
    # English first, then Chinese, so the message reads "en / zh" consistently.
    vals.sort(key=lambda v: (getattr(v, "language", "") != "en", str(v)))
    return [str(v) for v in vals]


def _shape_rule(shapes: Graph, shape) -> tuple[str, str]:
    """Rule id and fix text for a shape; blank property shapes borrow their parent's name."""
    node, path_bits = shape, []
    while isinstance(node, BNode):
        path = shapes.value(node, SH.path)
        if path is not None and not path_bits:
            path_bits.append(compact(path) if isinstance(path, URIRef) else "path")
        parent = shapes.value(None, SH.property, node) or shapes.value(None, SH.node, node)
        if parent is None:
            break
        node = parent
    rule = compact(node) + (f"/{path_bits[0]}" if path_bits and isinstance(node, URIRef) else "")
    fix = next(iter(_texts(shapes, shape, SH.description)), "") or \
        next(iter(_texts(shapes, node, SH.description)), "")
    return rule, fix


def run_shacl(ds: Dataset, shapes_path: Path) -> tuple[list[Violation], float]:
    import pyshacl  # imported here: it is slow to import and not every command needs it

    t0 = time.perf_counter()
    from kg.build import parse_turtle
    shapes = parse_turtle(shapes_path)  # bad bytes or syntax: KgError with the file and line
    # pyshacl validates a Dataset over the union of its graphs (it sets default_union for the run),
    # so the quads need no copy into one Graph. inference none: the ontology is already in the data
    # graph and SHACL follows rdfs:subClassOf there. advanced off: shapes.ttl has no SPARQL targets,
    # and advanced mode would make pyshacl copy the whole data graph first. With neither, pyshacl
    # works in place; it only reads the data (no rules).
    union_before = ds.default_union
    try:
        _conforms, results, _text = pyshacl.validate(
            ds, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=True)
    finally:
        ds.default_union = union_before
    elapsed = time.perf_counter() - t0
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in results:
            continue  # a nested sh:node/sh:or detail: its parent result already names the claim
        focus = results.value(r, SH.focusNode)
        rule, fix = _shape_rule(shapes, results.value(r, SH.sourceShape))
        msgs = _texts(results, r, SH.resultMessage)
        value = results.value(r, SH.value)
        msg = " / ".join(msgs) or compact(results.value(r, SH.sourceConstraintComponent))
        if value is not None and not isinstance(value, BNode):
            msg += f" (value: {compact(value)})"
        sev = results.value(r, SH.resultSeverity)
        out.append(Violation(rule, compact(focus), msg, fix,
                             "violation" if sev in (None, SH.Violation) else "warning", "shacl"))
    return out, elapsed


# ---------------------------------------------------------------- SPARQL checks

@dataclass
class Check:
    name: str
    path: Path
    query: str
    title: str = ""
    description: str = ""
    fix: str = ""
    severity: str = "violation"


def load_checks(folder: Path) -> list[Check]:
    checks = []
    for p in sorted(folder.glob("*-violation.rq")):
        text = read_text(p)
        meta = {}
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            key, sep, val = line.lstrip("# ").partition(":")
            if sep and key.strip() in ("title", "description", "fix", "severity"):
                meta[key.strip()] = (meta.get(key.strip(), "") + " " + val.strip()).strip()
        checks.append(Check(p.name.removesuffix("-violation.rq"), p, text, **meta))
    return checks


def run_checks(store: ox.Store, checks: list[Check]) -> list[Violation]:
    out = []
    for chk in checks:
        try:
            results = store.query(sparql_prefixes() + chk.query)
        except (SyntaxError, ValueError, OSError) as exc:
            raise KgError(f"check does not run: {exc}", file=str(chk.path)) from exc
        names = [v.value for v in results.variables]
        for sol in results:
            row = {n: sol[n] for n in names if sol[n] is not None}
            focus = row.pop("focus", None) or (row.pop(names[0], None) if names else None)
            message = row.pop("message", None)
            text = compact(message) if message is not None else (chk.title or chk.name)
            extra = ", ".join(f"{k}={compact(v)}" for k, v in row.items())
            out.append(Violation(chk.name, compact(focus) if focus is not None else "",
                                 f"{text} ({extra})" if extra else text, chk.fix, chk.severity, "check"))
    return out


# ---------------------------------------------------------------- entry point

def check_evidence(dataset: Dataset, folder: Path, report: Report) -> None:
    """Quotes against their own report (kg.evidence). Missing reports: a note naming the folder,
    and under CI=true also a violation, so CI never passes without checking quotes."""
    from kg import evidence

    if not evidence.reports_present(folder):
        report.notes.append(f"warning: source reports not found in {folder}, so quotes were not checked; "
                            "put the report .txt files there or set KG_SOURCES")
        if evidence.strict():
            report.violations.append(Violation(
                evidence.RULE, str(folder), "source reports not found (CI=true: quotes must be checked)",
                "Put the report .txt files there, or set KG_SOURCES to their folder."))
        return
    report.violations += [Violation(evidence.RULE, focus, msg, evidence.FIX)
                          for focus, msg in evidence.check_quotes(dataset, folder)]


def validate(dataset: Dataset, root: Path | None = None, *, shapes: Path | None = None,
             checks_dir: Path | None = None, shacl: bool = True, sources: Path | None = None) -> Report:
    """SHACL, the violation checks and the quotes. sources: the reports folder (default
    kg.paths.sources_dir(root))."""
    root = Path(root) if root else paths.repo_root()
    shapes = shapes or root / "ontology" / "shapes.ttl"
    checks_dir = checks_dir or root / "queries" / "checks"
    report = Report()
    t0 = time.perf_counter()
    check_evidence(dataset, Path(sources) if sources else paths.sources_dir(root), report)
    report.timings["quotes"] = round(time.perf_counter() - t0, 3)
    if shacl and shapes.exists():
        found, secs = run_shacl(dataset, shapes)
        report.violations += found
        report.timings["shacl"] = round(secs, 3)
        if secs > SLOW_SHACL_SECONDS:
            report.notes.append(f"pyshacl took {secs:.1f} s (slow; consider moving shapes to SPARQL checks)")
    elif shacl:
        report.notes.append(f"no shapes file at {shapes}; SHACL skipped")
    t0 = time.perf_counter()
    checks = load_checks(checks_dir) if checks_dir.is_dir() else []
    if checks:
        report.violations += run_checks(oxi.store_from(dataset), checks)
    report.checks_run = [c.name for c in checks]
    report.timings["checks"] = round(time.perf_counter() - t0, 3)
    return report


def validate_repo(root: Path | None = None) -> Report:
    from kg.build import compile_dataset
    return validate(compile_dataset(root), root)
