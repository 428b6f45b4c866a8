"""The pages in a real browser: Playwright driving the system chromium, with the network cut off.

Never downloads a browser. Without chromium the tests skip locally but fail under CI=true.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from kg.viz import VIEWS, build_view
from kg.viz_render import write_view
from viz_helpers import ARTIFACTS, fixture_dataset, synthetic_graph

CHROMIUM = Path(os.environ.get("KG_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "</script><script>window.__pwned=1</script>"


def _require_browser():
    missing = None
    if not CHROMIUM.exists():
        missing = f"chromium not found at {CHROMIUM}"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright (python) not installed"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing + " (required when CI=true)")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages():
    """One page per view over the fixture, plus a big synthetic one (positions from Python)."""
    ds = fixture_dataset()
    out = ARTIFACTS / "views"
    made = {}
    for view in VIEWS:
        G, meta = build_view(ds, view, city="济宁")
        made[view] = (write_view(G, meta, out / f"{view}.html"), G, out / f"{view}.html")
    G = synthetic_graph(2000)
    made["big"] = (write_view(G, {"title": "synthetic"}, out / "big.html"), G, out / "big.html")
    return made


class Loaded:
    def __init__(self, browser, path: Path):
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgView && window.kgView.firstDrawMs !== null", timeout=30_000)

    def _route(self, route):
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def js(self, expr):
        return self.page.evaluate(expr)

    def node_id(self, zh):
        return self.js(f"window.kgView.data.nodes.find(n => n.zh === {zh!r}).id")

    def hover_node(self, nid):
        box = self.page.locator("#kg-graph").bounding_box()
        pt = self.js(f"(() => {{ const n = window.kgView.network; return n.canvasToDOM(n.getPosition({nid})); }})()")
        self.page.mouse.move(box["x"] + pt["x"], box["y"] + pt["y"])
        self.page.wait_for_selector("#kg-tip:not([hidden])", timeout=5_000)
        return self.page.locator("#kg-tip").inner_text()

    def close(self, shot: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
        self.page.close()


@pytest.mark.parametrize("view", [*VIEWS, "big"])
def test_view_loads_offline(browser, pages, view):
    data, G, path = pages[view]
    page = Loaded(browser, path)
    try:
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
