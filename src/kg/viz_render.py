"""networkx graph -> one self-contained HTML page drawn by vis-network and our overview renderer.

Why not pyvis: its templates load vis-network and Bootstrap from public CDNs whatever
`cdn_resources` says (offline the page is blank), its add_node/add_edge scan every existing
node/edge (quadratic: minutes at 20k), and it puts titles into HTML strings. We build the node
and edge lists in one pass, inline the vendored vis-network standalone build and our own JS/CSS,
and embed the data as escaped JSON (in columns, see page_data) that the page reads with JSON.parse.
Above PHYSICS_MAX nodes the page gets positions from Python and first draws them with its own
canvas overview; vis-network draws only the part in view once it is small (assets/view.js).
"""
from __future__ import annotations

import json
import math
import re
from html import escape
from importlib import resources

import networkx as nx

from kg.namespaces import SK
from kg.viz import curie, local_name
from kg.viz_layout import layout

MAX_NODES = 20_000      # above this the graph is aggregated (rule stated on the page)
PHYSICS_MAX = 300       # up to this many nodes the browser's physics lays the graph out

# Node families: one shape and one base colour each; classes in a family get shades of it.
_FAMILIES = [
    ("triangle", "#2e8b57", ["Place", "Country", "Province", "PrefectureCity", "CountyLevelDivision", "City",
                             "Region"]),
    ("dot", "#1f6fb4", ["TechnicalCollege", "TechnicianCollege", "SeniorTechnicalSchool", "TechnicalSchool",
                        "VocationalSchool", "University", "TrainingCentre"]),
    ("square", "#e07b00", ["Enterprise"]),
    ("diamond", "#c0392b", ["GovernmentAgency"]),
    ("hexagon", "#138d90", ["VocationalCollaboration", "EducationGroup", "EducationAlliance",
                            "IndustryEducationConsortium", "IndustryEducationCommunity"]),
    ("dot", "#8e44ad", ["Organization", "Association", "MediaOrganization", "InternationalOrganization",
                        "ForeignOrganization"]),
    ("triangleDown", "#8d6e63", ["Platform", "SkillMasterStudio", "MasterWorkstation", "TrainingBase",
                                 "OnlinePlatform"]),
    ("star", "#d4a017", ["Recognition", "HonourTitle", "UnitDesignation"]),
    ("dot", "#e84393", ["Person"]),
    ("triangleDown", "#34495e", ["Competition", "CompetitionEdition", "Event"]),
    ("square", "#7f8c8d", ["Programme", "PolicyDocument", "Publication", "Brand", "SkillLevel", "Occupation",
                           "Industry"]),
]
_FALLBACK = ("dot", "#95a5a6")

_RELATIONS = {  # colour, width, dashes, arrow
    "http://www.w3.org/ns/org#memberOf": ("#5b7fa6", 1, False, True),
    str(SK.ledBy): ("#d62728", 3, False, True),   # lead edges: thick red, unlike plain membership
    str(SK.partnerOf): ("#2ca02c", 2, False, False),
    str(SK.product): ("#ff7f0e", 1, True, True),
    str(SK.introduced): ("#9467bd", 2, True, True),
    str(SK.received): ("#d4a017", 2, False, True),
    str(SK.worksAt): ("#e84393", 1, False, True),
    str(SK.studentOf): ("#e84393", 1, True, True),
    str(SK.competedIn): ("#34495e", 1, False, True),
}


def _shade(hex_colour: str, i: int) -> str:
    """The i-th shade of a colour (0 = itself), lightening in steps so classes stay distinguishable."""
    r, g, b = (int(hex_colour[k:k + 2], 16) for k in (1, 3, 5))
    f = min(0.55, 0.18 * i)
    r, g, b = (round(c + (255 - c) * f) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"


def type_style(type_iri: str) -> tuple[str, str]:
    name = local_name(type_iri or "")
    for shape, colour, classes in _FAMILIES:
        if name in classes:
            return shape, _shade(colour, classes.index(name))
    return _FALLBACK


def relation_style(rel: str) -> tuple[str, int, bool, bool]:
    if rel in _RELATIONS:
        return _RELATIONS[rel]
    # Stable colour per unknown relation, so the same property looks the same on every page.
    h = sum(map(ord, rel)) % 360
    return f"hsl({h}, 45%, 45%)", 1, False, True


def _first_edge(H, a, b) -> dict:
    for x, y in ((a, b), (b, a)):
        data = H.get_edge_data(x, y)
        if data:
            return next(iter(data.values()))
    return {}


def aggregate(G: nx.MultiDiGraph, limit: int = MAX_NODES) -> tuple[nx.MultiDiGraph, str | None]:
    """Shrink a graph above `limit` nodes; returns the graph and the rule applied (for the page)."""
    if G.number_of_nodes() <= limit:
        return G, None
    H = G.copy()
    groups: dict = {}
    U = H.to_undirected(as_view=True)
    for n in list(H.nodes):
        nbrs = set(U.neighbors(n)) - {n}
        if len(nbrs) == 1:
            (hub,) = nbrs
            d = _first_edge(H, n, hub)
            groups.setdefault((hub, d.get("relation", ""), H.nodes[n].get("type")), []).append(n)
    for (hub, rel, typ), members in groups.items():
        if len(members) < 2 or hub not in H:
            continue
        evid = []
        for m in members[:3]:
            evid.extend(_first_edge(H, m, hub).get("evidence", [])[:1])
        H.remove_nodes_from(members)
        agg = f"agg:{hub}|{rel}|{typ}"
        H.add_node(agg, iri=None, type=typ, zh=f"+{len(members)} 项", en=f"+{len(members)} more",
                   alt=[], foreign=False, aggregated=len(members))
        H.add_edge(agg, hub, key=f"{rel}|", relation=rel, kind=None, evidence=evid[:3])
    rule = ("More than {limit:,} nodes ({n:,}): nodes with a single neighbour that share that neighbour, "
            "relation and class were merged into one '+N' node").format(limit=limit, n=G.number_of_nodes())
    if H.number_of_nodes() > limit:
        deg = dict(H.degree())
        keep = sorted(H.nodes, key=lambda n: (-deg[n], str(n)))[:limit]
        H = H.subgraph(keep).copy()
        rule += f"; then only the {limit:,} nodes of highest degree were kept (ties by IRI)"
    return H, rule + "."


def _sizes(G: nx.MultiDiGraph, size_by: str) -> dict:
    if size_by == "betweenness" and G.number_of_nodes() > 1:
        simple = nx.Graph(G.to_undirected(as_view=True))
        n = simple.number_of_nodes()
        # Exact betweenness is O(n*m); sample 200 pivots on big graphs (fixed seed: same page every run).
        bc = nx.betweenness_centrality(simple, k=min(n, 200) if n > 1000 else None, seed=7)
        top = max(bc.values()) or 1.0
        return {v: round(8 + 42 * math.sqrt(bc[v] / top), 1) for v in G.nodes}
    return {v: round(min(50.0, 8 + 4 * math.sqrt(d)), 1) for v, d in G.degree()}


def payload(G: nx.MultiDiGraph, meta: dict, *, lang: str = "zh", size_by: str = "degree") -> dict:
    """The JSON the page draws: nodes, edges, the legend's types and relations, and metadata."""
    G, rule = aggregate(G)
    big = G.number_of_nodes() > PHYSICS_MAX
    pos = layout(G) if big else {}
    sizes = _sizes(G, size_by)
    ids = {n: i for i, n in enumerate(G.nodes)}
    types: dict[str, dict] = {}
    nodes = []
    for n, d in G.nodes(data=True):
        t = d.get("type") or "Resource"
        if t not in types:
            shape, colour = type_style(t)
            types[t] = {"id": t, "zh": d.get("typeZh") or local_name(t), "en": d.get("typeEn") or local_name(t),
                        "shape": shape, "color": colour, "count": 0}
        types[t]["count"] += 1
        item = {"id": ids[n], "iri": curie(d["iri"]) if d.get("iri") else "", "t": t,
                "zh": d.get("zh") or "", "en": d.get("en") or "", "d": G.degree(n), "s": sizes[n]}
        if d.get("alt"):
            item["alt"] = d["alt"]
        if d.get("foreign"):
            item["f"] = 1
        if n in pos:
            item["x"], item["y"] = pos[n]
        nodes.append(item)
    rel_labels = meta.get("relations", {})
    rels: dict[str, dict] = {}
    edges = []
    for u, v, d in G.edges(data=True):
        r = d.get("relation") or "related"
        if r not in rels:
            colour, width, dashes, arrow = relation_style(r)
            lab = rel_labels.get(r, {})
            rels[r] = {"id": r, "curie": curie(r), "zh": lab.get("zh") or curie(r), "en": lab.get("en") or curie(r),
                       "color": colour, "width": width, "dashes": dashes, "arrow": arrow, "count": 0}
        rels[r]["count"] += 1
        e = {"f": ids[u], "t": ids[v], "r": r,
             "ev": [[x.get("quote", ""), x.get("file", ""), x.get("claim", "")] for x in d.get("evidence", [])]}
        if d.get("kind"):
            e["k"] = curie(d["kind"])
        edges.append(e)
    focus = meta.get("focus")
    return {
        "meta": {"title": meta.get("title", ""), "view": meta.get("view", ""), "lang": lang, "sizeBy": size_by,
                 "physics": not big,
                 # A summarised view's rule (set by kg.viz_scale) and this function's own, both stated on the page.
                 "note": " ".join(x for x in (meta.get("note"), rule) if x) or None,
                 "focus": ids.get(focus) if focus is not None else None,
                 "nodeCount": len(nodes), "edgeCount": len(edges)},
        "types": sorted(types.values(), key=lambda t: -t["count"]),
        "relations": sorted(rels.values(), key=lambda r: -r["count"]),
        "nodes": nodes,
        "edges": edges,
    }


_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data) -> str:
    """JSON safe inside <script type="application/json">: no '</script>', no '<!--', no line separators.

    The five characters only ever occur inside JSON strings, where \\uXXXX means the same thing.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def page_data(data: dict) -> dict:
    """The payload in the page's compact form: one array per field, types/relations/files by index.

    Why: the time before a page's first script runs grows with the page's size (~0.1 s per MB
    on this machine), and the object form repeats every key and relation IRI per item. The page
    rebuilds the object form (kgView.data) in a few milliseconds. `payload` keeps the object
    form for kg serve. Node ids are their index in the payload, so they are implicit here.
    """
    types, rels, nodes, edges = data["types"], data["relations"], data["nodes"], data["edges"]
    if any(n["id"] != i for i, n in enumerate(nodes)):
        raise ValueError("payload node ids must be their index")
    type_ix = {t["id"]: i for i, t in enumerate(types)}
    rel_ix = {r["id"]: i for i, r in enumerate(rels)}
    files: dict[str, int] = {}
    cols = {"iri": [n["iri"] for n in nodes], "t": [type_ix[n["t"]] for n in nodes],
            "zh": [n["zh"] for n in nodes], "en": [n["en"] for n in nodes],
            "d": [n["d"] for n in nodes], "s": [n["s"] for n in nodes],
            "alt": [[i, n["alt"]] for i, n in enumerate(nodes) if n.get("alt")],
            "f": [i for i, n in enumerate(nodes) if n.get("f")]}
    if nodes and "x" in nodes[0]:
        # Whole pixels: the layout spaces nodes 40 px apart, a tenth of a pixel is invisible.
        cols["x"] = [round(n["x"]) for n in nodes]
        cols["y"] = [round(n["y"]) for n in nodes]
    ecols = {"f": [e["f"] for e in edges], "t": [e["t"] for e in edges], "r": [rel_ix[e["r"]] for e in edges],
             "ev": [[[q, files.setdefault(f, len(files)), c] for q, f, c in e["ev"]] for e in edges],
             "k": [[i, e["k"]] for i, e in enumerate(edges) if e.get("k")]}
    return {"meta": data["meta"], "types": types, "relations": rels, "files": list(files),
            "nodes": cols, "edges": ecols}


def _asset(name: str) -> str:
    return resources.files("kg").joinpath("assets", name).read_text(encoding="utf-8")


def _vis_js() -> str:
    # The source-map comment would make devtools fetch a file we do not ship; drop it.
    return re.sub(r"//# sourceMappingURL=\S+\s*$", "", _asset("vis-network.min.js"))


_PLACEHOLDERS = re.compile(r"\{\{(TITLE|LANG|CSS|VIS_JS|OVERVIEW_JS|APP_JS|DATA)\}\}")


def render_html(data: dict) -> str:
    """The page. vis-network is inlined as an inert script (type text/x-vis-network) that the page
    runs only when it first needs vis: compiling it costs ~0.3 s, and big graphs first draw without it."""
    template = resources.files("kg").joinpath("templates", "view.html").read_text(encoding="utf-8")
    vis_js = _vis_js()
    if re.search(r"</script", vis_js, re.I):
        raise ValueError("vis-network.min.js contains '</script': it cannot be inlined")
    parts = {
        "TITLE": escape(data["meta"]["title"]),
        "LANG": "en" if data["meta"]["lang"] == "en" else "zh",
        "CSS": _asset("view.css"),
        "VIS_JS": vis_js,
        "OVERVIEW_JS": _asset("view_overview.js"),
        "APP_JS": _asset("view.js"),
        "DATA": script_json(page_data(data)),
    }
    # One pass, so a placeholder-looking string inside the data is never substituted again.
    return _PLACEHOLDERS.sub(lambda m: parts[m.group(1)], template)


def write_view(G: nx.MultiDiGraph, meta: dict, path, *, lang: str = "zh", size_by: str = "degree") -> dict:
    from kg.io import atomic_write_text

    data = payload(G, meta, lang=lang, size_by=size_by)
    atomic_write_text(path, render_html(data))
    return data
