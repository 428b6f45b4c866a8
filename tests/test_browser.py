"""The pages in a real browser: Playwright driving the system chromium, with the network cut off."""
from __future__ import annotations

import pytest

from browser_helpers import XSS_IMG, XSS_SCRIPT, Loaded, browser  # noqa: F401  (browser is a fixture)
from kg.viz import VIEWS, build_view
from kg.viz_render import write_view
from viz_helpers import ARTIFACTS, fixture_dataset, synthetic_graph


@pytest.fixture(scope="module")
def pages():
    """One page per view over the fixture, plus a big synthetic one (positions from Python)."""
    ds = fixture_dataset()
    out = ARTIFACTS / "views"
    made = {}
    for view in VIEWS:
        G, meta = build_view(ds, view, city="济宁")
        made[view] = (write_view(G, meta, out / f"{view}.html"), G, out / f"{view}.html")
    # Positions from Python, few enough nodes that vis-network takes the whole graph over from the overview.
    G = synthetic_graph(600)
    made["mid"] = (write_view(G, {"title": "synthetic"}, out / "mid.html"), G, out / "mid.html")
    return made


@pytest.mark.parametrize("view", [*VIEWS, "mid"])
def test_view_loads_offline(browser, pages, view):
    data, G, path = pages[view]
    page = Loaded(browser, path)
    try:
        if view == "mid":  # drawn first by the overview, then handed to vis-network
            assert page.js("window.kgView.overview.drawn().nodes") == G.number_of_nodes()
            page.wait_js("window.kgView.mode === 'detail'")
        else:
            assert page.js("window.kgView.mode") == "full" and page.js("window.kgView.overview") is None
        assert page.requests == [], "the page tried to fetch from the network"
        assert page.errors == []
        assert page.js("window.kgView.nodes.length") == G.number_of_nodes()
        assert page.js("window.kgView.edges.length") == G.number_of_edges()
        assert page.js("window.kgView.data.meta.physics") == (G.number_of_nodes() <= 300)
        assert page.js("document.querySelectorAll('img, iframe, object, embed').length") == 0
    finally:
        page.close(f"view-{view}")


def test_search_focuses_node_and_tooltip_shows_quote(browser, pages):
    page = Loaded(browser, pages["all"][2])
    try:
        page.page.fill("#kg-search", "兗矿")  # an alt label, the traditional spelling
        page.page.press("#kg-search", "Enter")
        want = page.node_id("兖矿能源集团")
        assert page.js("window.kgView.focused") == want
        assert page.js("window.kgView.network.getSelectedNodes()")[0] == want
        tip = page.hover_node(want)
        assert "兖矿能源集团" in tip and "“兖矿能源集团为成员单位”" in tip and "s004.txt" in tip
        page.page.click("#kg-lang button[data-lang=en]")
        assert page.js(f"window.kgView.nodes.get({want}).label") == "Yankuang Energy"
        page.page.fill("#kg-search", "Jining Technician College")
        page.page.press("#kg-search", "Enter")
        assert page.js("window.kgView.focused") == page.node_id("济宁市技师学院")
    finally:
        page.close("search-tooltip")


def test_filters_hide_types_and_relations(browser, pages):
    page = Loaded(browser, pages["membership"][2])
    try:
        visible = "window.kgView.network.body.nodeIndices.length"
        before = page.js(visible)
        page.page.click("#kg-types input[data-filter$='#Enterprise']")
        assert page.js(visible) == before - 3
        edges = "window.kgView.network.body.edgeIndices.length"
        page.page.click("#kg-rels input[data-filter$='#ledBy']")
        assert page.js(edges) == 7 - 4 - 2  # four memberships of enterprises and two lead edges hidden
    finally:
        page.close("filters")


def test_xss_labels_run_nothing_and_show_literally(browser, pages):
    page = Loaded(browser, pages["membership"][2])
    try:
        assert page.js("window.__pwned") is None
        assert page.dialogs == [] and page.errors == [] and page.requests == []
        for label in (XSS_IMG, XSS_SCRIPT):
            nid = page.node_id(label)
            assert page.js(f"window.kgView.nodes.get({nid}).label") == label
            tip = page.hover_node(nid)
            assert label in tip
            page.page.mouse.move(1, 1)
        assert "<b>成员</b> & </script>" in page.hover_node(page.node_id(XSS_IMG))
        assert page.js("document.querySelectorAll('img, b').length") == 0
        assert page.js("window.__pwned") is None and page.dialogs == []
    finally:
        page.close("xss")
