"""Big graphs in a real browser: the overview renderer draws everything, vis-network takes over the
part the user searches or zooms to, and hands back when the user zooms out (view_overview.js, view.js)."""
from __future__ import annotations

import pytest

from browser_helpers import XSS_IMG, XSS_SCRIPT, Loaded, browser  # noqa: F401  (browser is a fixture)
from kg.viz_render import write_view
from viz_helpers import ARTIFACTS, synthetic_graph

MEMBER = "http://www.w3.org/ns/org#memberOf"


@pytest.fixture(scope="module")
def big():
    """4,000 synthetic nodes (more than vis takes at once) plus two members with hostile labels."""
    G = synthetic_graph(4000)
    for i, label in enumerate((XSS_IMG, XSS_SCRIPT)):
        G.add_node(f"x{i}", iri=f"urn:x:x{i}", type="https://w3id.org/shandong-skills/ontology#Enterprise",
                   zh=label, en=label, alt=[], foreign=False)
        G.add_edge(f"x{i}", "h3", key="m", relation=MEMBER, kind=None,
                   evidence=[{"quote": f"{label} 加入集团", "file": "x.txt", "claim": "c:x"}])
    path = ARTIFACTS / "views" / "overview.html"
    data = write_view(G, {"title": "synthetic"}, path)
    return G, data, path


def test_overview_draws_every_node_without_vis(browser, big):
    G, data, path = big
    page = Loaded(browser, path)
    try:
        assert page.requests == [] and page.errors == []
        assert page.js("window.kgView.mode") == "overview"
        drawn = page.js("window.kgView.overview.drawn()")
        assert (drawn["nodes"], drawn["edges"]) == (G.number_of_nodes(), G.number_of_edges())
        # vis-network is inert until needed: never run, nothing handed over.
        assert page.js("typeof window.vis") == "undefined" and page.js("window.kgView.network") is None
        # The page's compact data rebuilds the payload's nodes and edges.
        assert page.js("window.kgView.data.nodes.length") == len(data["nodes"])
        n = data["nodes"][1234]
        got = page.js("(() => { const n = window.kgView.data.nodes[1234]; return [n.iri, n.zh, n.en, n.d, n.x, n.y]; })()")
        assert got == [n["iri"], n["zh"], n["en"], n["d"], round(n["x"]), round(n["y"])]
        e = data["edges"][77]
        got = page.js("(() => { const e = window.kgView.data.edges[77]; return [e.f, e.t, e.r, e.ev[0][0]]; })()")
        assert got == [e["f"], e["t"], e["r"], e["ev"][0][0]]
    finally:
        page.close("overview")


def test_overview_hover_click_filter_and_xss(browser, big):
    G, data, path = big
    page = Loaded(browser, path)
    try:
        page.js("window.kgView.limits.enter = -1")  # keep the overview at any zoom: test its own hit tests
        hub = page.node_id("集团3")

        def centre_on(nid):
            page.js(f"(() => {{ const n = window.kgView.data.nodes[{nid}]; window.kgView.goTo({{x: n.x, y: n.y, scale: 1}}); }})()")

        centre_on(hub)
        assert page.js("window.kgView.mode") == "overview"
        tip = page.hover_overview(hub)
        assert "集团3" in tip and "加入集团”" in tip and "s004.txt" in tip
        # Click: the node and its neighbours stay in colour (the others go grey).
        box = page.page.locator("#kg-graph").bounding_box()
        pt = page.js(f"(() => {{ const n = window.kgView.data.nodes[{hub}]; return window.kgView.overview.toDOM(n.x, n.y); }})()")
        page.page.mouse.click(box["x"] + pt["x"], box["y"] + pt["y"])
        assert page.js("window.kgView.highlighted") == [hub, len(set(G.to_undirected().neighbors("h3")) | {"h3"})]
        page.js("window.kgView.goTo({x: -1e6, y: -1e6, scale: 1})")  # nothing there
        page.page.mouse.click(box["x"] + 20, box["y"] + 20)
        assert page.js("window.kgView.highlighted") is None
        # Hostile labels are text in the tooltip (and fillText on the canvas); nothing runs.
        for label in (XSS_IMG, XSS_SCRIPT):
            page.page.mouse.move(box["x"] - 100, box["y"] + 100)  # off the graph, onto the legend
            page.page.wait_for_selector("#kg-tip", state="hidden")
            nid = page.node_id(label)
            centre_on(nid)
            assert label in page.hover_overview(nid)
        page.js("window.kgView.overview.drawNow()")
        assert page.js("window.kgView.overview.drawn().labels") > 0
        assert page.js("window.__pwned") is None and page.dialogs == []
        assert page.js("document.querySelectorAll('#kg-tip img, #kg-tip script').length") == 0
        # Filters: hiding a type removes its nodes and every edge touching them from the drawing.
        page.js("window.kgView.overview.fit(); window.kgView.overview.drawNow()")
        page.page.click("#kg-types input[data-filter$='#Enterprise']")
        page.js("window.kgView.overview.drawNow()")
        enterprise = {n for n, d in G.nodes(data=True) if d["type"].endswith("#Enterprise")}
        drawn = page.js("window.kgView.overview.drawn()")
        assert drawn["nodes"] == G.number_of_nodes() - len(enterprise)
        assert drawn["edges"] == sum(1 for u, v in G.edges() if u not in enterprise and v not in enterprise)
        page.page.click("#kg-rels input[data-filter$='#partnerOf']")
        page.js("window.kgView.overview.drawNow()")
        drawn = page.js("window.kgView.overview.drawn()")
        assert drawn["edges"] == sum(1 for u, v, d in G.edges(data=True) if u not in enterprise and v not in enterprise
                                     and d["relation"] == MEMBER)
        assert page.errors == []
    finally:
        page.close("overview-hover-filter")


def test_search_hands_over_to_vis_and_zoom_out_hands_back(browser, big):
    G, data, path = big
    page = Loaded(browser, path)
    try:
        page.page.fill("#kg-search", "单位1234")
        page.page.press("#kg-search", "Enter")
        want = page.node_id("单位1234")
        assert page.js("window.kgView.focused") == want
        assert page.js("window.kgView.mode") == "detail" and page.js("window.kgView.handovers") == 1
        assert page.js("window.kgView.network.getSelectedNodes()") == [want]
        # vis holds the searched node with all its neighbours, each where the overview drew it.
        held = set(page.js("window.kgView.nodes.getIds()"))
        order = list(G.nodes)  # payload ids are positions in G.nodes
        nbrs = {order.index(m) for m in G.to_undirected().neighbors("n1234")}
        assert want in held and nbrs <= held and len(held) < G.number_of_nodes()
        same = page.js(f"""(() => {{ const k = window.kgView, n = k.data.nodes[{want}];
            const a = k.network.canvasToDOM(k.network.getPosition({want})), b = k.overview.toDOM(n.x, n.y);
            return [Math.abs(a.x - b.x), Math.abs(a.y - b.y)]; }})()""")
        assert max(same) < 1.0
        # Tooltips in vis's part: the quote and its source.
        tip = page.hover_node(want)
        assert "单位1234加入集团" in tip and "s004.txt" in tip
        # The language switch reaches vis's labels.
        page.page.click("#kg-lang button[data-lang=en]")
        assert page.js(f"window.kgView.nodes.get({want}).label") == "Unit 1234"
        # Zooming out with the wheel: too many nodes in view for vis, the overview takes back over.
        box = page.page.locator("#kg-graph").bounding_box()
        page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        for _ in range(80):  # vis zooms by a fixed step per wheel event
            page.page.mouse.wheel(0, 400)
            page.page.wait_for_timeout(100)
            if page.js("window.kgView.mode") == "overview":
                break
        page.wait_js("window.kgView.mode === 'overview'", 10_000)
        assert page.js("window.kgView.handovers") == 2
        assert page.js("getComputedStyle(document.getElementById('kg-overview')).visibility") == "visible"
        # ...at the scale vis was showing, with the search's highlight kept.
        assert page.js("window.kgView.highlighted")[0] == want
        assert page.js("window.kgView.overview.drawn().nodes") > page.js("window.kgView.limits.enter")
        assert page.errors == [] and page.requests == []
    finally:
        page.close("overview-handover")


def test_zoom_in_with_wheel_hands_over(browser, big):
    G, data, path = big
    page = Loaded(browser, path)
    try:
        hub = page.node_id("集团3")
        box = page.page.locator("#kg-graph").bounding_box()
        for _ in range(40):
            pt = page.js(f"(() => {{ const n = window.kgView.data.nodes[{hub}]; return window.kgView.overview.toDOM(n.x, n.y); }})()")
            page.page.mouse.move(box["x"] + pt["x"], box["y"] + pt["y"])
            page.page.mouse.wheel(0, -400)
            page.page.wait_for_timeout(250)
            if page.js("window.kgView.mode") == "detail":
                break
        assert page.js("window.kgView.mode") == "detail"
        held = page.js("window.kgView.nodes.length")
        assert hub in page.js("window.kgView.nodes.getIds()")
        assert 0 < held <= page.js("window.kgView.limits.cap") * 1.5
        # vis sees the view the overview had: the hub under the mouse in both.
        a = page.js(f"window.kgView.network.canvasToDOM(window.kgView.network.getPosition({hub}))")
        assert abs(a["x"] - pt["x"]) < 2 and abs(a["y"] - pt["y"]) < 2
        assert page.errors == []
    finally:
        page.close("overview-zoom-in")
