"""The ontology files as one rdflib graph, and a flat list of their terms for docs and lookups.

`load_ontology()` reads every ontology/*.ttl except shapes.ttl (shapes validate data, they are
not vocabulary), including curators' ontology/indicators-extra-sNNN.ttl files.
`terms(graph)` turns classes, properties, concept schemes, collections and concepts into plain
`Term` records with zh/en labels and definitions, so callers never walk RDF for a label.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from kg.errors import KgError
from kg.namespaces import IND, OWL, PREFIXES, RDF, RDFS, SK, SKOS, V, bind_all
from kg.paths import ontology_dir

#: Files in ontology/ that are not vocabulary.
EXCLUDED = frozenset({"shapes.ttl"})

#: Term kinds, in the order docs list them.
KINDS = (
    "class",
    "object-property",
    "datatype-property",
    "annotation-property",
    "concept-scheme",
    "collection",
    "concept",
)

#: Namespaces whose terms are ours (everything else is an external term we only point at).
OWN_NAMESPACES = (str(SK), str(V), str(IND))

_PROPERTY_KINDS = {
    OWL.ObjectProperty: "object-property",
    OWL.DatatypeProperty: "datatype-property",
    OWL.AnnotationProperty: "annotation-property",
}


@dataclass
class Term:
    """One ontology term with what a reader needs to know about it."""

    iri: str
    curie: str
    kind: str
    labels: dict[str, str] = field(default_factory=dict)  # lang -> label (rdfs:label, else prefLabel)
    definitions: dict[str, str] = field(default_factory=dict)  # lang -> skos:definition
    comments: list[str] = field(default_factory=list)  # rdfs:comment, any language
    parents: list[str] = field(default_factory=list)  # subClassOf / subPropertyOf / skos:broader
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    schemes: list[str] = field(default_factory=list)  # skos:inScheme
    matches: list[tuple[str, str]] = field(default_factory=list)  # (relation curie, target iri)
    extra: list[tuple[str, str]] = field(default_factory=list)  # (property curie, value) e.g. sk:rank

    def label(self, lang: str = "en") -> str:
        """The label in `lang`, else any label, else the CURIE."""
        return self.labels.get(lang) or next(iter(sorted(self.labels.items())), ("", self.curie))[1]

    @property
    def local_name(self) -> str:
        return self.curie.split(":", 1)[1] if ":" in self.curie else self.iri


def ontology_files(folder: str | Path | None = None) -> list[Path]:
    """The .ttl files that make up the ontology, sorted by name so loading is deterministic."""
    folder = Path(folder) if folder else ontology_dir()
    return sorted(p for p in folder.glob("*.ttl") if p.name not in EXCLUDED)


def load_ontology(folder: str | Path | None = None) -> Graph:
    """Parse every ontology file into one graph. A syntax error becomes a KgError naming the file."""
    files = ontology_files(folder)
    if not files:
        raise KgError("no ontology files found", file=str(folder or ontology_dir()))
    graph = Graph()
    bind_all(graph)
    from kg.build import parse_turtle  # one reader for every .ttl input: file, line and fix

    for path in files:
        graph += parse_turtle(path)
    return graph


def curie(iri: str | URIRef) -> str:
    """`sk:Place` for a known namespace, else the IRI itself. Longest namespace wins."""
    iri = str(iri)
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best and len(iri) > len(PREFIXES[best]):
        return f"{best}:{iri[len(PREFIXES[best]):]}"
    return iri


def is_own(iri: str | URIRef) -> bool:
    """True for terms this project defines (sk:, v:, ind:)."""
    return str(iri).startswith(OWN_NAMESPACES)


def _by_lang(graph: Graph, node, predicates: Iterable[URIRef]) -> dict[str, str]:
    """First predicate that has any literal wins; within it, one text per language (sorted, stable)."""
    for pred in predicates:
        found: dict[str, str] = {}
        for lit in sorted(o for o in graph.objects(node, pred) if isinstance(o, Literal)):
            found.setdefault(lit.language or "", str(lit))
        if found:
            return found
    return {}


def _iris(graph: Graph, node, pred: URIRef) -> list[str]:
    return sorted(str(o) for o in graph.objects(node, pred) if isinstance(o, URIRef))


def _kind(graph: Graph, node: URIRef) -> str | None:
    types = set(graph.objects(node, RDF.type))
    if OWL.Class in types or RDFS.Class in types:
        return "class"
    for t, kind in _PROPERTY_KINDS.items():
        if t in types:
            return kind
    if RDF.Property in types:
        return "object-property"
    if SKOS.ConceptScheme in types:
        return "concept-scheme"
    if SKOS.OrderedCollection in types or SKOS.Collection in types:
        return "collection"
    if SKOS.Concept in types or any(graph.value(t, RDFS.subClassOf) == SKOS.Concept for t in types):
        return "concept"
    return None


_MATCHES = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, RDFS.seeAlso)
_EXTRA = (SK.category, SK.defaultUnit, SK.rank, SK.nextLevel, SKOS.notation, SKOS.hasTopConcept)


def term(graph: Graph, iri: str | URIRef) -> Term | None:
    """The Term for one IRI, or None if the ontology does not define it."""
    node = URIRef(str(iri))
    kind = _kind(graph, node)
    if kind is None:
        return None
    t = Term(iri=str(node), curie=curie(node), kind=kind)
    t.labels = _by_lang(graph, node, (RDFS.label, SKOS.prefLabel))
    t.definitions = _by_lang(graph, node, (SKOS.definition,))
    t.comments = sorted(str(c) for c in graph.objects(node, RDFS.comment))
    if kind == "class":
        t.parents = _iris(graph, node, RDFS.subClassOf)
    elif kind.endswith("-property"):
        t.parents = _iris(graph, node, RDFS.subPropertyOf)
    else:
        t.parents = _iris(graph, node, SKOS.broader)
    t.domains = _iris(graph, node, RDFS.domain)
    t.ranges = _iris(graph, node, RDFS.range)
    t.schemes = _iris(graph, node, SKOS.inScheme)
    t.matches = sorted((curie(p), str(o)) for p in _MATCHES for o in graph.objects(node, p) if isinstance(o, URIRef))
    for p in _EXTRA:
        for o in sorted(graph.objects(node, p)):
            t.extra.append((curie(p), curie(o) if isinstance(o, URIRef) else str(o)))
    if kind == "collection":
        head = graph.value(node, SKOS.memberList)
        if isinstance(head, BNode) or isinstance(head, URIRef):
            for member in Collection(graph, head):
                t.extra.append(("skos:memberList", curie(member)))
    return t


def terms(graph: Graph, own_only: bool = True) -> list[Term]:
    """Every class, property, concept scheme, collection and concept, sorted by kind then CURIE.

    With `own_only` (the default) only sk:, v: and ind: terms are listed, not external terms the
    ontology merely mentions (e.g. the org:memberOf mapping).
    """
    found: dict[str, Term] = {}
    for node in set(graph.subjects(RDF.type, None)):
        if not isinstance(node, URIRef) or (own_only and not is_own(node)):
            continue
        t = term(graph, node)
        if t is not None:
            found[t.iri] = t
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(found.values(), key=lambda t: (order[t.kind], t.curie))


def find_term(graph: Graph, text: str) -> list[Term]:
    """Terms whose CURIE, IRI or any label contains `text` (case-insensitive)."""
    needle = text.casefold()
    return [
        t
        for t in terms(graph)
        if needle in t.curie.casefold() or needle in t.iri.casefold()
        or any(needle in lab.casefold() for lab in t.labels.values())
    ]
