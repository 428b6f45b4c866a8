"""Compile the hand-edited Turtle into one dataset, derive truthy edges, validate, write dist/.

Layout (docs/design.md §2): ontology/*.ttl (minus shapes.ttl), data/triples/sources.ttl and
data/triples/registry/*.ttl go to the default graph; data/triples/claims/sNNN.ttl goes to the
named graph src:sNNN. Derivation rules (src/kg/rules/*.rq, §5) run per named graph and their
output stays in that graph, so every derived edge keeps the provenance of its claim.
"""
from __future__ import annotations

import hashlib
import logging
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.plugins.sparql import prepareQuery

from kg import oxi, paths
from kg.errors import KgError
from kg.io import atomic_write_text, check_replaceable, read_bytes, read_text, staged_replace
from kg.namespaces import E, PREFIXES, PROV, SK, SRC, bind_all, sparql_prefixes

# rdflib logs a full traceback for every ill-typed literal (e.g. "2024-02-30"^^xsd:date); the
# SHACL date shapes report those properly, so keep the console readable.
logging.getLogger("rdflib.term").setLevel(logging.ERROR)

RULES_DIR = Path(__file__).resolve().parent / "rules"
CLAIMS_FILE = re.compile(r"^s\d{3}$")
OUTPUTS = {
    "kg.trig": ox.RdfFormat.TRIG,
    "kg.nq": ox.RdfFormat.N_QUADS,
    "kg.ttl": ox.RdfFormat.TURTLE,
    "kg.jsonld": ox.RdfFormat.JSON_LD,
}


# ---------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Inputs:
    root: Path
    default: list[Path]  # ontology, sources, registry → default graph
    claims: list[Path]  # claims/sNNN.ttl → named graph src:sNNN

    def all(self) -> list[Path]:
        return [*self.default, *self.claims]


def find_inputs(root: Path | None = None) -> Inputs:
    root = Path(root) if root else paths.repo_root()
    ont = sorted(p for p in (root / "ontology").glob("*.ttl") if p.name != "shapes.ttl")
    data = root / "data" / "triples"
    default = ont + [p for p in [data / "sources.ttl"] if p.exists()]
    default += sorted((data / "registry").glob("*.ttl"))
    claims = sorted((data / "claims").glob("*.ttl"))
    for p in claims:
        if not CLAIMS_FILE.match(p.stem):
            # The graph name comes from the file stem; anything else would invent a source.
            raise KgError("claims files must be named sNNN.ttl (the source they come from)", file=_rel(p, root))
    return Inputs(root, default, claims)


def _rel(path: Path, root: Path) -> str:
    # absolute() before resolve(): a symlink is named as the user sees it, not by its target,
    # and a symlink loop (which resolve() cannot follow) still gets a name.
    try:
        return str(path.absolute().relative_to(root.absolute()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def syntax_error_line(exc: Exception) -> int | None:
    """The 1-based line of a parser error, from rdflib's BadSyntax or a 'line N' message."""
    text, pos = getattr(exc, "_str", None), getattr(exc, "_i", None)
    if isinstance(text, bytes):
        # BadSyntax keeps the text UTF-8 encoded but `_i` counts characters: index the decoded
        # text, or every Chinese character before the error shifts the line (800 read as 706).
        text = text.decode("utf-8", errors="replace")
    if isinstance(text, str) and isinstance(pos, int):
        return text[:pos].count("\n") + 1
    lines = getattr(exc, "lines", None)
    if isinstance(lines, int):
        return lines + 1  # BadSyntax counts the newlines before the error
    m = re.search(r"line (\d+)", str(exc))
    return int(m.group(1)) if m else None


def syntax_error_message(exc: Exception) -> str:
    why = getattr(exc, "_why", None)
    return f"syntax error: {why}" if why else f"cannot parse: {exc}".splitlines()[0]


def parse_turtle(path: Path, root: Path | None = None) -> Graph:
    g = Graph()
    name = _rel(path, root or Path.cwd())
    text = read_text(path, name)  # unreadable, binary, non-UTF-8: one line with the line number
    try:
        # publicID: the base IRI rdflib would have taken from the path itself.
        g.parse(data=text, format="turtle", publicID=path.absolute().as_uri())
    except Exception as exc:  # rdflib raises several types; all become file:line
        raise KgError(syntax_error_message(exc), file=name, line=syntax_error_line(exc)) from exc
    return g


def content_hash(files: list[Path], root: Path) -> tuple[str, dict[str, str]]:
    """One hash over every input (name and bytes) plus the rules, and each file's own hash."""
    per_file, total = {}, hashlib.sha256()
    for p in [*files, *sorted(RULES_DIR.glob("*.rq"))]:
        name = _rel(p, root) if p.is_relative_to(root) else f"kg/rules/{p.name}"
        digest = hashlib.sha256(read_bytes(p, name)).hexdigest()
        per_file[name] = digest
        total.update(f"{name}\0{digest}\n".encode())
    return total.hexdigest(), per_file


# ---------------------------------------------------------------- compile + derive

def load_rules() -> dict[str, object]:
    """Rule name → prepared CONSTRUCT query. Prefixes come from kg.namespaces, never the files."""
    rules = {}
    for p in sorted(RULES_DIR.glob("*.rq")):
        try:
            rules[p.stem] = prepareQuery(sparql_prefixes() + p.read_text(encoding="utf-8"))
        except Exception as exc:
            raise KgError(f"bad derivation rule: {exc}", file=str(p)) from exc
    return rules


def derive(ds: Dataset) -> Counter:
    """Run every rule on every named graph, adding results to that graph. Returns edges per rule."""
    rules, added = load_rules(), Counter()
    for ctx in list(ds.graphs()):
        if ctx.identifier == DATASET_DEFAULT_GRAPH_ID:
            continue
        g = ds.graph(ctx.identifier)
        # Collect first, add after: rules read only hand-written triples, never each other's output.
        results = {name: list(g.query(q)) for name, q in rules.items()}
        for name, triples in results.items():
            before = len(g)
            for t in triples:
                g.add(t)
            added[name] += len(g) - before
    return added


def compile_dataset(root: Path | None = None, *, derived: Counter | None = None) -> Dataset:
    """Parse every input into one Dataset and add derived edges (counts into `derived` if given)."""
    inputs = find_inputs(root)
    ds = Dataset()
    bind_all(ds)
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    for p in inputs.default:
        default += parse_turtle(p, inputs.root)
    for p in inputs.claims:
        g = ds.graph(SRC[p.stem])
        g += parse_turtle(p, inputs.root)
    counts = derive(ds)
    if derived is not None:
        derived.update(counts)
    return ds


# ---------------------------------------------------------------- counts

def _compact(iri) -> str:
    s = str(iri)
    for p, ns in PREFIXES.items():
        if s.startswith(ns) and len(s) > len(ns):
            return f"{p}:{s[len(ns):]}"
    return s


def count(ds: Dataset) -> dict:
    default = ds.graph(DATASET_DEFAULT_GRAPH_ID)
    entities = Counter(_compact(t) for s, t in default.subject_objects(RDF.type) if str(s).startswith(str(E)))
    file_names = {str(s): str(o) for s, o in default.subject_objects(SK.fileName)}
    per_source, per_class, graphs = {}, Counter(), 0
    for ctx in ds.graphs():
        if ctx.identifier == DATASET_DEFAULT_GRAPH_ID:
            continue
        graphs += 1
        claims = set(ctx.subjects(PROV.wasDerivedFrom, None))
        per_source[_compact(ctx.identifier)] = {
            "claims": len(claims), "file": file_names.get(str(ctx.identifier), ""), "triples": len(ctx)}
        for c in claims:
            for t in ctx.objects(c, RDF.type):
                per_class[_compact(t)] += 1
    return {
        "quads": sum(1 for _ in ds.quads((None, None, None, None))),
        "default_graph_triples": len(default),
        "named_graphs": graphs,
        "entities": len({s for s in default.subjects(RDF.type) if str(s).startswith(str(E))}),
        "entities_per_class": dict(sorted(entities.items())),
        "claims_per_source": dict(sorted(per_source.items())),
        "claims_per_class": dict(sorted(per_class.items())),
    }


# ---------------------------------------------------------------- build

@dataclass
class BuildResult:
    dist: Path
    counts: dict
    derived: dict
    input_hash: str
    report: object | None = None  # kg.validate.Report when validated
    written: bool = False
    timings: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.report is None or self.report.ok

    def to_json(self) -> dict:
        out = {"dist": str(self.dist), "written": self.written, "ok": self.ok,
               "input_hash": self.input_hash, "counts": self.counts, "derived_edges": self.derived,
               "timings_s": self.timings}
        if self.report is not None:
            out["validation"] = self.report.to_json()
        return out


def write_outputs(ds: Dataset, folder: Path, info: dict) -> None:
    quads = oxi.sorted_quads(ds, canonical=True)
    for name, fmt in OUTPUTS.items():
        if fmt is ox.RdfFormat.TURTLE:
            # kg.ttl is the union of all graphs: drop graph names, then duplicates.
            items = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=str)
        else:
            items = quads
        prefixes = None if fmt in (ox.RdfFormat.N_QUADS,) else PREFIXES
        ox.serialize(items, str(folder / name), fmt, prefixes=prefixes)
    atomic_write_text(folder / "build-info.json", json.dumps(info, ensure_ascii=False, indent=2) + "\n")


def build(dist: Path | None = None, validate: bool = True, root: Path | None = None) -> BuildResult:
    """Compile, validate, write dist/ atomically. dist/ is only replaced when the build is valid."""
    t0 = time.perf_counter()
    dist = Path(dist) if dist else paths.dist_dir()
    check_replaceable(dist, "dist")  # refuse a folder that is not ours before seconds of work
    inputs = find_inputs(root)
    in_hash, per_file = content_hash(inputs.all(), inputs.root)
    derived: Counter = Counter()
    ds = compile_dataset(inputs.root, derived=derived)
    timings = {"compile": round(time.perf_counter() - t0, 3)}
    result = BuildResult(dist, count(ds), dict(sorted(derived.items())), in_hash, timings=timings)
    if validate:
        from kg.validate import validate as run_validation  # late: validate imports build helpers
        result.report = run_validation(ds, root=inputs.root)
        timings.update(result.report.timings)
        if not result.report.ok:
            return result
    t1 = time.perf_counter()
    info = {"input_hash": in_hash, "inputs": per_file, "counts": result.counts,
            "derived_edges": result.derived, "validated": validate,
            "rdflib": rdflib.__version__, "pyoxigraph": ox.__version__}
    with staged_replace(dist, "dist") as staging:
        write_outputs(ds, staging, info)
    timings["write"] = round(time.perf_counter() - t1, 3)
    timings["total"] = round(time.perf_counter() - t0, 3)
    result.written = True
    return result


# ---------------------------------------------------------------- summary

def summary_rows(result: BuildResult) -> list[tuple[str, str, str]]:
    """(section, item, count) rows for kg.output.render."""
    c = result.counts
    rows = [("total", "quads", c["quads"]), ("total", "default-graph triples", c["default_graph_triples"]),
            ("total", "named graphs", c["named_graphs"]), ("total", "entities", c["entities"])]
    rows += [("entities", cls, n) for cls, n in c["entities_per_class"].items()]
    rows += [("claims", f"{src} ({v['file']})" if v["file"] else src, v["claims"])
             for src, v in c["claims_per_source"].items()]
    rows += [("claim class", cls, n) for cls, n in c["claims_per_class"].items()]
    rows += [("derived", rule, n) for rule, n in result.derived.items()]
    return rows
