"""Node positions for big graphs, computed in Python in O(nodes + edges).

Why not networkx: spring_layout (Fruchterman-Reingold) is O(n^2) per iteration and took far
longer than the 10 s budget at 20,000 nodes even with few iterations; kamada_kawai is worse.
Our graphs are mostly hubs (collaborations, titles, cities) with many spokes, which a radial
tree layout draws well: each connected component is laid out around its best-connected node,
each subtree getting an angular wedge proportional to its number of leaves, rings spaced so
that nodes on a ring do not overlap. Components are then packed on shelves, biggest first.
Everything is a breadth-first pass or a sort, so 20k nodes take well under a second.
"""
from __future__ import annotations

import math
from collections import deque

import networkx as nx

SPACING = 40.0  # px between neighbouring nodes on a ring; vis node sizes are 10-40 px


def _radial(adj: dict, nodes: list, deg: dict) -> tuple[dict, float]:
    """Radial tree layout of one connected component; returns positions and the bounding radius."""
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}, SPACING / 2
    root = max(nodes, key=lambda n: (deg[n], str(n)))
    order, parent, depth = [root], {root: None}, {root: 0}
    children: dict = {root: []}
    q = deque([root])
    while q:
        v = q.popleft()
        # Visit big neighbours first so hubs sit next to their parent's angle.
        for w in sorted(adj[v], key=lambda n: -deg[n]) if len(adj[v]) < 64 else adj[v]:
            if w not in parent:
                parent[w] = v
                depth[w] = depth[v] + 1
                children[w] = []
                children[v].append(w)
                order.append(w)
                q.append(w)
    weight = {}
    for v in reversed(order):
        weight[v] = max(1, sum(weight[c] for c in children[v]))
    per_depth: dict[int, int] = {}
    for v in order:
        per_depth[depth[v]] = per_depth.get(depth[v], 0) + 1
    radius = {0: 0.0}
    for d in range(1, max(per_depth) + 1):
        need = per_depth[d] * SPACING / (2 * math.pi)
        radius[d] = max(radius[d - 1] + SPACING * 2, need)
    wedge = {root: (0.0, 2 * math.pi)}
    pos = {}
    for v in order:
        lo, hi = wedge[v]
        a = (lo + hi) / 2
        r = radius[depth[v]]
        pos[v] = (r * math.cos(a), r * math.sin(a))
        total = weight[v] if children[v] else 1
        cur = lo
        for c in children[v]:
            span = (hi - lo) * weight[c] / total
            wedge[c] = (cur, cur + span)
            cur += span
    return pos, radius[max(per_depth)] + SPACING


def layout(G: nx.Graph) -> dict:
    """{node: (x, y)} for every node of G (directed or multi graphs are read as undirected)."""
    adj: dict = {n: set() for n in G.nodes}
    for u, v in G.edges():
        if u != v:
            adj[u].add(v)
            adj[v].add(u)
    deg = {n: len(a) for n, a in adj.items()}
    # Connected components by BFS over adj (cheaper than building an undirected networkx copy).
    seen: set = set()
    comps = []
    for n in sorted(adj, key=lambda n: -deg[n]):
        if n in seen:
            continue
        comp, q = [n], deque([n])
        seen.add(n)
        while q:
            for w in adj[q.popleft()]:
                if w not in seen:
                    seen.add(w)
                    comp.append(w)
                    q.append(w)
        comps.append(comp)
    placed = [_radial(adj, c, deg) for c in comps]
    placed.sort(key=lambda pr: -pr[1])
    # Shelf packing: rows about as wide as the square root of the total area.
    area = sum((2 * r) ** 2 for _, r in placed)
    width = max(math.sqrt(area) * 1.1, 2 * placed[0][1]) if placed else 0
    out: dict = {}
    x = y = row_h = 0.0
    for pos, r in placed:
        d = 2 * r
        if x > 0 and x + d > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        cx, cy = x + r, y + r
        for n, (px, py) in pos.items():
            out[n] = (round(cx + px, 1), round(cy + py, 1))
        x += d
        row_h = max(row_h, d)
    return out
