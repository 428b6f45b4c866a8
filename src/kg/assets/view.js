/* Knowledge-graph view: draws the embedded JSON with vis-network.
 * Data never goes through innerHTML: every text from the graph is set with textContent,
 * so a label that looks like an HTML tag is shown as the characters it is.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var meta = DATA.meta;
  var lang = meta.lang === "en" ? "en" : "zh";
  var typeById = {}, relById = {};
  DATA.types.forEach(function (t) { typeById[t.id] = t; });
  DATA.relations.forEach(function (r) { relById[r.id] = r; });
  var byId = DATA.nodes;  // node ids are their index in DATA.nodes
  var hiddenTypes = new Set(), hiddenRels = new Set();
  var adjacency = null;  // built on first use: node id -> [edge index]

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
    return o;
  }
  function visEdge(e, i) {
    var r = relById[e.r], o = { id: i, from: e.f, to: e.t, color: r.color };
    if (r.width !== 1) o.width = r.width;
    if (r.dashes) o.dashes = true;
    if (r.arrow) o.arrows = "to";
    return o;
  }

  var nodes = new vis.DataSet(byId.map(visNode));
  // All edges go in at construction: adding them in chunks after a nodes-only first frame was
  // measured slower overall (every add re-runs vis's update pass).
  var edges = new vis.DataSet(DATA.edges.map(visEdge));
  var nodesView = new vis.DataView(nodes, { filter: function (n) { return !hiddenTypes.has(byId[n.id].t); } });
  var edgesView = new vis.DataView(edges, { filter: function (e) {
    var d = DATA.edges[e.id];
    return !hiddenRels.has(d.r) && !hiddenTypes.has(byId[d.f].t) && !hiddenTypes.has(byId[d.t].t);
  } });

  var options = {
    autoResize: true,
    groups: groups,
    nodes: { borderWidth: 1, font: { size: 14 }, scaling: { label: { drawThreshold: 6 } } },
    edges: { smooth: false, selectionWidth: 2, arrows: { to: { scaleFactor: 0.5 } } },
    interaction: { hover: true, tooltipDelay: 100, hideEdgesOnDrag: meta.big, hideEdgesOnZoom: meta.big },
    layout: { improvedLayout: false, randomSeed: 7 },
    // Big graphs arrive with positions computed in Python: no physics, the first frame is final.
    physics: meta.physics ? { solver: "barnesHut", stabilization: { iterations: 250, fit: true } } : false
  };
  var container = document.getElementById("kg-graph");
  var firstDraw = null;
  var network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, options);
  network.on("afterDrawing", function () {
    if (firstDraw === null) {
      firstDraw = performance.now();  // ms since navigation start
      window.kgView.firstDrawMs = firstDraw;
      document.body.setAttribute("data-drawn", "1");
      window.kgView.edgesDoneMs = firstDraw;
    }
  });

  // ---- tooltips (own element: vis's title would need HTML strings or one element per node) ----
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
    ev.forEach(function (x) {
      parent.appendChild(el("blockquote", null, "“" + x[0] + "”"));
      parent.appendChild(el("div", "tip-src", "— " + x[1] + (x[2] ? " · " + x[2] : "")));
    });
  }
  function factLine(e) {
    var r = relById[e.r];
    var line = label(byId[e.f]) + " —" + relLabel(r) + (e.k ? " (" + e.k + ")" : "") + "→ " + label(byId[e.t]);
    return line;
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
    var rect = container.getBoundingClientRect();
    tip.hidden = false;
    var x = rect.left + dom.x + 14, y = rect.top + dom.y + 14;
    tip.style.left = Math.min(x, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = Math.min(y, window.innerHeight - tip.offsetHeight - 4) + "px";
  }
  function hideTip() { tip.hidden = true; }
  network.on("hoverNode", function (p) { showTip(nodeTip(p.node), p.pointer.DOM); });
  network.on("hoverEdge", function (p) { showTip(edgeTip(p.edge), p.pointer.DOM); });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  // ---- click: highlight the neighbourhood ----
  var dimmed = false;
  function neighbours(id) {
    var s = new Set([id]);
    incident(id).forEach(function (i) { s.add(DATA.edges[i].f); s.add(DATA.edges[i].t); });
    return s;
  }
  function highlight(id) {
    var keep = neighbours(id);
    if (meta.big) {  // recolouring tens of thousands of nodes is slow; selection is drawn natively
      network.selectNodes(Array.from(keep), true);
      return;
    }
    nodes.update(byId.map(function (n) {
      var t = typeById[n.t], on = keep.has(n.id);
      return { id: n.id, color: on ? null : { background: "#e6e6e6", border: "#d0d0d0" },
               font: { color: on ? "#222" : "#bbb" } };
    }));
    dimmed = true;
  }
  function clearHighlight() {
    if (!dimmed) return;
    nodes.update(byId.map(function (n) {
      return { id: n.id, color: null, font: { color: "#222" } };
    }));
    dimmed = false;
  }
  network.on("click", function (p) {
    if (p.nodes.length) { highlight(p.nodes[0]); showTip(nodeTip(p.nodes[0]), p.pointer.DOM); }
    else { clearHighlight(); hideTip(); }
  });

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
    return exact.concat(part).filter(function (id) { return !hiddenTypes.has(byId[id].t); });
  }
  function focusNode(id) {
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: false });
    network.selectNodes([id]);
    highlight(id);
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
      nodesView.refresh(); edgesView.refresh();
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
    if (redraw) nodes.update(byId.map(function (n) { return { id: n.id, label: label(n) }; }));
  }
  document.querySelectorAll("#kg-lang button").forEach(function (b) {
    b.addEventListener("click", function () { applyLang(b.getAttribute("data-lang"), true); });
  });
  if (meta.note) {
    var note = document.getElementById("kg-note");
    note.textContent = meta.note; note.hidden = false;
  }

  window.kgView = { network: network, nodes: nodes, edges: edges, data: DATA, firstDrawMs: null, edgesDoneMs: null, focused: null,
                    find: findNodes, focus: focusNode, setLang: function (l) { applyLang(l, true); } };
  applyLang(lang, false);
  if (meta.focus !== null && meta.focus !== undefined) {
    network.once("afterDrawing", function () { network.selectNodes([meta.focus]); });
  }
})();
