"""Shared by the browser tests: Playwright driving the system chromium, with the network cut off.

Never downloads a browser. Without chromium the tests skip locally but fail under CI=true.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from viz_helpers import ARTIFACTS

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
        self.wait_js("window.kgView && window.kgView.firstDrawMs !== null")

    def _route(self, route):
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(url)
            route.abort()

    def js(self, expr):
        return self.page.evaluate(expr)

    def wait_js(self, expr, timeout_ms=30_000):
        """Poll expr from Python (page.wait_for_function would need eval, which the page's CSP forbids)."""
        for _ in range(timeout_ms // 100):
            if self.page.evaluate(expr):
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"still false after {timeout_ms} ms: {expr}")

    def node_id(self, zh):
        return self.js(f"window.kgView.data.nodes.find(n => n.zh === {zh!r}).id")

    def hover_node(self, nid):
        box = self.page.locator("#kg-graph").bounding_box()
        pt = self.js(f"(() => {{ const n = window.kgView.network; return n.canvasToDOM(n.getPosition({nid})); }})()")
        self.page.mouse.move(box["x"] + pt["x"], box["y"] + pt["y"])
        self.page.wait_for_selector("#kg-tip:not([hidden])", timeout=5_000)
        return self.page.locator("#kg-tip").inner_text()

    def hover_overview(self, nid):
        """Move the mouse onto node nid as the overview draws it; the tooltip's text."""
        box = self.page.locator("#kg-graph").bounding_box()
        pt = self.js(f"(() => {{ const n = window.kgView.data.nodes[{nid}]; return window.kgView.overview.toDOM(n.x, n.y); }})()")
        self.page.mouse.move(box["x"] + pt["x"], box["y"] + pt["y"])
        self.page.wait_for_selector("#kg-tip:not([hidden])", timeout=5_000)
        return self.page.locator("#kg-tip").inner_text()

    def close(self, shot: str):
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
        self.page.close()
