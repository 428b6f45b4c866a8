/* Knowledge-graph view: the embedded JSON drawn by our overview renderer (view_overview.js) and
 * by vis-network.
 * Small graphs (no precomputed positions) are vis-network's from the start ("full" mode, physics on).
 * Graphs with positions first draw as an overview of every node and edge; whenever the part the
 * user looks at holds at most LIMITS.enter nodes (zooming in, a search), that part is handed over
 * to vis-network ("detail" mode) at the same position and scale, and handed back when the user
 * zooms out. Both renderers share the legend, filters, language, highlight and tooltips.
 * Data never goes through innerHTML: every text from the graph is set with textContent (or drawn
 * with fillText), so a label that looks like an HTML tag is shown as the characters it is.
 */
(function () {
  "use strict";
  var LIMITS = {
    enter: 1500,  // nodes in view at or below which vis-network draws (it builds ~1,500 in ~0.5 s)
    leave: 2000,  // ...and above which the overview takes back over (a gap, so it does not flap)
    cap: 2000     // nodes around the view loaded into vis (a margin for panning), before the ends of long edges
  };
  var marks = { start: performance.now() };  // ms since navigation start, for the benchmark
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  marks.parsed = performance.now();
  DATA = expand(DATA);
  var meta = DATA.meta;
  var lang = meta.lang === "en" ? "en" : "zh";
  var typeById = {}, relById = {};
  DATA.types.forEach(function (t) { typeById[t.id] = t; });
  DATA.relations.forEach(function (r) { relById[r.id] = r; });
  var byId = DATA.nodes;  // node ids are their index in DATA.nodes
  var hiddenTypes = new Set(), hiddenRels = new Set();
  var adjacency = null;  // built on first use: node id -> [edge index]
  marks.expanded = performance.now();

  // The page carries one array per field (viz_render.page_data); rebuild one object per node/edge.
  function expand(P) {
    var N = P.nodes, E = P.edges, nodes = new Array(N.iri.length), edges = new Array(E.f.length);
    for (var i = 0; i < nodes.length; i++) {
      nodes[i] = { id: i, iri: N.iri[i], ti: N.t[i], t: P.types[N.t[i]].id, zh: N.zh[i], en: N.en[i], d: N.d[i], s: N.s[i] };
      if (N.x) { nodes[i].x = N.x[i]; nodes[i].y = N.y[i]; }
    }
    N.alt.forEach(function (p) { nodes[p[0]].alt = p[1]; });
    N.f.forEach(function (i) { nodes[i].f = 1; });
    for (var j = 0; j < edges.length; j++) {
      edges[j] = { f: E.f[j], t: E.t[j], ri: E.r[j], r: P.relations[E.r[j]].id, ev: E.ev[j] };
    }
    E.k.forEach(function (p) { edges[p[0]].k = p[1]; });
    return { meta: P.meta, types: P.types, relations: P.relations, files: P.files, nodes: nodes, edges: edges };
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function label(n) { return (lang === "en" ? n.en : n.zh) || n.zh || n.en || n.iri; }
  function other(n) { return (lang === "en" ? n.zh : n.en) || ""; }
  function relLabel(r) { return r ? (lang === "en" ? r.en : r.zh) : ""; }
  function typeLabel(t) { return t ? (lang === "en" ? t.en : t.zh) : ""; }
  function nodeShown(n) { return !hiddenTypes.has(n.t); }
  function edgeShown(e) { return !hiddenRels.has(e.r) && nodeShown(byId[e.f]) && nodeShown(byId[e.t]); }

  // ---- tooltips (own element: vis's title would need HTML strings or one element per node) ----
  var graphEl = document.getElementById("kg-graph");
  var tip = document.getElementById("kg-tip");
  function incident(id) {
    if (!adjacency) {
      adjacency = {};
      DATA.edges.forEach(function (e, i) {
        (adjacency[e.f] = adjacency[e.f] || []).push(i);
        if (e.t !== e.f) (adjacency[e.t] = adjacency[e.t] || []).push(i);
      });
    }
    return adjacency[id] || [];
  }
  function evidenceBlock(parent, ev) {
    ev.forEach(function (x) {  // [quote, index into DATA.files, claim]
      parent.appendChild(el("blockquote", null, "“" + x[0] + "”"));
      parent.appendChild(el("div", "tip-src", "— " + DATA.files[x[1]] + (x[2] ? " · " + x[2] : "")));
    });
  }
  function factLine(e) {
    return label(byId[e.f]) + " —" + relLabel(relById[e.r]) + (e.k ? " (" + e.k + ")" : "") + "→ " + label(byId[e.t]);
  }
  function nodeTip(id) {
    var n = byId[id], frag = document.createDocumentFragment();
    frag.appendChild(el("div", "tip-title", label(n)));
    if (other(n) && other(n) !== label(n)) frag.appendChild(el("div", "tip-sub", other(n)));
    frag.appendChild(el("div", "tip-sub", typeLabel(typeById[n.t]) + (n.f ? " · foreign" : "") +
                                          (n.iri ? " · " + n.iri : "")));
    frag.appendChild(el("div", "tip-sub", (lang === "en" ? "degree " : "度 ") + n.d));
    var inc = incident(id), shown = Math.min(inc.length, 8);
    for (var i = 0; i < shown; i++) {
      var e = DATA.edges[inc[i]], f = el("div", "tip-fact");
      f.appendChild(el("div", null, factLine(e)));
      evidenceBlock(f, e.ev.slice(0, 2));
      frag.appendChild(f);
    }
    if (inc.length > shown) frag.appendChild(el("div", "tip-sub", "… +" + (inc.length - shown)));
    return frag;
  }
  function edgeTip(i) {
    var e = DATA.edges[i], frag = document.createDocumentFragment();
    frag.appendChild(el("div", "tip-title", relLabel(relById[e.r]) + (e.k ? " (" + e.k + ")" : "")));
    frag.appendChild(el("div", "tip-fact", factLine(e)));
    if (!e.ev.length) frag.appendChild(el("div", "tip-sub", lang === "en" ? "no quote" : "无引文"));
    evidenceBlock(frag, e.ev);
    return frag;
  }
  function showTip(content, dom) {
    tip.replaceChildren(content);
    var rect = graphEl.getBoundingClientRect();
    tip.hidden = false;
    var x = rect.left + dom.x + 14, y = rect.top + dom.y + 14;
    tip.style.left = Math.min(x, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(y, window.innerHeight - tip.offsetHeight - 4) + "px";
  }
  function hideTip() { tip.hidden = true; }

  // ---- highlight: the clicked or searched node and its neighbours; both renderers draw it ----
  var hl = null;  // { id, set of node ids }
  function neighbours(id) {
    var s = new Set([id]);
    incident(id).forEach(function (i) { s.add(DATA.edges[i].f); s.add(DATA.edges[i].t); });
    return s;
  }
  function highlight(id) {
    hl = { id: id, set: neighbours(id) };
    if (overview) overview.draw();
    if (network) recolour();
  }
  function clearHighlight() {
    if (!hl) return;
    hl = null;
    if (overview) overview.draw();
    if (network) recolour();
  }

  // ---- vis-network: the whole graph ("full") or the part around the view ("detail") ----
  var mode = meta.physics ? "full" : "overview";
  var network = null, visNodes = null, visEdges = null, loaded = null;  // loaded: the region vis holds
  var detailBox = el("div");
  detailBox.id = "kg-detail";
  graphEl.appendChild(detailBox);
  // Per-type look lives in vis "groups": per-node option objects made vis's constructor ~4x slower at 20k.
  var groups = {};
  DATA.types.forEach(function (t, i) {
    t.g = "g" + i;
    groups[t.g] = { shape: t.shape, color: { background: t.color, border: t.color,
                    highlight: { background: t.color, border: "#222" } } };
  });
  function visNode(n) {
    var o = { id: n.id, label: label(n), group: typeById[n.t].g, size: n.s };
    if (n.x !== undefined) { o.x = n.x; o.y = n.y; }
    if (hl && !hl.set.has(n.id)) { o.color = { background: "#e6e6e6", border: "#d0d0d0" }; o.font = { color: "#bbb" }; }
    return o;
  }
  function visEdge(i) {
    var e = DATA.edges[i], r = relById[e.r], o = { id: i, from: e.f, to: e.t, color: r.color };
    if (r.width !== 1) o.width = r.width;
    if (r.dashes) o.dashes = true;
    if (r.arrow) o.arrows = "to";
    return o;
  }
  function recolour() {
    visNodes.update(visNodes.getIds().map(function (id) {
      var on = !hl || hl.set.has(id);
      return { id: id, color: on ? null : { background: "#e6e6e6", border: "#d0d0d0" }, font: { color: on ? "#343434" : "#bbb" } };
    }));
  }
  function ensureVis() {
    // vis-network sits in the page as an inert script; running it costs ~0.3 s, so only when needed.
    if (window.vis) return;
    var s = document.createElement("script");
    s.textContent = document.getElementById("kg-vis-src").textContent;
    document.head.appendChild(s);
  }
  function createNetwork(nodeIds, edgeIds) {
    ensureVis();
    visNodes = new vis.DataSet(nodeIds.map(function (i) { return visNode(byId[i]); }));
    visEdges = new vis.DataSet(edgeIds.map(visEdge));
    var options = {
      autoResize: true,
      groups: groups,
      nodes: { borderWidth: 1, font: { size: 14 }, scaling: { label: { drawThreshold: 6 } } },
      edges: { smooth: false, selectionWidth: 2, arrows: { to: { scaleFactor: 0.5 } } },
      interaction: { hover: true, tooltipDelay: 100 },
      layout: { improvedLayout: false, randomSeed: 7 },
      physics: meta.physics ? { solver: "barnesHut", stabilization: { iterations: 250, fit: true } } : false
    };
    network = new vis.Network(detailBox, { nodes: visNodes, edges: visEdges }, options);
    network.on("afterDrawing", function () {
      if (marks.vis === undefined) {
        marks.vis = performance.now();
        if (mode === "full") firstDrawn(marks.vis);
      }
    });
    network.on("hoverNode", function (p) { showTip(nodeTip(p.node), p.pointer.DOM); });
    network.on("hoverEdge", function (p) { showTip(edgeTip(p.edge), p.pointer.DOM); });
    network.on("blurNode", hideTip);
    network.on("blurEdge", hideTip);
    network.on("dragStart", hideTip);
    network.on("zoom", function () { hideTip(); viewChanged(); });
    network.on("dragEnd", viewChanged);
    network.on("click", function (p) {
      if (p.nodes.length) { highlight(p.nodes[0]); showTip(nodeTip(p.nodes[0]), p.pointer.DOM); }
      else { clearHighlight(); hideTip(); }
    });
  }
  // Make vis hold exactly these nodes and edges, by difference (vis only rebuilds what changes).
  function syncVis(nodeIds, edgeIds) {
    if (!network) { createNetwork(nodeIds, edgeIds); return; }
    var wantN = new Set(nodeIds), wantE = new Set(edgeIds);
    var haveN = new Set(visNodes.getIds()), haveE = new Set(visEdges.getIds());
    visEdges.remove(visEdges.getIds().filter(function (i) { return !wantE.has(i); }));
    visNodes.remove(visNodes.getIds().filter(function (i) { return !wantN.has(i); }));
    visNodes.add(nodeIds.filter(function (i) { return !haveN.has(i); }).map(function (i) { return visNode(byId[i]); }));
    visEdges.add(edgeIds.filter(function (i) { return !haveE.has(i); }).map(visEdge));
  }
  function allShown() {
    var ns = [], es = [];
    byId.forEach(function (n) { if (nodeShown(n)) ns.push(n.id); });
    DATA.edges.forEach(function (e, i) { if (edgeShown(e)) es.push(i); });
    return { nodes: ns, edges: es };
  }

  // ---- the overview and the hand-over between it and vis ----
  var overview = null;
  if (mode === "overview") {
    overview = KgOverview.create(graphEl, {
      nodes: byId, edges: DATA.edges, types: DATA.types, relations: DATA.relations,
      nodeShown: nodeShown, edgeShown: edgeShown, label: label,
      highlight: function () { return hl; },
      onHover: function (kind, i, p) { showTip(kind === "node" ? nodeTip(i) : edgeTip(i), p); },
      onBlur: hideTip,
      onClick: function (id, p) {
        if (id !== null) { highlight(id); showTip(nodeTip(id), p); } else { clearHighlight(); hideTip(); }
      },
      onView: reconcile
    });
    detailBox.style.visibility = "hidden";
  }
  function currentView() {
    if (mode === "overview") return overview.view();
    var c = network.getViewPosition();
    return { x: c.x, y: c.y, scale: network.getScale() };
  }
  function shownIn(r) {
    var ids = [];
    byId.forEach(function (n) { if (n.x >= r.x0 && n.x <= r.x1 && n.y >= r.y0 && n.y <= r.y1 && nodeShown(n)) ids.push(n.id); });
    return ids;
  }
  function crossingEnds(rect, inSet) {
    var seen = new Uint8Array(byId.length), ends = [];
    DATA.edges.forEach(function (e) {
      if (inSet[e.f] && inSet[e.t] || !edgeShown(e)) return;
      var a = byId[e.f], b = byId[e.t];
      if (!KgOverview.segmentInRect(a.x, a.y, b.x, b.y, rect)) return;
      [e.f, e.t].forEach(function (i) { if (!inSet[i] && !seen[i]) { seen[i] = 1; ends.push(i); } });
    });
    return ends;
  }
  function inside(a, b) { return a.x0 >= b.x0 && a.y0 >= b.y0 && a.x1 <= b.x1 && a.y1 <= b.y1; }
  // The nodes around view v (the widest margin that stays under LIMITS.cap), the ends of every
  // edge crossing that area (so lines leaving the view still lead somewhere), and their edges.
  function loadRegion(v) {
    var margins = [1, 0.5, 0.25, 0], rect, ids, inSet;
    for (var m = 0; m < margins.length; m++) {
      rect = overview.rect(v, margins[m]);
      ids = shownIn(rect);
      if (ids.length > LIMITS.cap && m < margins.length - 1) continue;
      inSet = new Uint8Array(byId.length);
      ids.forEach(function (i) { inSet[i] = 1; });
      var ends = crossingEnds(rect, inSet);
      // Long edges can bring in thousands of far ends; in the view itself, drop them rather than block.
      if (ids.length + ends.length <= LIMITS.cap * 1.5 || m === margins.length - 1) {
        if (ids.length + ends.length <= LIMITS.cap * 1.5) ends.forEach(function (i) { inSet[i] = 1; ids.push(i); });
        break;
      }
    }
    var es = [];
    DATA.edges.forEach(function (e, i) { if (inSet[e.f] && inSet[e.t] && edgeShown(e)) es.push(i); });
    syncVis(ids, es);
    loaded = rect;
    network.moveTo({ position: { x: v.x, y: v.y }, scale: v.scale, animation: false });
  }
  function enterDetail(v) {
    mode = "detail";
    loadRegion(v);
    detailBox.style.visibility = "visible";
    overview.show(false);
    if (hl && visNodes.get(hl.id)) network.selectNodes([hl.id]);
    handovers++;
  }
  function leaveDetail(v) {
    mode = "overview";
    overview.setView(v);
    overview.show(true);
    detailBox.style.visibility = "hidden";
    handovers++;
  }
  // After every pan or zoom: which renderer should draw, and does vis hold the part in view?
  function reconcile() {
    if (mode === "full") return;
    var v = currentView(), r = overview.rect(v, 0), k = shownIn(r).length;
    if (mode === "overview") { if (k <= LIMITS.enter) enterDetail(v); }
    else if (k > LIMITS.leave) leaveDetail(v);
    else if (!inside(r, loaded)) loadRegion(v);
  }
  var viewTimer = null, handovers = 0;
  function viewChanged() {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(reconcile, 150);
  }
  function refreshShown() {  // after a filter change
    if (mode === "full") { var a = allShown(); syncVis(a.nodes, a.edges); return; }
    overview.draw();
    if (mode === "detail") loadRegion(currentView());
    reconcile();
  }

  // ---- search ----
  var searchState = { q: null, hits: [], at: 0 };
  function findNodes(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var exact = [], part = [];
    byId.forEach(function (n) {
      var names = [n.zh, n.en, n.iri].concat(n.alt || []).filter(Boolean).map(function (s) { return s.toLowerCase(); });
      if (names.indexOf(q) >= 0) exact.push(n.id);
      else if (names.some(function (s) { return s.indexOf(q) >= 0; })) part.push(n.id);
    });
    return exact.concat(part).filter(function (id) { return nodeShown(byId[id]); });
  }
  function focusNode(id) {
    highlight(id);
    if (mode === "full") {
      network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    } else {  // centre on it at a readable scale: few enough nodes in view that vis takes over
      var n = byId[id], v = { x: n.x, y: n.y, scale: Math.max(currentView().scale, 1.0) };
      if (mode === "detail") network.moveTo({ position: { x: v.x, y: v.y }, scale: v.scale, animation: false });
      else overview.setView(v);
      reconcile();
    }
    if (network && mode !== "overview") network.selectNodes([id]);
    window.kgView.focused = id;
  }
  var status = document.getElementById("kg-search-status");
  document.getElementById("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = document.getElementById("kg-search").value;
    if (q !== searchState.q) searchState = { q: q, hits: findNodes(q), at: 0 };
    else searchState.at = (searchState.at + 1) % Math.max(1, searchState.hits.length);
    if (!searchState.hits.length) { status.textContent = lang === "en" ? "not found" : "未找到"; return; }
    var id = searchState.hits[searchState.at];
    status.textContent = (searchState.at + 1) + "/" + searchState.hits.length + " " + label(byId[id]);
    focusNode(id);
  });

  // ---- legend and filters ----
  var SVGNS = "http://www.w3.org/2000/svg";
  function swatch(shape, colour) {
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "14"); svg.setAttribute("height", "14"); svg.setAttribute("viewBox", "0 0 14 14");
    var pts = { triangle: "7,1 13,13 1,13", triangleDown: "1,1 13,1 7,13", diamond: "7,1 13,7 7,13 1,7",
                hexagon: "4,1 10,1 13,7 10,13 4,13 1,7", star: "7,0 9,5 14,5 10,8 12,14 7,10 2,14 4,8 0,5 5,5",
                square: "1,1 13,1 13,13 1,13" }[shape];
    var s;
    if (pts) { s = document.createElementNS(SVGNS, "polygon"); s.setAttribute("points", pts); }
    else { s = document.createElementNS(SVGNS, "circle"); s.setAttribute("cx", "7"); s.setAttribute("cy", "7"); s.setAttribute("r", "6"); }
    s.setAttribute("fill", colour);
    svg.appendChild(s);
    return svg;
  }
  function lineSwatch(r) {
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "24"); svg.setAttribute("height", "10");
    var l = document.createElementNS(SVGNS, "line");
    l.setAttribute("x1", "0"); l.setAttribute("y1", "5"); l.setAttribute("x2", "24"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", r.color); l.setAttribute("stroke-width", String(r.width + 1));
    if (r.dashes) l.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(l);
    return svg;
  }
  function filterRow(parent, item, set, sw, text) {
    var lab = el("label"), cb = el("input");
    cb.type = "checkbox"; cb.checked = true; cb.setAttribute("data-filter", item.id);
    cb.addEventListener("change", function () {
      if (cb.checked) set.delete(item.id); else set.add(item.id);
      refreshShown();
    });
    lab.appendChild(cb); lab.appendChild(sw);
    var name = el("span", "name", text(item)); lab.appendChild(name);
    lab.appendChild(el("span", "count", item.count));
    parent.appendChild(lab);
    return name;
  }
  var typeNames = [], relNames = [];
  DATA.types.forEach(function (t) {
    typeNames.push([filterRow(document.getElementById("kg-types"), t, hiddenTypes, swatch(t.shape, t.color), typeLabel), t]);
  });
  DATA.relations.forEach(function (r) {
    relNames.push([filterRow(document.getElementById("kg-rels"), r, hiddenRels, lineSwatch(r), relLabel), r]);
  });

  // ---- language switch ----
  function applyLang(l, redraw) {
    lang = l;
    document.documentElement.lang = l;
    document.querySelectorAll("[data-zh]").forEach(function (h) { h.textContent = h.getAttribute("data-" + l); });
    document.querySelectorAll("#kg-lang button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-lang") === l));
    });
    typeNames.forEach(function (p) { p[0].textContent = typeLabel(p[1]); });
    relNames.forEach(function (p) { p[0].textContent = relLabel(p[1]); });
    document.getElementById("kg-counts").textContent = meta.nodeCount + (l === "en" ? " nodes · " : " 节点 · ") +
      meta.edgeCount + (l === "en" ? " edges" : " 边");
    document.getElementById("kg-sizeby").textContent = (l === "en" ? "Node size: " : "节点大小：") + meta.sizeBy;
    if (!redraw) return;
    if (overview) overview.draw();
    if (network) visNodes.update(visNodes.getIds().map(function (id) { return { id: id, label: label(byId[id]) }; }));
  }
  document.querySelectorAll("#kg-lang button").forEach(function (b) {
    b.addEventListener("click", function () { applyLang(b.getAttribute("data-lang"), true); });
  });
  if (meta.note) {
    var note = document.getElementById("kg-note");
    note.textContent = meta.note; note.hidden = false;
  }

  // ---- start ----
  function firstDrawn(t) {
    if (window.kgView.firstDrawMs !== null) return;
    window.kgView.firstDrawMs = t;  // ms since navigation start
    document.body.setAttribute("data-drawn", "1");
  }
  window.kgView = {
    data: DATA, firstDrawMs: null, focused: null, marks: marks,
    get mode() { return mode; },
    get network() { return network; },
    get nodes() { return visNodes; },   // what vis holds: everything in "full" mode, the region in "detail"
    get edges() { return visEdges; },
    get handovers() { return handovers; },
    overview: overview,
    find: findNodes, focus: focusNode, setLang: function (l) { applyLang(l, true); },
    view: function () { return currentView(); },
    goTo: function (v) {  // for tests and links: show canvas point (x, y) at this scale
      if (mode === "detail") network.moveTo({ position: { x: v.x, y: v.y }, scale: v.scale, animation: false });
      else if (mode === "overview") overview.setView(v);
      reconcile();
    },
    get highlighted() { return hl ? [hl.id, hl.set.size] : null; },
    limits: LIMITS  // tests may change them (e.g. enter: -1 keeps the overview at any zoom)
  };
  applyLang(lang, false);
  if (mode === "full") {
    var all = allShown();
    createNetwork(all.nodes, all.edges);
    if (meta.focus !== null && meta.focus !== undefined) {
      network.once("afterDrawing", function () { network.selectNodes([meta.focus]); });
    }
  } else {
    if (meta.focus !== null && meta.focus !== undefined) hl = { id: meta.focus, set: neighbours(meta.focus) };
    marks.ready = performance.now();
    overview.drawNow();
    marks.overview = performance.now();
    // First draw = once the frame holding the overview has been produced (a timeout queued from the
    // next animation frame runs after it); only then may vis (if the view is small enough) block the thread.
    requestAnimationFrame(function () {
      setTimeout(function () { firstDrawn(performance.now()); reconcile(); }, 0);
    });
  }
})();
