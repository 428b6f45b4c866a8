/* Overview renderer: every node and edge of a big graph drawn with plain canvas paths, at the
 * positions computed in Python and in the colours and shapes of the legend.
 * Why: before its first frame vis-network builds an option object, a label and a hit box for
 * every node and edge (3-5 s at 20,000 nodes on our 2-core machine, most of it unavoidable);
 * one canvas path per node type and per relation draws the same picture in about 0.1 s.
 * view.js hands the neighbourhood the user zooms to or searches over to vis-network.
 * Text is only ever drawn with fillText, so a label cannot become markup.
 */
(function () {
  "use strict";
  var LABEL_PX = 14, LABEL_MIN_PX = 6, LABEL_MAX_PX = 30;  // vis defaults: font size, drawThreshold, maxVisible
  var LABELS_MAX = 4000;  // more labels than this in view would be unreadable anyway
  var MIN_R = 1.5;        // px: a node never shrinks below this, so the overview shows structure
  var TINY_R = 2;         // px: nodes this small are drawn as squares
  var MIN_LINE = 1;       // px: thinner lines look lighter but rasterise slower (about 1.5x at 0.5 px)
  var DIM = "#e6e6e6";

  // Shapes as vis-network draws them (size = radius-like half extent).
  var PATHS = {
    dot: function (c, x, y, r) { c.moveTo(x + r, y); c.arc(x, y, r, 0, 2 * Math.PI); },
    square: function (c, x, y, r) { c.rect(x - r, y - r, 2 * r, 2 * r); },
    diamond: function (c, x, y, r) { c.moveTo(x, y - r); c.lineTo(x + r, y); c.lineTo(x, y + r); c.lineTo(x - r, y); c.closePath(); },
    triangle: function (c, x, y, r) {
      var ir = r * Math.sqrt(3) / 3, h = r * Math.sqrt(3);
      c.moveTo(x, y - (h - ir)); c.lineTo(x + r, y + ir); c.lineTo(x - r, y + ir); c.closePath();
    },
    triangleDown: function (c, x, y, r) {
      var ir = r * Math.sqrt(3) / 3, h = r * Math.sqrt(3);
      c.moveTo(x, y + (h - ir)); c.lineTo(x + r, y - ir); c.lineTo(x - r, y - ir); c.closePath();
    },
    hexagon: function (c, x, y, r) {
      c.moveTo(x + r, y);
      for (var i = 1; i < 6; i++) c.lineTo(x + r * Math.cos(i * Math.PI / 3), y + r * Math.sin(i * Math.PI / 3));
      c.closePath();
    },
    star: function (c, x, y, r) {
      for (var i = 0; i < 10; i++) {
        var q = i % 2 === 0 ? r * 1.3 : r * 0.5, a = i * Math.PI / 5;
        if (i === 0) c.moveTo(x, y - q); else c.lineTo(x + q * Math.sin(a), y - q * Math.cos(a));
      }
      c.closePath();
    }
  };

  // Does the segment (ax,ay)-(bx,by) touch the rectangle? (Cohen-Sutherland, no allocation.)
  function code(x, y, r) {
    return (x < r.x0 ? 1 : x > r.x1 ? 2 : 0) | (y < r.y0 ? 4 : y > r.y1 ? 8 : 0);
  }
  function segmentInRect(ax, ay, bx, by, r) {
    var ca = code(ax, ay, r), cb = code(bx, by, r);
    for (var guard = 0; guard < 8; guard++) {
      if (!(ca | cb)) return true;
      if (ca & cb) return false;
      var c = ca || cb, x, y;
      if (c & 8) { x = ax + (bx - ax) * (r.y1 - ay) / (by - ay); y = r.y1; }
      else if (c & 4) { x = ax + (bx - ax) * (r.y0 - ay) / (by - ay); y = r.y0; }
      else if (c & 2) { y = ay + (by - ay) * (r.x1 - ax) / (bx - ax); x = r.x1; }
      else { y = ay + (by - ay) * (r.x0 - ax) / (bx - ax); x = r.x0; }
      if (c === ca) { ax = x; ay = y; ca = code(ax, ay, r); } else { bx = x; by = y; cb = code(bx, by, r); }
    }
    return false;
  }

  /* g: { nodes, edges, types, relations (each node has x, y, s, ti; each edge f, t, ri),
   *      nodeShown(n), edgeShown(e), label(n), highlight() -> {id, set} | null,
   *      onHover(kind, index, domPoint), onBlur(), onClick(nodeId | null, domPoint), onView() } */
  function Overview(host, g) {
    var canvas = document.createElement("canvas");
    canvas.id = "kg-overview";
    host.appendChild(canvas);
    var ctx = canvas.getContext("2d");
    var W = 1, H = 1, dpr = 1;
    var view = { x: 0, y: 0, scale: 1 }, minScale = 1e-4;
    var queued = false, drawn = { nodes: 0, edges: 0, labels: 0, frames: 0 };
    var byType = g.types.map(function () { return []; }), byRel = g.relations.map(function () { return []; });
    g.nodes.forEach(function (n) { byType[n.ti].push(n.id); });
    g.edges.forEach(function (e, i) { byRel[e.ri].push(i); });

    function resize() {
      dpr = window.devicePixelRatio || 1;
      W = Math.max(1, host.clientWidth); H = Math.max(1, host.clientHeight);
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      canvas.style.width = W + "px"; canvas.style.height = H + "px";
    }
    function toDOM(x, y) { return { x: (x - view.x) * view.scale + W / 2, y: (y - view.y) * view.scale + H / 2 }; }
    function toCanvas(px, py) { return { x: (px - W / 2) / view.scale + view.x, y: (py - H / 2) / view.scale + view.y }; }
    function rectAround(v, margin) {  // the canvas area shown at view v, grown by margin viewports per side
      // The box's size now, not at the last frame: vis may have been drawing (and the window resized).
      var bw = host.clientWidth || W, bh = host.clientHeight || H;
      var w = bw / v.scale * (0.5 + margin), h = bh / v.scale * (0.5 + margin);
      return { x0: v.x - w, y0: v.y - h, x1: v.x + w, y1: v.y + h };
    }

    function drawNow() {
      queued = false;
      if (!shown) return;
      if (canvas.width !== Math.round(host.clientWidth * dpr) || canvas.height !== Math.round(host.clientHeight * dpr)) resize();
      var s = view.scale, ox = W / 2 - view.x * s, oy = H / 2 - view.y * s;
      var vr = rectAround(view, 0), hl = g.highlight();
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      ctx.lineCap = "butt";
      var ne = 0, nn = 0, nl = 0;
      // Edges: one path per relation (and a grey one for edges outside a highlighted neighbourhood).
      var dimPath = hl ? new Path2D() : null, strokes = [];
      for (var ri = 0; ri < byRel.length; ri++) {
        var list = byRel[ri], path = new Path2D(), any = false;
        for (var k = 0; k < list.length; k++) {
          var e = g.edges[list[k]];
          if (!g.edgeShown(e)) continue;
          var a = g.nodes[e.f], b = g.nodes[e.t];
          if (!segmentInRect(a.x, a.y, b.x, b.y, vr)) continue;
          var p = (hl && !(e.f === hl.id || e.t === hl.id)) ? dimPath : path;
          p.moveTo(a.x * s + ox, a.y * s + oy); p.lineTo(b.x * s + ox, b.y * s + oy);
          if (p === path) any = true;
          ne++;
        }
        if (any) strokes.push([path, g.relations[ri]]);
      }
      if (dimPath) { ctx.strokeStyle = DIM; ctx.lineWidth = Math.max(MIN_LINE, s); ctx.stroke(dimPath); }
      strokes.forEach(function (sr) {  // after the grey ones, so a highlighted neighbourhood is on top
        var rel = sr[1];
        ctx.strokeStyle = rel.color;
        ctx.lineWidth = Math.max(MIN_LINE, rel.width * s);
        ctx.setLineDash(rel.dashes && 5 * s >= 2 ? [5 * s, 5 * s] : []);
        ctx.stroke(sr[0]);
      });
      ctx.setLineDash([]);
      // Nodes: one path per type; outside a highlighted neighbourhood, one grey path.
      var inView = [], dimNodes = hl ? new Path2D() : null, fills = [];
      for (var ti = 0; ti < byType.length; ti++) {
        var t = g.types[ti], draw = PATHS[t.shape] || PATHS.dot, ids = byType[ti], np = new Path2D(), some = false;
        for (var j = 0; j < ids.length; j++) {
          var n = g.nodes[ids[j]];
          if (!g.nodeShown(n)) continue;
          var r = Math.max(MIN_R, n.s * s), x = n.x * s + ox, y = n.y * s + oy;
          if (x < -r || y < -r || x > W + r || y > H + r) continue;
          // A node 4 px across shows no shape; squares rasterise ~3x faster than arcs (software canvas).
          var shape = r <= TINY_R ? PATHS.square : draw;
          if (hl && !hl.set.has(n.id)) shape(dimNodes, x, y, r);
          else { shape(np, x, y, r); some = true; }
          inView.push(n.id);
          nn++;
        }
        if (some) fills.push([np, t.color]);
      }
      if (dimNodes) { ctx.fillStyle = DIM; ctx.fill(dimNodes); }
      fills.forEach(function (f) { ctx.fillStyle = f[1]; ctx.fill(f[0]); });
      if (hl && g.nodeShown(g.nodes[hl.id])) {  // the clicked or searched node: a dark ring, as vis selects
        var h = g.nodes[hl.id], hr = Math.max(MIN_R, h.s * s) + 2, ring = new Path2D();
        (PATHS[g.types[h.ti].shape] || PATHS.dot)(ring, h.x * s + ox, h.y * s + oy, hr);
        ctx.strokeStyle = "#222"; ctx.lineWidth = 2; ctx.stroke(ring);
      }
      // Labels, once they would be legible (vis's drawThreshold) and not too many.
      var px = LABEL_PX * s;
      if (px >= LABEL_MIN_PX && inView.length <= LABELS_MAX) {
        ctx.font = Math.min(px, LABEL_MAX_PX) + "px arial";
        ctx.textAlign = "center"; ctx.textBaseline = "top";
        for (var m = 0; m < inView.length; m++) {
          var q = g.nodes[inView[m]];
          ctx.fillStyle = hl && !hl.set.has(q.id) ? "#bbb" : "#343434";
          ctx.fillText(g.label(q), q.x * s + ox, q.y * s + oy + Math.max(MIN_R, q.s * s) + 2);
          nl++;
        }
      }
      drawn = { nodes: nn, edges: ne, labels: nl, frames: drawn.frames + 1 };
    }
    var shown = true;
    function draw() {  // at the next frame; nothing while vis-network draws instead
      if (!queued && shown) { queued = true; requestAnimationFrame(drawNow); }
    }

    function fit() {
      var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      g.nodes.forEach(function (n) {
        x0 = Math.min(x0, n.x - n.s); y0 = Math.min(y0, n.y - n.s);
        x1 = Math.max(x1, n.x + n.s); y1 = Math.max(y1, n.y + n.s);
      });
      if (!isFinite(x0)) { x0 = y0 = -1; x1 = y1 = 1; }
      var sc = 0.95 * Math.min(W / Math.max(1, x1 - x0), H / Math.max(1, y1 - y0));
      minScale = sc / 4;
      view = { x: (x0 + x1) / 2, y: (y0 + y1) / 2, scale: sc };
    }

    // Hit tests in screen pixels, linear scans (20k nodes take well under a millisecond).
    function nodeAt(px, py) {
      var c = toCanvas(px, py), best = null, bd = Infinity;
      for (var i = 0; i < g.nodes.length; i++) {
        var n = g.nodes[i];
        if (!g.nodeShown(n)) continue;
        var r = Math.max(n.s, (MIN_R + 3) / view.scale), dx = n.x - c.x, dy = n.y - c.y, d = dx * dx + dy * dy;
        if (d <= r * r && d < bd) { bd = d; best = n.id; }
      }
      return best;
    }
    function edgeAt(px, py) {
      var c = toCanvas(px, py), tol = 4 / view.scale, best = null, bd = tol * tol;
      for (var i = 0; i < g.edges.length; i++) {
        var e = g.edges[i], a = g.nodes[e.f], b = g.nodes[e.t];
        if (c.x < Math.min(a.x, b.x) - tol || c.x > Math.max(a.x, b.x) + tol ||
            c.y < Math.min(a.y, b.y) - tol || c.y > Math.max(a.y, b.y) + tol || !g.edgeShown(e)) continue;
        var dx = b.x - a.x, dy = b.y - a.y, L = dx * dx + dy * dy;
        var u = L ? Math.max(0, Math.min(1, ((c.x - a.x) * dx + (c.y - a.y) * dy) / L)) : 0;
        var ex = a.x + u * dx - c.x, ey = a.y + u * dy - c.y, d = ex * ex + ey * ey;
        if (d < bd) { bd = d; best = i; }
      }
      return best;
    }

    // ---- pan (drag), zoom (wheel, about the pointer), hover and click ----
    var drag = null, hoverQueued = null, hovered = null, viewTimer = null;
    function local(ev) { var b = canvas.getBoundingClientRect(); return { x: ev.clientX - b.left, y: ev.clientY - b.top }; }
    function viewChanged() {
      draw();
      clearTimeout(viewTimer);
      viewTimer = setTimeout(g.onView, 150);
    }
    canvas.addEventListener("pointerdown", function (ev) {
      var p = local(ev);
      drag = { x: p.x, y: p.y, vx: view.x, vy: view.y, moved: false, id: ev.pointerId };
      canvas.setPointerCapture(ev.pointerId);
    });
    canvas.addEventListener("pointermove", function (ev) {
      var p = local(ev);
      if (drag) {
        if (!drag.moved && Math.abs(p.x - drag.x) + Math.abs(p.y - drag.y) < 4) return;
        if (!drag.moved) { drag.moved = true; hovered = null; g.onBlur(); }
        view.x = drag.vx - (p.x - drag.x) / view.scale;
        view.y = drag.vy - (p.y - drag.y) / view.scale;
        draw();
        return;
      }
      if (hoverQueued) { hoverQueued = p; return; }
      hoverQueued = p;
      requestAnimationFrame(function () {
        var q = hoverQueued; hoverQueued = null;
        var id = nodeAt(q.x, q.y), hit = id !== null ? "n" + id : null;
        if (hit === null) { var ei = edgeAt(q.x, q.y); if (ei !== null) hit = "e" + ei; }
        if (hit === hovered) return;
        hovered = hit;
        if (hit === null) g.onBlur();
        else g.onHover(hit[0] === "n" ? "node" : "edge", +hit.slice(1), q);
      });
    });
    function endDrag(ev) {
      if (!drag) return;
      var d = drag; drag = null;
      if (d.moved) { viewChanged(); return; }
      var p = local(ev);
      g.onClick(nodeAt(p.x, p.y), p);
    }
    canvas.addEventListener("pointerup", endDrag);
    canvas.addEventListener("pointercancel", function () { drag = null; });
    canvas.addEventListener("pointerleave", function () { if (!drag) { hovered = null; g.onBlur(); } });
    canvas.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = local(ev), before = toCanvas(p.x, p.y);
      var f = Math.exp(-ev.deltaY * (ev.deltaMode === 1 ? 0.05 : 0.002));
      view.scale = Math.min(10, Math.max(minScale, view.scale * f));
      view.x = before.x - (p.x - W / 2) / view.scale;
      view.y = before.y - (p.y - H / 2) / view.scale;
      hovered = null; g.onBlur();
      viewChanged();
    }, { passive: false });
    if (window.ResizeObserver) new ResizeObserver(function () { draw(); }).observe(host);

    resize();
    fit();
    return {
      canvas: canvas,
      draw: draw,
      drawNow: drawNow,
      fit: fit,
      view: function () { return { x: view.x, y: view.y, scale: view.scale }; },
      setView: function (v) { view = { x: v.x, y: v.y, scale: Math.max(minScale, v.scale) }; draw(); },
      size: function () { return { width: W, height: H }; },
      rect: rectAround,
      toDOM: toDOM,
      nodeAt: nodeAt,
      edgeAt: edgeAt,
      drawn: function () { return drawn; },
      show: function (on) { shown = on; canvas.style.visibility = on ? "visible" : "hidden"; if (on) draw(); }
    };
  }
  window.KgOverview = { create: Overview, segmentInRect: segmentInRect };
})();
