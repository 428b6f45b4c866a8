"""Network analytics over the organization graph (networkx).

The organization graph: organizations and collaborations as nodes; an edge for each membership
(member - collaboration) and each partnership between two of them. Cities that join a
collaboration are places, not organizations, and are left out.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from kg.viz import VIEW_QUERIES, _PARTNER_PAIRS, _select, curie, entity_info, local_name
from kg.viz_source import run

ORG_CLASSES = {
    "Organization", "TechnicalCollege", "TechnicianCollege", "SeniorTechnicalSchool", "TechnicalSchool",
    "VocationalSchool", "University", "TrainingCentre", "Enterprise", "GovernmentAgency", "Association",
    "MediaOrganization", "InternationalOrganization", "ForeignOrganization",
}
COLLAB_CLASSES = {"VocationalCollaboration", "EducationGroup", "EducationAlliance", "IndustryEducationConsortium",
                  "IndustryEducationCommunity"}


def is_org(d: dict | None) -> bool:
    return bool(d) and local_name(d.get("type") or "") in ORG_CLASSES | COLLAB_CLASSES


def is_collab(d: dict | None) -> bool:
    return bool(d) and local_name(d.get("type") or "") in COLLAB_CLASSES


def org_graph_from_rows(memberships: list[dict], partnerships: list[dict], info: dict[str, dict]) -> nx.Graph:
    """Membership rows (?source ?target ?relation, as the membership view) and partner-pair rows."""
    G = nx.Graph()
    for iri, d in info.items():
        if is_org(d):
            G.add_node(iri, type=local_name(d["type"]), zh=d.get("zh"), en=d.get("en"), collab=is_collab(d))
    for r in memberships:
        a, b = r["source"].value, r["target"].value
        if a in G and b in G and a != b:
            G.add_edge(a, b, kind="membership")
    for r in partnerships:
        a, b = r["source"].value, r["target"].value
        if a in G and b in G and a != b and not G.has_edge(a, b):
            G.add_edge(a, b, kind="partnership")
    return G


def org_graph(source: Any) -> tuple[nx.Graph, dict[str, dict]]:
    info = entity_info(source)
    mem = run(source, VIEW_QUERIES["membership"]).rows
    par = run(source, _select(_PARTNER_PAIRS)).rows
    return org_graph_from_rows(mem, par, info), info


def _name(G: nx.Graph, n: str) -> str:
    d = G.nodes[n]
    return f"{d.get('zh') or ''} / {d.get('en') or ''}".strip(" /") or curie(n)


def analyse(G: nx.Graph, info: dict[str, dict], top: int = 10) -> dict:
    """Counts per class, components, top by degree and betweenness, bridges between collaborations."""
    classes = Counter(local_name(d["type"]) for d in info.values() if d.get("type"))
    comps = sorted(nx.connected_components(G), key=len, reverse=True) if len(G) else []
    # Exact betweenness is O(n*m): fine for a few thousand organizations; sample beyond that.
    n = G.number_of_nodes()
    bc = nx.betweenness_centrality(G, k=min(n, 300) if n > 3000 else None, seed=7) if n else {}
    by_degree = sorted(G.nodes, key=lambda v: (-G.degree(v), v))[:top]
    by_between = sorted(G.nodes, key=lambda v: (-bc[v], v))[:top]
    bridges = []
    for v in G.nodes:
        if G.nodes[v]["collab"]:
            continue
        collabs = sorted(w for w in G.neighbors(v) if G.nodes[w]["collab"])
        if len(collabs) >= 2:
            bridges.append({"iri": curie(v), "name": _name(G, v), "collaborations": len(collabs),
                            "links": [_name(G, w) for w in collabs]})
    bridges.sort(key=lambda b: (-b["collaborations"], b["iri"]))
    return {
        "classes": [{"class": c, "count": k} for c, k in sorted(classes.items(), key=lambda x: (-x[1], x[0]))],
        "graph": {"organizations": n, "edges": G.number_of_edges(), "components": len(comps),
                  "largest_component": len(comps[0]) if comps else 0,
                  "isolated": sum(1 for c in comps if len(c) == 1)},
        "top_degree": [{"iri": curie(v), "name": _name(G, v), "degree": G.degree(v)} for v in by_degree],
        "top_betweenness": [{"iri": curie(v), "name": _name(G, v), "betweenness": round(bc[v], 4)}
                            for v in by_between],
        "bridges": bridges,
    }


def stats(source: Any, top: int = 10) -> dict:
    G, info = org_graph(source)
    return analyse(G, info, top)


def render_text(result: dict) -> str:
    """The table format: one small table per section."""
    from kg.output import render_table

    g = result["graph"]
    parts = ["Counts per class\n" + render_table([(c["class"], c["count"]) for c in result["classes"]],
                                                  ["class", "count"]),
             "Organization graph\n" + render_table([(k, v) for k, v in g.items()], ["measure", "value"]),
             "Top organizations by degree\n" + render_table(
                 [(t["name"], t["iri"], t["degree"]) for t in result["top_degree"]], ["name", "iri", "degree"]),
             "Top organizations by betweenness\n" + render_table(
                 [(t["name"], t["iri"], t["betweenness"]) for t in result["top_betweenness"]],
                 ["name", "iri", "betweenness"]),
             "Bridges (organizations in two or more collaborations)\n" + render_table(
                 [(b["name"], b["collaborations"], "; ".join(b["links"])) for b in result["bridges"]],
                 ["organization", "collaborations", "links"])]
    return "\n".join(parts)
