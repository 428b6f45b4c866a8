"""The views', stats' and charts' way to the data: SPARQL through kg.store, answers as plain rows.

Every query goes through the one store interface (`kg.store.open_store`: pyoxigraph on disk by
default, the rdflib engine, or the in-memory fake), which binds the project prefixes, refuses
updates and reports syntax errors with their line. What callers hand in is made into such a
store by `as_store`: a store itself, an rdflib Dataset/Graph (the rdflib engine over it), or a
bare pyoxigraph Store (kg.store's oxigraph backend over it, e.g. a read-only benchmark store).
Past this module rows are dicts of `Term`s, so view code never depends on which engine answered.
User text is never pasted into a query: callers pass bindings, or fetch rows and match in Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from kg.errors import KgError
from kg.io import read_text


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
    """A Term for an rdflib or pyoxigraph term (kg.store.term_parts reads both)."""
    if value is None or isinstance(value, Term):
        return value
    convert = _CONVERTERS.get(type(value))
    if convert is None:
        convert = _CONVERTERS.setdefault(type(value), _converter(type(value)))
    return convert(value)


def _from_parts(value: Any) -> Term:
    from kg.store import XSD_STRING, term_parts

    kind, text, datatype, lang = term_parts(value)
    if kind == "uri":
        return Term("iri", text)
    if kind == "bnode":
        return Term("bnode", text)
    return Term("literal", text, lang, None if datatype == XSD_STRING else datatype)


def _ox_literal(v: Any, xsd_string: str) -> Term:
    if v.language:
        return Term("literal", v.value, v.language)
    dt = v.datatype.value
    return Term("literal", v.value, None, None if dt == xsd_string else dt)


def _converter(cls: type):
    # Big views convert hundreds of thousands of terms: the common kinds skip the general dispatch.
    if cls.__module__.startswith("pyoxigraph"):
        if cls.__name__ == "NamedNode":
            return lambda v: Term("iri", v.value)
        if cls.__name__ == "Literal":
            from kg.store import XSD_STRING

            return lambda v: _ox_literal(v, XSD_STRING)
    if cls.__module__.startswith("rdflib") and cls.__name__ == "URIRef":
        return lambda v: Term("iri", str(v))
    return _from_parts


_CONVERTERS: dict[type, Any] = {}


@dataclass
class Result:
    """SELECT rows (variables + dicts, unbound variables left out) or CONSTRUCT triples."""

    variables: list[str]
    rows: list[dict[str, Term]]
    triples: list[tuple[Term, Term, Term]] | None = None


def from_store_result(res) -> Result:
    """A kg.store.Result as rows of Terms (ASK answers cannot be drawn)."""
    if res.kind == "construct":
        return Result([], [], [tuple(to_term(x) for x in t) for t in res.triples])
    if res.kind == "ask":
        raise KgError("ASK queries cannot be drawn; use SELECT ?source ?target or CONSTRUCT")
    cols = list(res.columns)
    return Result(cols, [{c: to_term(v) for c, v in zip(cols, row) if v is not None} for row in res.rows])


def as_store(source: Any):
    """A kg.store backend over `source` (see the module docstring for what is accepted)."""
    from kg.namespaces import PREFIXES
    from kg.store import OxigraphBackend, open_store

    if hasattr(source, "query") and hasattr(source, "prefixes"):
        return source
    module = type(source).__module__
    if module.startswith("rdflib"):
        return open_store(engine="rdflib", dataset=source)
    if module.startswith("pyoxigraph") and type(source).__name__ == "Store":
        return OxigraphBackend(source, dict(PREFIXES))
    raise KgError(f"cannot query a {type(source).__name__}")


def run(source: Any, sparql: str, bindings: dict | None = None) -> Result:
    """Run `sparql` (project prefixes predeclared; `bindings` as kg.store Iri/Lit terms) over `source`."""
    return from_store_result(as_store(source).query(sparql, bindings))


def load_files(paths: Iterable[str | Path]):
    """An rdflib Dataset from .trig/.ttl/.nq files: for tests and `--data`, when no store is built."""
    from rdflib import Dataset

    ds = Dataset()
    for p in paths:
        p = Path(p)
        if not p.exists():
            raise KgError("no such file", file=str(p))
        fmt = {".trig": "trig", ".ttl": "turtle", ".nq": "nquads", ".nt": "nt"}.get(p.suffix, "trig")
        text = read_text(p)  # unreadable, binary, non-UTF-8: one line with the line number
        try:
            target = ds.default_context if fmt in ("turtle", "nt") else ds
            target.parse(data=text, format=fmt, publicID=p.absolute().as_uri())
        except Exception as exc:
            from kg.build import syntax_error_line, syntax_error_message

            raise KgError(syntax_error_message(exc), file=str(p), line=syntax_error_line(exc)) from exc
    return ds


def open_source(data: Iterable[str | Path] = ()):
    """The store behind `kg viz/stats/chart`: `--data` files in the in-memory store, else the project store."""
    from kg.store import open_store

    data = list(data)
    return open_store(engine="memory", dataset=load_files(data)) if data else open_store()
