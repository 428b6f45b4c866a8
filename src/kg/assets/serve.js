/* Query page for `kg serve`. Every value from the server is put on the page with textContent
 * (never innerHTML), so a label that looks like markup is shown as text. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  // The page always asks for one page of rows explicitly (offset/limit): the server refuses a
  // whole answer over its row cap rather than cutting it, and a page says which rows it holds.
  var PAGE = 500;
  var state = { question: null, lastQuery: null, network: null, graphUrl: null, params: null, offset: 0, size: PAGE };
  var KW = /^(SELECT|CONSTRUCT|DESCRIBE|ASK|WHERE|FILTER|OPTIONAL|UNION|GRAPH|PREFIX|BASE|DISTINCT|REDUCED|ORDER|BY|GROUP|HAVING|LIMIT|OFFSET|VALUES|BIND|AS|MINUS|EXISTS|NOT|IN|SERVICE|ASC|DESC|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|STR|LANG|LANGMATCHES|REGEX|CONTAINS|STRSTARTS|IF|COALESCE|BOUND|a)$/i;
  var TOKEN = /(#[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(<[^<>"{}|^`\\\s]*>)|([?$][A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*)/g;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function status(msg, err) { var s = $("status"); s.textContent = msg; s.className = err ? "err" : ""; }

  // A tiny highlighter: the textarea is transparent over a <pre> of coloured spans.
  function highlight() {
    var text = $("editor").value, pre = $("highlight"), last = 0, m;
    pre.textContent = "";
    TOKEN.lastIndex = 0;
    while ((m = TOKEN.exec(text)) !== null) {
      var cls = m[1] ? "cmt" : m[2] ? "str" : m[3] ? "iri" : m[4] ? "var" : (KW.test(m[5]) ? "kw" : null);
      if (!cls) continue;
      pre.appendChild(document.createTextNode(text.slice(last, m.index)));
      pre.appendChild(el("span", cls, m[0]));
      last = m.index + m[0].length;
    }
    pre.appendChild(document.createTextNode(text.slice(last) + "\n"));
    pre.scrollTop = $("editor").scrollTop;
  }

  function termText(b) { return b ? b.value : ""; }

  function showTable(doc) {
    var thead = $("results").tHead, tbody = $("results").tBodies[0];
    thead.textContent = ""; tbody.textContent = "";
    var tr = el("tr");
    if (doc.boolean !== undefined) {
      tr.appendChild(el("th", null, "boolean")); thead.appendChild(tr);
      var r = el("tr"); r.appendChild(el("td", null, String(doc.boolean))); tbody.appendChild(r);
      return 1;
    }
    var vars = doc.head.vars || [];
    vars.forEach(function (v) { tr.appendChild(el("th", null, v)); });
    thead.appendChild(tr);
    doc.results.bindings.forEach(function (b) {
      var row = el("tr");
      vars.forEach(function (v) {
        var td = el("td", null, termText(b[v]));
        if (b[v] && b[v]["xml:lang"]) td.lang = b[v]["xml:lang"];
        if (b[v] && b[v].type === "uri") td.className = "iri";
        row.appendChild(td);
      });
      tbody.appendChild(row);
    });
    return doc.results.bindings.length;
  }

  function drawGraph(data) {
    var types = {}, rels = {};
    data.types.forEach(function (t) { types[t.id] = t; });
    data.relations.forEach(function (r) { rels[r.id] = r; });
    var lang = data.meta.lang === "en" ? "en" : "zh";
    var nodes = data.nodes.map(function (n) {
      var t = types[n.t] || {};
      var o = { id: n.id, label: (lang === "en" ? n.en : n.zh) || n.iri, shape: t.shape || "dot", size: n.s,
                color: t.color, title: n.iri };  // vis-network shows a string title as plain text
      if (n.x !== undefined) { o.x = n.x; o.y = n.y; }
      return o;
    });
    var edges = data.edges.map(function (e, i) {
      var r = rels[e.r] || {};
      return { id: i, from: e.f, to: e.t, color: { color: r.color }, width: r.width, dashes: r.dashes,
               arrows: r.arrow ? "to" : undefined, title: (lang === "en" ? r.en : r.zh) || "" };
    });
    if (state.network) state.network.destroy();
    state.network = new vis.Network($("graph"), { nodes: new vis.DataSet(nodes), edges: new vis.DataSet(edges) },
      { physics: data.meta.physics ? { stabilization: { iterations: 200 } } : false, layout: { improvedLayout: false } });
    $("graph").dataset.nodes = String(nodes.length);
    $("graph").dataset.edges = String(edges.length);
  }

  function loadGraph() {
    if (!state.graphUrl) return;
    var url = state.graphUrl;
    fetch(url).then(function (r) {
      return r.ok ? r.json() : r.text().then(function (t) { throw new Error(t); });
    }).then(function (data) { if (url === state.graphUrl) drawGraph(data); })
      .catch(function (e) { status("graph: " + e.message, true); });
  }

  function run(params, offset) {
    status("…");
    var started = Date.now();
    state.params = params; state.offset = offset || 0;
    var qs = new URLSearchParams(params);
    qs.set("offset", String(state.offset)); qs.set("limit", String(PAGE));
    var page = qs.toString();
    qs.set("format", "json");
    fetch("/api/run?" + qs.toString()).then(function (r) {
      return r.text().then(function (t) {
        if (!r.ok) throw new Error(t.trim());
        // The server's page size may be below PAGE (its --max-rows cap): step by what it used.
        state.size = Number(r.headers.get("X-KG-Limit")) || PAGE;
        return { text: t, more: r.headers.get("X-KG-More") === "yes" };
      });
    }).then(function (res) {
      var n = showTable(JSON.parse(res.text));
      var whole = state.offset === 0 && !res.more;
      var rows = whole ? n + " rows" : "rows " + (n ? state.offset + 1 : state.offset) + "–" + (state.offset + n) +
        (res.more ? " (more follow)" : " (last page)");
      status(rows + " · " + (Date.now() - started) + " ms");
      $("prev-page").hidden = whole || state.offset === 0;
      $("next-page").hidden = !res.more;
      var link = $("csv-link");
      // The whole answer when it fits one page, else the page shown (its file name says which rows).
      link.href = csvFor(params, whole ? null : page); link.hidden = false;
      state.graphUrl = "/api/graph?" + page;
      if (!$("graph-pane").hidden) loadGraph();
    }).catch(function (e) { status(e.message, true); });
  }

  function csvFor(params, page) {
    var qs = new URLSearchParams(page || params); qs.set("format", "csv"); qs.set("download", "1");
    return "/api/run?" + qs.toString();
  }

  function selectQuestion(q, li) {
    state.question = q;
    Array.prototype.forEach.call($("questions").children, function (x) { x.classList.remove("on"); });
    li.classList.add("on");
    $("param-form").hidden = false;
    $("q-title").textContent = (q.titles.zh || q.id) + " · " + (q.titles.en || "");
    $("q-desc").textContent = q.description || "";
    var box = $("q-params"); box.textContent = "";
    q.params.forEach(function (p) {
      var lab = el("label", null, p.name + " (" + p.type + (p.optional ? ", optional" : "") + ") ");
      var input = el("input");
      input.name = "p." + p.name;
      input.value = p.default || "";
      input.placeholder = p.help || p.type;
      if (p.type === "integer" || p.type === "decimal") input.inputMode = "decimal";
      lab.appendChild(input);
      if (p.help) lab.appendChild(el("small", null, " " + p.help));
      box.appendChild(lab);
    });
    $("editor").value = q.text; highlight();
  }

  function questionParams() {
    var params = { question: state.question.id, lang: $("q-lang").value, title: state.question.titles.zh || state.question.id };
    Array.prototype.forEach.call($("q-params").querySelectorAll("input"), function (i) {
      if (i.value !== "") params[i.name] = i.value;
    });
    return params;
  }

  fetch("/api/questions").then(function (r) { return r.json(); }).then(function (qs) {
    var ul = $("questions");
    qs.forEach(function (q) {
      var li = el("li", null, q.titles.zh || q.id);
      li.dataset.id = q.id;
      li.appendChild(el("span", "en", q.titles.en || q.id));
      li.addEventListener("click", function () { selectQuestion(q, li); });
      ul.appendChild(li);
    });
  }).catch(function (e) { status("questions: " + e.message, true); });

  $("param-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    run(questionParams(), 0);
  });
  $("run-query").addEventListener("click", function () {
    run({ query: $("editor").value, lang: $("q-lang").value }, 0);
  });
  $("next-page").addEventListener("click", function () { run(state.params, state.offset + state.size); });
  $("prev-page").addEventListener("click", function () { run(state.params, Math.max(0, state.offset - state.size)); });
  $("editor").addEventListener("input", highlight);
  $("editor").addEventListener("scroll", function () { $("highlight").scrollTop = $("editor").scrollTop; });
  Array.prototype.forEach.call(document.querySelectorAll("#tabs button"), function (b) {
    b.addEventListener("click", function () {
      document.querySelectorAll("#tabs button").forEach(function (x) { x.classList.toggle("on", x === b); });
      $("table-pane").hidden = b.dataset.tab !== "table";
      $("graph-pane").hidden = b.dataset.tab !== "graph";
      if (b.dataset.tab === "graph") loadGraph();
    });
  });
  highlight();
})();
