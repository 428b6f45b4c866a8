"""Shared by the view, stats, chart and browser tests: the fixture dataset and a synthetic graph."""
from __future__ import annotations

import random
from pathlib import Path

import networkx as nx

FIXTURE = Path(__file__).parent / "fixtures" / "viz" / "fixture.trig"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def fixture_dataset():
    from kg.viz_source import load_files

    return load_files([FIXTURE])


def synthetic_graph(n: int, seed: int = 1) -> nx.MultiDiGraph:
    """Hubs (collaborations) with members, sparse partner links between members: the shape of our data."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    hubs = max(1, n // 40)
    types = ["https://w3id.org/shandong-skills/ontology#" + t
             for t in ("Enterprise", "TechnicianCollege", "PrefectureCity", "Person")]
    for h in range(hubs):
        G.add_node(f"h{h}", iri=f"urn:x:h{h}", type="https://w3id.org/shandong-skills/ontology#EducationGroup",
                   zh=f"集团{h}", en=f"Group {h}", alt=[], foreign=False)
    for i in range(hubs, n):
        G.add_node(f"n{i}", iri=f"urn:x:n{i}", type=rnd.choice(types), zh=f"单位{i}", en=f"Unit {i}", alt=[],
                   foreign=False)
        h = f"h{rnd.randrange(hubs)}"
        ev = [{"quote": f"单位{i}加入集团", "file": "s004.txt", "claim": f"c:s004-{i:03d}"}]
        G.add_edge(f"n{i}", h, key="m", relation="http://www.w3.org/ns/org#memberOf", kind=None, evidence=ev)
        if rnd.random() < 0.3 and i > hubs + 1:
            j = rnd.randrange(hubs, i)
            G.add_edge(f"n{i}", f"n{j}", key="p", relation="https://w3id.org/shandong-skills/ontology#partnerOf",
                       kind=None, evidence=ev)
    return G
