"""A view's data, fetched so that it scales: light edge rows first, then only what the page draws.

Step 0 counts the store's typed non-claim nodes (one grouped COUNT, 0.3 s at 5M quads): a view
draws entities, so when that bound is within the page limit the view is fetched by its single full
query, as it always was (the checkout's graph, 100k-quad graphs).

Step 1 runs the view's SPARQL (kg.viz.VIEW_BLOCKS) without its evidence: one row per claim and
edge (source, target, relation, kind, claim). That is about half the cost of the full query and
tells how many nodes the view has before anything heavy is fetched.

Step 2 depends on that count.
- Up to `limit` nodes (viz_render.MAX_NODES): the quote and source file of every claim are looked
  up by VALUES (index lookups, no second pass over the view), and the labels of its nodes, and the
  whole view is drawn, exactly as the single full query drew it.
- Above it the page is a summary, and `SUMMARY_RULE` is stated on it: the `hubs` entities with the
  most links are drawn with their own edges and quotes; every other neighbour of a hub is counted
  into one '+N' node per (hub, direction, relation, class). Only hubs get labels and only edges
  between hubs (plus one example per '+N' edge) get quotes, so the work after step 1 no longer
  grows with the graph, and no graph of every node is ever built in Python.

Why the counting happens in Python and not in a SPARQL GROUP BY: on pyoxigraph 0.5, joining the
view's rows with a VALUES list of hubs, or with the entities' classes, is evaluated as a nested
loop (4 minutes of CPU at 1M quads, against 3 s for the plain query); one pass over the light rows
with dicts costs about a second per 100k rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

import networkx as nx

from kg.namespaces import E, SK
from kg.store import Iri, term_to_sparql
from kg.viz_source import Term, run

HUBS = 2_000   # entities drawn one by one on a summary page
BATCH = 5_000  # IRIs per VALUES block

SUMMARY_RULE = (
    "This view has {nodes:,} nodes, more than {limit:,}: drawn are the {hubs:,} entities with the most links "
    "in it (ties by IRI), with their own edges and quotes; each one's other neighbours are counted per "
    "relation and class into one '+N' node (a neighbour of two hubs is counted at both); {hidden:,} "
    "entities linked to none of them are not drawn.")


@dataclass
class LightView:
    """The view's edges without evidence: (source, target, relation, kind) -> claim IRIs."""

    edges: dict[tuple, list[str]] = field(default_factory=dict)
    terms: dict[str, Term] = field(default_factory=dict)  # node id -> its term

    @property
    def node_count(self) -> int:
        return len(self.terms)


def claim_classes(store) -> list[str]:
    """sk:Claim and its subclasses (the ontology may be absent, as in small test datasets)."""
    found = {r["c"].value for r in run(store, "SELECT ?c WHERE { ?c rdfs:subClassOf+ sk:Claim }").rows}
    return sorted(found | {str(SK.Claim)})


def typed_things(store) -> int:
    """How many typed nodes are not claims: an upper bound on a built-in view's nodes (~0.3 s at 5M quads).

    Views draw entities, and entities are typed. When this is within the page limit, no view can
    exceed it and the light pass is skipped. (Were the bound ever wrong, viz_render still caps the page.)
    """
    skip = set(claim_classes(store))
    rows = run(store, "SELECT ?k (COUNT(?x) AS ?n) WHERE { ?x a ?k } GROUP BY ?k").rows
    return sum(int(r["n"].value) for r in rows if "k" in r and r["k"].value not in skip)


def node_id(t: Term) -> str:
    # Literals (from --query) become their own nodes, kept apart from IRIs with the same text.
    return t.value if t.kind == "iri" else f"{t.kind}:{t.value}"


def light_query(blocks: Iterable[str], evidence: str) -> str:
    """The view's SELECT without the evidence patterns (`evidence` is removed from each block)."""
    return ("SELECT ?source ?target ?relation ?kind ?claim WHERE {\n"
            + "\n  UNION".join(b.replace(evidence, "") for b in blocks) + "\n}")


def fetch_light(store, blocks: Iterable[str], evidence: str) -> LightView:
    from kg.viz_source import as_store, to_term

    view = LightView()
    edges: dict[tuple, list[str]] = defaultdict(list)
    res = as_store(store).query(light_query(blocks, evidence))
    col = {c: i for i, c in enumerate(res.columns)}
    memo: dict = {}  # the same node and relation terms recur on many rows: convert each once

    def term(x):
        t = memo.get(x)
        if t is None:
            t = memo[x] = to_term(x)
        return t

    for row in res.rows:
        s, t = row[col["source"]], row[col["target"]]
        if s is None or t is None:
            continue
        s, t = term(s), term(t)
        a, b = node_id(s), node_id(t)
        view.terms.setdefault(a, s)
        view.terms.setdefault(b, t)
        rel, kind = row[col["relation"]], row[col["kind"]]
        rel = term(rel).value if rel is not None else "related"
        edges[(a, b, rel, term(kind).value if kind is not None else None)].append(to_term(row[col["claim"]]).value)
    view.edges = dict(edges)
    return view


def values(var: str, iris: list[str]) -> str:
    return f"VALUES ?{var} {{ " + " ".join(term_to_sparql(Iri(i)) for i in iris) + " }"


def batched(items: Iterable[str], size: int = BATCH) -> Iterable[list[str]]:
    items = sorted(set(items))
    for i in range(0, len(items), size):
        yield items[i:i + size]


_EVIDENCE_QUERY = """SELECT ?claim ?quote ?src ?file WHERE {{
  {values}
  ?claim sk:quote ?quote ; prov:wasDerivedFrom ?src .
  OPTIONAL {{ ?src sk:fileName ?file }}
}}"""


def fetch_evidence(store, claims: Iterable[str]) -> dict[str, list[dict]]:
    """claim IRI -> [{quote, file, src}] (a claim without quote or source has no entry)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for part in batched(claims):
        for r in run(store, _EVIDENCE_QUERY.format(values=values("claim", part))).rows:
            out[r["claim"].value].append(r)
    return out


def entity_classes(store) -> dict[str, str]:
    """Every entity's class (one, chosen as kg.viz.entity_info chooses).

    One scan of the type triples that skips the claim classes by IRI: the claims are most typed
    nodes, and filtering on STR(...) or looking entities up by VALUES was 4-10x slower at 5M quads.
    """
    from kg.viz import _SECONDARY_TYPES

    skip = ", ".join(term_to_sparql(Iri(c)) for c in claim_classes(store))
    out: dict[str, str] = {}
    for r in run(store, f"SELECT ?n ?type WHERE {{ ?n a ?type FILTER(?type NOT IN ({skip})) }}").rows:
        n, t = r["n"].value, r["type"].value
        if not (n.startswith(E) and t.startswith(SK)):
            continue
        if t in _SECONDARY_TYPES:
            out.setdefault(n, t)
        elif n not in out or out[n] in _SECONDARY_TYPES or t < out[n]:
            out[n] = t
    return out


def class_labels(store, classes: Iterable[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for part in batched(classes):
        q = (f"SELECT ?c ?zh ?en WHERE {{ {values('c', part)} "
             'OPTIONAL { ?c rdfs:label ?zh FILTER(LANGMATCHES(LANG(?zh), "zh")) } '
             'OPTIONAL { ?c rdfs:label ?en FILTER(LANGMATCHES(LANG(?en), "en")) } }')
        for r in run(store, q).rows:
            d = out.setdefault(r["c"].value, {})
            for lang in ("zh", "en"):
                if lang in r:
                    d[lang] = r[lang].value
    return out


def _rows(view: LightView, keys: Iterable[tuple], evidence: dict[str, list[dict]]) -> list[dict]:
    """Rows in the shape kg.viz.graph_from_rows reads, one per claim that has evidence."""
    rows = []
    for key in keys:
        a, b, rel, kind = key
        base = {"source": view.terms[a], "target": view.terms[b], "relation": Term("iri", rel)}
        if kind is not None:
            base["kind"] = Term("iri", kind)
        for claim in view.edges[key]:
            for ev in evidence.get(claim, ()):
                rows.append({**base, "claim": Term("iri", claim), **ev})
    return rows


def full_graph(store, view: LightView, info: dict[str, dict], keep: set[str] | None = None) -> nx.MultiDiGraph:
    """Every edge of the view (or those between `keep` nodes) with its evidence, as a graph."""
    from kg.viz import graph_from_rows

    keys = [k for k in view.edges if keep is None or (k[0] in keep and k[1] in keep)]
    evidence = fetch_evidence(store, (c for k in keys for c in view.edges[k]))
    return graph_from_rows(_rows(view, keys, evidence), info)


def _groups(view: LightView, hubs: set[str], classes: dict) -> dict[tuple, dict[str, list[str]]]:
    """(hub, outgoing?, relation, class) -> {non-hub neighbour: its claims on that edge}."""
    groups: dict[tuple, dict[str, list[str]]] = {}
    for key, claims in view.edges.items():
        a, b, rel, _kind = key
        for hub, other, out in ((a, b, True), (b, a, False)):
            if hub in hubs and other not in hubs:
                cls = classes.get(view.terms[other].value, "Resource")
                groups.setdefault((hub, out, rel, cls), {}).setdefault(other, []).extend(claims)
    return groups


def summary_graph(store, view: LightView, limit: int, hubs: int = HUBS) -> tuple[nx.MultiDiGraph, str]:
    """The summary page's graph and its rule (see the module docstring)."""
    from kg.viz import _ensure_node, curie, entity_info, graph_from_rows

    degree: dict[str, int] = defaultdict(int)
    for a, b, _rel, _kind in view.edges:
        degree[a] += 1
        degree[b] += 1
    ranked = sorted(degree, key=lambda n: (-degree[n], n))[:hubs]
    classes = entity_classes(store)
    # Fewer hubs while hubs + their '+N' nodes would not fit on the page (one pass in practice).
    while True:
        chosen = set(ranked)
        groups = _groups(view, chosen, classes)
        if len(chosen) + len(groups) <= limit or len(ranked) <= 1:
            break
        per_hub = defaultdict(int)
        for g in groups:
            per_hub[g[0]] += 1
        total, cut = 0, 0
        for cut, h in enumerate(ranked):
            total += 1 + per_hub[h]
            if total > limit:
                break
        ranked = ranked[:max(1, cut)]
    hub_keys = [k for k in view.edges if k[0] in chosen and k[1] in chosen]
    examples = {g: min(c for claims in members.values() for c in claims) for g, members in groups.items()}
    evidence = fetch_evidence(store, [c for k in hub_keys for c in view.edges[k]] + list(examples.values()))
    info = entity_info(store, [view.terms[h].value for h in ranked if view.terms[h].kind == "iri"])
    G = graph_from_rows(_rows(view, hub_keys, evidence), info)
    for h in ranked:  # a hub whose every neighbour went into a '+N' node has no edge yet
        _ensure_node(G, view.terms[h], info)
    labels = class_labels(store, {g[3] for g in groups if g[3] != "Resource"})
    for (hub, out, rel, cls), members in groups.items():
        n = len(members)
        lab = labels.get(cls, {})
        zh_type, en_type = lab.get("zh") or lab.get("en"), lab.get("en") or lab.get("zh")
        agg = f"agg:{hub}|{'out' if out else 'in'}|{rel}|{cls}"
        G.add_node(agg, iri=None, type=cls, zh=f"+{n} {zh_type or '项'}", en=f"+{n} {en_type or 'more'}", alt=[],
                   typeZh=zh_type, typeEn=en_type, foreign=False, aggregated=n)
        claim = examples[(hub, out, rel, cls)]
        ev = [{"quote": e["quote"].value,
               "file": e["file"].value if "file" in e else e["src"].value.rsplit("/", 1)[-1],
               "claim": curie(claim)} for e in evidence.get(claim, [])[:1]]
        a, b = (hub, agg) if out else (agg, hub)
        G.add_edge(a, b, key=f"{rel}|", relation=rel, kind=None, evidence=ev)
    counted = set().union(*(m.keys() for m in groups.values())) if groups else set()
    hidden = view.node_count - len(chosen) - len(counted)
    rule = SUMMARY_RULE.format(nodes=view.node_count, limit=limit, hubs=len(chosen), hidden=hidden)
    return G, rule
