"""Every namespace the project uses, defined once.

Never spell a base IRI anywhere else: import from here.
"""
from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

BASE = "https://w3id.org/shandong-skills/"

SK = Namespace(BASE + "ontology#")
V = Namespace(BASE + "vocab/")
IND = Namespace(BASE + "indicator/")
E = Namespace(BASE + "id/")
C = Namespace(BASE + "claim/")
SRC = Namespace(BASE + "source/")
#: SHACL shapes (ontology/shapes.ttl); kept apart so shapes never look like ontology terms.
SHAPE = Namespace(BASE + "shapes#")

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")

#: prefix -> namespace IRI, in the order they are written to files and SPARQL headers.
PREFIXES: dict[str, str] = {
    "sk": str(SK),
    "v": str(V),
    "ind": str(IND),
    "e": str(E),
    "c": str(C),
    "src": str(SRC),
    "org": str(ORG),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "sh": str(SH),
    "wd": str(WD),
    "wdt": str(WDT),
    "shape": str(SHAPE),
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace, to put in front of a query."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def bind_all(graph) -> None:
    """Bind every project prefix on an rdflib Graph or Dataset (replacing rdflib's defaults)."""
    for p, iri in PREFIXES.items():
        graph.bind(p, iri, override=True, replace=True)


def source_iri(number: str):
    """The IRI of source report `number` ('004' or 's004')."""
    return SRC["s" + number.lstrip("s")]


def compact(term) -> str:
    """A term of either engine as short text for messages: `prefix:name` for an IRI under a
    known namespace, `_:label` for a blank node; prefixes inside a literal (checks list related
    IRIs with GROUP_CONCAT) are shortened too. The engine is told by the term's module, so this
    low-level module imports neither rdflib's term classes nor pyoxigraph."""
    s = str(term)
    name, ox = type(term).__name__, type(term).__module__.startswith("pyoxigraph")
    if name in ("BNode", "BlankNode"):
        return f"_:{s.lstrip('_:')}"
    if ox and name == "NamedNode":
        s = term.value
    elif ox and name == "Literal":
        s = term.value
        for p, ns in PREFIXES.items():
            s = s.replace(ns, f"{p}:")
        return s
    for p, ns in PREFIXES.items():
        if s.startswith(ns) and len(s) > len(ns):
            return f"{p}:{s[len(ns):]}"
    return s
