"""Relationship views: SPARQL over the store -> rows -> networkx graph -> self-contained HTML.

Each view is one SELECT returning ?source ?target ?relation plus the evidence of the claim the
edge comes from (?claim ?quote ?src ?file, optional ?kind). Edges are read from the claim nodes,
not from the derived truthy edges, because only the claim carries the quote and the source.
Node attributes (class, zh/en labels) come from one query over the registry.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from kg.errors import KgError
from kg.io import read_text
from kg.namespaces import E, PREFIXES, SK
from kg.viz_scale import node_id as _node_id
from kg.viz_source import Result, Term, as_store, run

VIEWS = ("membership", "partnership", "honours", "city", "all")

# Evidence columns every built-in view selects, inside the claim's named graph.
_EVIDENCE = "?claim sk:quote ?quote ; prov:wasDerivedFrom ?src ."
_FILE = "OPTIONAL { ?src sk:fileName ?file }"
_ENTITY = f'FILTER(STRSTARTS(STR(?target), "{E}"))'

_MEMBERSHIP = f"""
  {{ GRAPH ?g {{ ?claim a sk:Membership ; org:member ?m ; org:organization ?o . {_EVIDENCE}
               OPTIONAL {{ ?claim org:role ?role }} }}
    # One edge per claim: a lead is drawn org -ledBy-> lead (as the derived edge), others member -memberOf-> org.
    BIND(IF(BOUND(?role) && ?role = v:role-lead, sk:ledBy, org:memberOf) AS ?relation)
    BIND(IF(?relation = sk:ledBy, ?o, ?m) AS ?source)
    BIND(IF(?relation = sk:ledBy, ?m, ?o) AS ?target) }}"""

_PARTNER_PAIRS = f"""
  {{ GRAPH ?g {{ ?claim a sk:Partnership ; sk:party ?source, ?target . {_EVIDENCE}
               OPTIONAL {{ ?claim sk:partnershipKind ?kind }}
               FILTER(STR(?source) < STR(?target)) }}
    BIND(sk:partnerOf AS ?relation) }}"""

_PARTNER_PRODUCT = f"""
  {{ GRAPH ?g {{ ?claim a sk:Partnership ; sk:party ?source ; sk:product ?target . {_EVIDENCE}
               OPTIONAL {{ ?claim sk:partnershipKind ?kind }} }}
    BIND(sk:product AS ?relation) }}"""

_CONFERRAL = f"""
  {{ GRAPH ?g {{ ?claim a sk:Conferral ; sk:recipient ?source ; sk:recognition ?target . {_EVIDENCE} }}
    BIND(sk:received AS ?relation) }}"""

_COMPETED = f"""
  {{ GRAPH ?g {{ ?claim a sk:CompetitionResult ; sk:participant ?source ; sk:competition ?target . {_EVIDENCE} }}
    BIND(sk:competedIn AS ?relation) }}"""


def _statement(props: str | None = None, subjects: str = "") -> str:
    """Statement edges, optionally only those whose subject is one of `subjects` (a sub-SELECT of ?source).

    The subjects come first on purpose: pyoxigraph then looks up each one's statements, where a
    FILTER EXISTS after the GRAPH pattern was tested on every statement (4x the CPU at 1M quads).
    """
    values = f"VALUES ?relation {{ {props} }}" if props else ""
    return f"""
  {{ {subjects}
    GRAPH ?g {{ ?claim a sk:Statement ; sk:subject ?source ; sk:property ?relation ; sk:object ?target .
               {_EVIDENCE} {values} }}
    {_ENTITY} }}"""


def _select(*blocks: str) -> str:
    return ("SELECT ?source ?target ?relation ?kind ?claim ?quote ?src ?file WHERE {\n"
            + "\n  UNION".join(blocks) + f"\n  {_FILE}\n}}")


# A collaboration's founding, guiding and approving bodies belong in the membership picture: the
# reports name far more of those than individual members.
_COLLABORATIONS = ("{ SELECT DISTINCT ?source WHERE { ?ct rdfs:subClassOf* sk:VocationalCollaboration . "
                   "?source a ?ct } }")

_HOLDERS = "{ SELECT DISTINCT ?source WHERE { GRAPH ?g2 { ?c2 a sk:Conferral ; sk:recipient ?source } } }"

# Each view is a UNION of these blocks; kg.viz_scale reuses them to count and summarise big views.
VIEW_BLOCKS: dict[str, tuple[str, ...]] = {
    "membership": (_MEMBERSHIP,
                   _statement("sk:foundedBy sk:guidedBy sk:approvedBy sk:locatedIn", _COLLABORATIONS)),
    "partnership": (_PARTNER_PAIRS, _PARTNER_PRODUCT, _statement("sk:introduced")),
    "honours": (_CONFERRAL, _statement("sk:worksAt sk:studentOf", _HOLDERS)),
    "all": (_MEMBERSHIP, _PARTNER_PAIRS, _PARTNER_PRODUCT, _CONFERRAL, _COMPETED, _statement()),
}
VIEW_BLOCKS["city"] = VIEW_BLOCKS["all"]
VIEW_QUERIES: dict[str, str] = {view: _select(*blocks) for view, blocks in VIEW_BLOCKS.items()}

# Node attributes for every registry entity (default graph); claims are excluded by the e: filter.
ENTITY_QUERY = f"""
SELECT ?n ?type ?zh ?en ?typeZh ?typeEn WHERE {{
  #VALUES
  ?n a ?type . FILTER(STRSTARTS(STR(?n), "{E}") && STRSTARTS(STR(?type), "{SK}"))
  OPTIONAL {{ ?n rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }}
  OPTIONAL {{ ?n rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }}
  OPTIONAL {{ ?type rdfs:label ?typeZh FILTER(LANGMATCHES(LANG(?typeZh), "zh")) }}
  OPTIONAL {{ ?type rdfs:label ?typeEn FILTER(LANGMATCHES(LANG(?typeEn), "en")) }}
}}"""

ALT_QUERY = f"""
SELECT ?n ?alt WHERE {{ #VALUES
  ?n skos:altLabel ?alt . FILTER(STRSTARTS(STR(?n), "{E}")) }}"""

# Property labels from the ontology, for edge legends; absent ontology just means prefixed names.
PROPERTY_QUERY = f"""
SELECT ?p ?zh ?en WHERE {{
  ?p a ?kind . VALUES ?kind {{ owl:ObjectProperty owl:DatatypeProperty rdf:Property }}
  OPTIONAL {{ ?p rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) }}
  OPTIONAL {{ ?p rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) }}
}}"""

# A node typed ForeignOrganization also has its real class; show the real class, flag foreign.
_SECONDARY_TYPES = {str(SK.ForeignOrganization)}


def curie(iri: str) -> str:
    """`sk:partnerOf` for a project IRI, the IRI itself otherwise."""
    for p, base in PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{p}:{iri[len(base):]}"
    return iri


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


def _info_rows(source: Any, query: str, iris: list[str] | None):
    """The rows of `query` for every entity, or only for `iris` (looked up by VALUES, in batches)."""
    if iris is None:
        yield from run(source, query).rows
        return
    from kg.viz_scale import batched, values

    for part in batched(iris):
        yield from run(source, query.replace("#VALUES", values("n", part))).rows


def entity_info(source: Any, iris: list[str] | None = None) -> dict[str, dict]:
    """IRI -> {type, typeZh, typeEn, zh, en, alt[], foreign} for every registry entity (or those in `iris`)."""
    info: dict[str, dict] = {}
    for r in _info_rows(source, ENTITY_QUERY, iris):
        n = r["n"].value
        d = info.setdefault(n, {"type": None, "zh": None, "en": None, "alt": [], "foreign": False})
        t = r["type"].value
        if t in _SECONDARY_TYPES:
            d["foreign"] = True
        elif d["type"] is None or t < d["type"]:  # several classes: pick one stably
            d["type"] = t
            d["typeZh"] = r["typeZh"].value if "typeZh" in r else None
            d["typeEn"] = r["typeEn"].value if "typeEn" in r else None
        if "zh" in r:
            d["zh"] = r["zh"].value
        if "en" in r:
            d["en"] = r["en"].value
    for d in info.values():
        if d["type"] is None and d["foreign"]:
            d["type"] = str(SK.ForeignOrganization)
    for r in _info_rows(source, ALT_QUERY, iris):
        if r["n"].value in info:
            info[r["n"].value]["alt"].append(r["alt"].value)
    return info


def property_labels(source: Any) -> dict[str, dict]:
    out: dict[str, dict] = {}
    try:
        rows = run(source, PROPERTY_QUERY).rows
    except KgError:
        return out
    for r in rows:
        d = out.setdefault(r["p"].value, {})
        if "zh" in r:
            d["zh"] = r["zh"].value
        if "en" in r:
            d["en"] = r["en"].value
    return out




def _ensure_node(G: nx.MultiDiGraph, t: Term, info: dict[str, dict]) -> str:
    nid = _node_id(t)
    if nid in G:
        return nid
    d = info.get(t.value) if t.kind == "iri" else None
    if d:
        G.add_node(nid, iri=t.value, type=d["type"], zh=d["zh"] or d["en"] or local_name(t.value),
                   en=d["en"] or d["zh"] or local_name(t.value), alt=list(d["alt"]),
                   typeZh=d.get("typeZh"), typeEn=d.get("typeEn"), foreign=d["foreign"])
    elif t.kind == "iri":
        G.add_node(nid, iri=t.value, type="Resource", zh=curie(t.value), en=curie(t.value), alt=[],
                   foreign=False)
    else:
        G.add_node(nid, iri=None, type="Literal", zh=t.value, en=t.value, alt=[], foreign=False)
    return nid


def graph_from_rows(rows: list[dict[str, Term]], info: dict[str, dict] | None = None) -> nx.MultiDiGraph:
    """Rows with ?source ?target [?relation ?kind ?claim ?quote ?src ?file] -> a multigraph.

    One edge per (source, target, relation, kind); every claim stating it adds its evidence.
    """
    info = info or {}
    G = nx.MultiDiGraph()
    for r in rows:
        s, t = r.get("source"), r.get("target")
        if s is None or t is None:
            continue
        a, b = _ensure_node(G, s, info), _ensure_node(G, t, info)
        rel = r["relation"].value if "relation" in r else "related"
        kind = r["kind"].value if "kind" in r else None
        key = f"{rel}|{kind or ''}"
        if not G.has_edge(a, b, key):
            G.add_edge(a, b, key=key, relation=rel, kind=kind, evidence=[])
        if "quote" in r:
            ev = {"quote": r["quote"].value,
                  "file": (r["file"].value if "file" in r else (local_name(r["src"].value) if "src" in r else "")),
                  "claim": curie(r["claim"].value) if "claim" in r else ""}
            evs = G.edges[a, b, key]["evidence"]
            if ev not in evs:
                evs.append(ev)
    return G


def graph_from_triples(triples, info: dict[str, dict] | None = None) -> nx.MultiDiGraph:
    """A CONSTRUCT result drawn as a graph: rdf:type and labels become node attributes."""
    from rdflib.namespace import RDF, RDFS

    info = dict(info or {})
    extra: dict[str, dict] = {}
    edges = []
    for s, p, o in triples:
        if p.value == str(RDF.type) and o.kind == "iri":
            extra.setdefault(s.value, {"type": None, "zh": None, "en": None, "alt": [], "foreign": False})["type"] = o.value
        elif p.value == str(RDFS.label) and o.kind == "literal":
            d = extra.setdefault(s.value, {"type": None, "zh": None, "en": None, "alt": [], "foreign": False})
            d["en" if (o.lang or "").startswith("en") else "zh"] = o.value
        else:
            edges.append({"source": s, "target": o, "relation": p})
    for iri, d in extra.items():
        base = info.get(iri, {"type": None, "zh": None, "en": None, "alt": [], "foreign": False})
        info[iri] = {**base, **{k: v for k, v in d.items() if v}}
        info[iri]["type"] = info[iri]["type"] or "Resource"
    G = graph_from_rows(edges, info)
    for iri in extra:  # typed or labelled nodes with no edges still belong in the picture
        if iri not in G:
            _ensure_node(G, Term("iri", iri), info)
    return G


def resolve_city(G: nx.MultiDiGraph, info: dict[str, dict], name: str) -> str:
    """The IRI of the place called `name` (zh/en label or alt label, with or without 市; or e:slug)."""
    want = name.strip()
    if not want:
        raise KgError("--city needs a name")
    cands = []
    norm = lambda s: (s or "").strip().lower().removesuffix("市").removesuffix(" city")  # noqa: E731
    for iri, d in info.items():
        names = [d.get("zh"), d.get("en"), *d.get("alt", []), curie(iri), local_name(iri)]
        if want in names or norm(want) in {norm(x) for x in names if x}:
            cands.append(iri)
    if not cands:
        raise KgError(f"no place named {name!r}")
    places = [c for c in cands if "Province" not in (info[c]["type"] or "") and
              any(k in (info[c]["type"] or "") for k in ("City", "County", "Place", "Region"))]
    pick = sorted(places or cands, key=lambda c: (-(G.degree(c) if c in G else 0), c))
    return pick[0]


def city_subgraph(G: nx.MultiDiGraph, city: str, depth: int = 1) -> nx.MultiDiGraph:
    keep = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), city, cutoff=depth)
    return G.subgraph(keep).copy()


def load_query_text(query: str) -> str:
    """--query NAME|FILE: a path to a .rq file, or a saved question/export under queries/."""
    from kg.paths import queries_dir

    p = Path(query)
    if p.suffix == ".rq" and p.exists():
        return read_text(p)
    qdir = queries_dir()
    for sub in ("questions", "exports", "."):
        cand = qdir / sub / (query if query.endswith(".rq") else query + ".rq")
        if cand.exists():
            return read_text(cand)
    raise KgError(f"no query file or saved query named {query!r}")


def query_graph(source: Any, sparql: str, info: dict[str, dict]) -> nx.MultiDiGraph:
    """Any SELECT with ?source ?target [?relation], or a CONSTRUCT, as a graph."""
    res: Result = run(source, sparql)
    if res.triples is not None:
        return graph_from_triples(res.triples, info)
    if not {"source", "target"} <= set(res.variables):
        raise KgError("a --query SELECT must bind ?source and ?target (optionally ?relation, ?quote, ?file)")
    return graph_from_rows(res.rows, info)


def _view_graph(store, view: str, limit: int) -> tuple[nx.MultiDiGraph, str | None]:
    """A built-in view's graph, and the rule it was summarised by when it has more than `limit` nodes."""
    from kg.viz_scale import fetch_light, full_graph, summary_graph, typed_things

    typed = typed_things(store)
    if typed <= limit:  # no view can be bigger: one query, as always
        return graph_from_rows(run(store, VIEW_QUERIES[view]).rows, entity_info(store)), None
    light = fetch_light(store, VIEW_BLOCKS[view], _EVIDENCE)
    if light.node_count <= limit:
        iris = [t.value for t in light.terms.values() if t.kind == "iri"]
        # Looking entities up one by one costs more than one pass over all once they are most of them.
        return full_graph(store, light, entity_info(store, iris if len(iris) < typed // 2 else None)), None
    return summary_graph(store, light, limit)


def _city_graph(store, city: str, depth: int, limit: int) -> tuple[nx.MultiDiGraph, str]:
    """The city view: everything within `depth` links of the place named `city`, with its IRI.

    A big graph is first fetched light, so quotes are looked up only for the edges drawn.
    """
    from kg.viz_scale import fetch_light, full_graph, typed_things

    info = entity_info(store)  # every name, to find the city by any of them
    if typed_things(store) <= limit:
        G = graph_from_rows(run(store, VIEW_QUERIES["city"]).rows, info)
        iri = resolve_city(G, info, city)
        if iri not in G:
            _ensure_node(G, Term("iri", iri), info)
        return city_subgraph(G, iri, depth), iri
    light = fetch_light(store, VIEW_BLOCKS["city"], _EVIDENCE)
    skeleton = nx.MultiDiGraph()
    skeleton.add_nodes_from(light.terms)
    skeleton.add_edges_from((a, b) for a, b, _rel, _kind in light.edges)
    iri = resolve_city(skeleton, info, city)
    G = full_graph(store, light, info, set(city_subgraph(skeleton, iri, depth)) if iri in skeleton else {iri})
    if iri not in G:
        _ensure_node(G, Term("iri", iri), info)
    return G, iri


def build_view(source: Any, view: str, *, city: str | None = None, query: str | None = None,
               depth: int = 1, limit: int | None = None) -> tuple[nx.MultiDiGraph, dict]:
    """The networkx graph of one view and page metadata (title, relation labels, the summary rule).

    A built-in view of more than `limit` nodes (default viz_render.MAX_NODES) is fetched light
    and summarised (kg.viz_scale); the rule goes into meta["note"] for the page to state.
    """
    from kg.viz_render import MAX_NODES

    store = as_store(source)
    limit = limit or MAX_NODES
    title = {"membership": "成员与牵头单位 Membership", "partnership": "合作关系 Partnerships",
             "honours": "荣誉与获得者 Honours", "all": "全部关系 All relations",
             "city": "城市 City", "query": "查询 Query"}
    if query:
        G = query_graph(store, load_query_text(query), entity_info(store))
        meta = {"view": "query", "title": f"{title['query']}: {Path(query).name}"}
    elif view == "city":
        if not city:
            raise KgError("the city view needs --city NAME")
        G, iri = _city_graph(store, city, depth, limit)
        meta = {"view": view, "title": f"{title['city']}: {G.nodes[iri]['zh']} {G.nodes[iri]['en']}", "focus": iri}
    elif view in VIEW_BLOCKS:
        G, note = _view_graph(store, view, limit)
        meta = {"view": view, "title": title[view]}
        if note:
            meta["note"] = note
    else:
        raise KgError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)} or --query")
    meta["relations"] = property_labels(store)
    return G, meta


def write_page(G: nx.MultiDiGraph, meta: dict, path, *, lang: str = "zh", size_by: str = "degree") -> dict:
    """viz_render's page for a view; a summarised view's rule (meta["note"]) is stated on it by payload()."""
    from kg.viz_render import write_view

    return write_view(G, meta, path, lang=lang, size_by=size_by)
