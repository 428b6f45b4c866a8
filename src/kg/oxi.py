"""rdflib → pyoxigraph term conversion.

The build keeps an rdflib Dataset (it is what pyshacl and the rest of the project use), but
pyoxigraph serializes and answers SPARQL far faster, so both the writer and the violation
checks hand the quads over with these helpers.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID


def term(t):
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    raise TypeError(f"cannot convert {t!r} to a pyoxigraph term")


def graph_name(ctx) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph:
    ident = getattr(ctx, "identifier", ctx)
    if ident is None or ident == DATASET_DEFAULT_GRAPH_ID:
        return ox.DefaultGraph()
    return term(ident)


def quads(ds: Dataset) -> Iterator[ox.Quad]:
    for s, p, o, g in ds.quads((None, None, None, None)):
        yield ox.Quad(term(s), term(p), term(o), graph_name(g))


def _key(q: ox.Quad):
    g = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
    return (g, str(q.subject), str(q.predicate), str(q.object))


def canonical_quads(items: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads with blank nodes renamed from their place in the graph, not from the random
    labels the parser gave them, so the same input always gives the same labels (_:b0, _:b1 …).

    pyoxigraph's canonicalization names each blank node by a hash of its neighbourhood; those
    names are then numbered in sorted order to keep them short.
    """
    ds = ox.Dataset(items)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)  # deterministic for one pyoxigraph version
    canon = sorted(ds, key=_key)
    names: dict[str, ox.BlankNode] = {}

    def rename(t):
        if isinstance(t, ox.BlankNode):
            return names.setdefault(t.value, ox.BlankNode(f"b{len(names)}"))
        return t

    return [ox.Quad(rename(q.subject), q.predicate, rename(q.object), rename(q.graph_name)) for q in canon]


def sorted_quads(ds: Dataset, canonical: bool = False) -> list[ox.Quad]:
    """Quads in a fixed order, so serializations are byte-for-byte reproducible (blank-node
    labels too when `canonical`)."""
    items = quads(ds)
    if canonical:
        items = canonical_quads(items)
    return sorted(items, key=_key)


def store_from(ds: Dataset, extra: Iterable[ox.Quad] = ()) -> ox.Store:
    store = ox.Store()
    store.extend(quads(ds))
    store.extend(extra)
    return store
