"""Run SPARQL for the views, stats and charts over whatever holds the data, and hand back plain rows.

The views must work over the compiled rdflib Dataset, a pyoxigraph Store, or the project store
object (`kg.store.open_store()`); each returns its results in its own types. Everything past this
module sees only `Term`s in dicts, so view code never depends on which engine answered.
User text is never pasted into a query: callers fetch candidate rows and match names in Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from kg.errors import KgError
from kg.namespaces import sparql_prefixes


@dataclass(frozen=True)
class Term:
    """One RDF term, engine-neutral. kind is 'iri', 'literal' or 'bnode'."""

    kind: str
    value: str
    lang: str | None = None
    datatype: str | None = None

    def __str__(self) -> str:  # so rows print nicely in tables
        return self.value

    @property
    def is_iri(self) -> bool:
        return self.kind == "iri"


def to_term(value: Any) -> Term | None:
    """Convert an rdflib or pyoxigraph term (or a plain str) into a Term."""
    if value is None or isinstance(value, Term):
        return value
    mod = type(value).__module__
    name = type(value).__name__
    if mod.startswith("rdflib"):
        from rdflib import BNode, Literal, URIRef

        if isinstance(value, URIRef):
            return Term("iri", str(value))
        if isinstance(value, BNode):
            return Term("bnode", str(value))
        if isinstance(value, Literal):
            return Term("literal", str(value), value.language,
                        str(value.datatype) if value.datatype else None)
    if mod.startswith("pyoxigraph"):
        if name == "NamedNode":
            return Term("iri", value.value)
        if name == "BlankNode":
            return Term("bnode", value.value)
        if name == "Literal":
            return Term("literal", value.value, value.language,
                        value.datatype.value if value.datatype else None)
        if name == "DefaultGraph":
            return None
    if isinstance(value, str):
        # Plain strings from a store wrapper: treat absolute IRIs as IRIs.
        return Term("iri", value) if value.startswith(("http://", "https://", "urn:")) else Term("literal", value)
    return Term("literal", str(value))


@dataclass
class Result:
    """SELECT rows (variables + dicts) or CONSTRUCT triples, engine-neutral."""

    variables: list[str]
    rows: list[dict[str, Term]]
    triples: list[tuple[Term, Term, Term]] | None = None


def _normalise(res: Any) -> Result:
    # rdflib Result
    if hasattr(res, "type") and getattr(res, "type", None) in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK"):
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            rows = []
            for r in res:
                d = r.asdict()
                rows.append({k: to_term(v) for k, v in d.items() if v is not None})
            return Result(variables, rows)
        if res.type in ("CONSTRUCT", "DESCRIBE"):
            return Result([], [], [tuple(to_term(x) for x in t) for t in res.graph])
        raise KgError("ASK queries cannot be drawn; use SELECT ?source ?target or CONSTRUCT")
    # pyoxigraph QuerySolutions / QueryTriples
    cls = type(res).__name__
    if cls == "QuerySolutions":
        variables = [v.value for v in res.variables]
        rows = []
        for sol in res:
            d = {}
            for v in variables:
                t = sol[v]
                if t is not None:
                    d[v] = to_term(t)
            rows.append(d)
        return Result(variables, rows)
    if cls == "QueryTriples":
        return Result([], [], [(to_term(t.subject), to_term(t.predicate), to_term(t.object)) for t in res])
    if isinstance(res, Result):
        return res
    # kg.store's Result: kind select/construct/ask, columns, rows as tuples of engine terms.
    if hasattr(res, "kind") and hasattr(res, "columns"):
        if res.kind == "construct":
            return Result([], [], [tuple(to_term(x) for x in t) for t in res.triples])
        if res.kind == "ask":
            raise KgError("ASK queries cannot be drawn; use SELECT ?source ?target or CONSTRUCT")
        cols = [str(c) for c in res.columns]
        return Result(cols, [{c: to_term(v) for c, v in zip(cols, row) if v is not None} for row in res.rows])
    # A wrapper's own shape: an object with variables + rows, or a plain list of dicts.
    if hasattr(res, "variables") and hasattr(res, "rows"):
        variables = [str(v).lstrip("?") for v in res.variables]
        return Result(variables, [{str(k).lstrip("?"): to_term(v) for k, v in dict(r).items() if v is not None}
                                  for r in res.rows])
    if isinstance(res, (list, tuple)):
        rows = [{str(k).lstrip("?"): to_term(v) for k, v in dict(r).items() if v is not None} for r in res]
        variables = list(dict.fromkeys(k for r in rows for k in r))
        return Result(variables, rows)
    raise KgError(f"cannot read query results of type {cls}")


def run(source: Any, sparql: str, *, prefixes: bool = True) -> Result:
    """Run `sparql` over `source` (rdflib Dataset/Graph, pyoxigraph Store, or a store with .query)."""
    text = (sparql_prefixes() + sparql) if prefixes else sparql
    try:
        if hasattr(source, "query"):
            try:
                res = source.query(text)
            except TypeError:
                res = source.query(text, {})
        else:
            raise KgError(f"cannot query a {type(source).__name__}")
    except KgError:
        raise
    except SyntaxError as exc:
        raise KgError(f"SPARQL syntax error: {exc}") from exc
    except Exception as exc:  # engines raise their own types for syntax errors
        if type(exc).__name__ in ("ParseException", "QueryEvaluationError") or "Syntax" in type(exc).__name__ \
                or "parse" in str(exc).lower():
            raise KgError(f"SPARQL error: {exc}") from exc
        raise
    return _normalise(res)


def load_files(paths: Iterable[str | Path]):
    """An rdflib Dataset from .trig/.ttl/.nq files: for tests and `--data`, when no store is built."""
    from rdflib import Dataset

    ds = Dataset()
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise KgError("no such file", file=str(p))
        fmt = {".trig": "trig", ".ttl": "turtle", ".nq": "nquads", ".nt": "nt"}.get(p.suffix, "trig")
        try:
            if fmt in ("turtle", "nt"):
                ds.default_context.parse(p, format=fmt)
            else:
                ds.parse(p, format=fmt)
        except Exception as exc:
            raise KgError(f"cannot parse: {exc}", file=str(p)) from exc
    return ds


def default_source():
    """The project's data: the on-disk store if `kg.store` exists, else a fresh compile."""
    try:
        from kg.store import open_store  # type: ignore[import-not-found]
    except ImportError:
        open_store = None
    if open_store is not None:
        return open_store()
    try:
        from kg.build import compile_dataset  # type: ignore[import-not-found]
    except ImportError as exc:
        raise KgError("no data: neither kg.store nor kg.build is available; pass --data FILE") from exc
    return compile_dataset()
