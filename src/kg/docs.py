"""The ontology reference: one self-contained HTML page.

Nothing on the page is fetched from the network (inline CSS, a few lines of inline script for
the zh/en switch); external IRIs appear only as ordinary <a href> links. Every text taken from
the graph goes through html.escape. Output is sorted and carries no timestamp, so the same
ontology always gives byte-identical pages (the build can diff them).
"""
from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from rdflib import Graph, URIRef

from kg.io import atomic_write_text
from kg.namespaces import DCTERMS, OWL, PREFIXES, RDF
from kg.ontology import KINDS, Term, curie, load_ontology, terms

SECTION_TITLES = {
    "class": ("类", "Classes"),
    "object-property": ("对象属性", "Object properties"),
    "datatype-property": ("数据属性", "Datatype properties"),
    "annotation-property": ("注释属性", "Annotation properties"),
    "concept-scheme": ("概念方案", "Concept schemes"),
}

CSS = """
:root{--fg:#1d2329;--muted:#5b6670;--line:#d8dee4;--bg:#fff;--tint:#f4f6f8;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:1.5rem 2rem;border-bottom:1px solid var(--line);background:var(--tint)}
header h1{margin:0 0 .3rem;font-size:1.6rem}
main{display:grid;grid-template-columns:17rem 1fr;gap:2rem;padding:1.5rem 2rem;max-width:90rem}
nav{position:sticky;top:1rem;align-self:start;max-height:calc(100vh - 2rem);overflow:auto;font-size:.9rem}
nav ul{list-style:none;padding-left:.8rem;margin:.2rem 0}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h2{border-bottom:2px solid var(--line);padding-bottom:.2rem;margin-top:2.5rem}
section.term{border:1px solid var(--line);border-radius:6px;padding:.8rem 1rem;margin:1rem 0}
section.term h3{margin:0 0 .4rem;font-size:1.1rem}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
.curie{color:var(--muted);font-weight:normal;margin-left:.4rem}
.def{margin:.2rem 0}.comment{color:var(--muted);font-size:.9rem;margin:.3rem 0}
dl.props{display:grid;grid-template-columns:11rem 1fr;gap:.15rem .8rem;margin:.6rem 0 0;font-size:.92rem}
dl.props dt{color:var(--muted)}dl.props dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.6rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--tint)}
ul.tree{list-style:none;padding-left:1.2rem;margin:.1rem 0}ul.tree.root{padding-left:0}
.toggle{margin-top:.6rem}.toggle button{font:inherit;padding:.15rem .7rem;border:1px solid var(--line);background:#fff;border-radius:4px;cursor:pointer}
.toggle button[aria-pressed=true]{background:var(--accent);color:#fff;border-color:var(--accent)}
body.only-zh .en,body.only-en .zh,body.only-zh .sep,body.only-en .sep{display:none}
.lang{color:var(--muted);font-size:.75em;margin-right:.3em}
"""

# Switches which language is shown; without script both languages simply stay visible.
SCRIPT = """
(function(){
  var modes=["both","zh","en"];
  function set(m){
    document.body.classList.remove("only-zh","only-en");
    if(m!=="both"){document.body.classList.add("only-"+m);}
    modes.forEach(function(x){var b=document.getElementById("lang-"+x);if(b){b.setAttribute("aria-pressed",String(x===m));}});
  }
  modes.forEach(function(m){var b=document.getElementById("lang-"+m);if(b){b.addEventListener("click",function(){set(m);});}});
})();
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def anchor(curie_or_iri: str) -> str:
    """A stable HTML id for a term: sk:Place -> sk-Place."""
    return "t-" + "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in curie_or_iri)


class _Page:
    def __init__(self, graph: Graph):
        self.graph = graph
        self.terms = terms(graph)
        self.by_iri = {t.iri: t for t in self.terms}

    # --- small pieces ---------------------------------------------------------------------

    def ref(self, iri: str) -> str:
        """A link to a term: an in-page anchor for our own terms, the IRI itself for others."""
        t = self.by_iri.get(iri)
        if t is not None:
            return (f'<a href="#{esc(anchor(t.curie))}"><code>{esc(t.curie)}</code></a>'
                    f' {self.bilingual(t.labels, inline=True)}')
        c = curie(iri)
        if iri.startswith(("http://", "https://")):
            return f'<a href="{esc(iri)}" rel="external"><code>{esc(c)}</code></a>'
        return f"<code>{esc(c)}</code>"

    @staticmethod
    def bilingual(texts: dict[str, str], inline: bool = False) -> str:
        parts = []
        for lang in ("zh", "en"):
            if lang in texts:
                if inline:
                    parts.append(f'<span class="{lang}" lang="{lang}">{esc(texts[lang])}</span>')
                else:
                    parts.append(f'<p class="def {lang}" lang="{lang}"><span class="lang">{lang}</span>{esc(texts[lang])}</p>')
        for lang in sorted(k for k in texts if k not in ("zh", "en")):
            parts.append(f'<span lang="{esc(lang)}">{esc(texts[lang])}</span>')
        return ('<span class="sep"> · </span>' if inline else "").join(parts)

    def refs(self, iris: list[str]) -> str:
        return "<br>".join(self.ref(i) for i in sorted(iris, key=curie))

    # --- sections --------------------------------------------------------------------------

    def header(self) -> str:
        g = self.graph
        onto = next(iter(sorted(g.subjects(RDF.type, OWL.Ontology), key=str)), None)
        title = {"zh": "本体参考", "en": "Ontology reference"}
        desc: dict[str, str] = {}
        meta = []
        if onto is not None:
            title = {(lit.language or ""): str(lit) for lit in sorted(g.objects(onto, DCTERMS.title))} or title
            desc = {(lit.language or ""): str(lit) for lit in sorted(g.objects(onto, DCTERMS.description))}
            meta.append(f"<dt>IRI</dt><dd><code>{esc(onto)}</code></dd>")
            for v in sorted(g.objects(onto, OWL.versionInfo)):
                meta.append(f"<dt>version</dt><dd>{esc(v)}</dd>")
            for lic in sorted(g.objects(onto, DCTERMS.license)):
                meta.append(f'<dt>license</dt><dd><a href="{esc(lic)}" rel="external">{esc(lic)}</a></dd>')
        counts = defaultdict(int)
        for t in self.terms:
            counts[t.kind] += 1
        meta.append("<dt>terms</dt><dd>" + esc(", ".join(f"{counts[k]} {k}" for k in KINDS if counts[k])) + "</dd>")
        return (
            "<header>"
            f'<h1>{self.bilingual(title, inline=True)}</h1>'
            f"{self.bilingual(desc)}"
            f'<dl class="props">{"".join(meta)}</dl>'
            '<div class="toggle" role="group" aria-label="language">'
            '<button id="lang-both" aria-pressed="true">中文 + English</button> '
            '<button id="lang-zh" aria-pressed="false">中文</button> '
            '<button id="lang-en" aria-pressed="false">English</button>'
            "</div></header>"
        )

    def class_tree(self) -> str:
        """sk: classes nested by rdfs:subClassOf; a class with several sk: parents shows under each."""
        classes = [t for t in self.terms if t.kind == "class"]
        own = {t.iri for t in classes}
        children: dict[str | None, list[Term]] = defaultdict(list)
        for t in classes:
            own_parents = [p for p in t.parents if p in own]
            for p in own_parents or [None]:
                children[p].append(t)

        def walk(parent: str | None, seen: frozenset) -> str:
            items = []
            for t in sorted(children.get(parent, []), key=lambda x: x.curie):
                if t.iri in seen:  # a cycle would be an ontology bug; do not loop on it
                    continue
                ext = [curie(p) for p in t.parents if p not in own]
                ext_txt = f' <span class="curie">⊑ {esc(", ".join(ext))}</span>' if ext else ""
                items.append(
                    f'<li><a href="#{esc(anchor(t.curie))}"><code>{esc(t.curie)}</code></a> '
                    f"{self.bilingual(t.labels, inline=True)}{ext_txt}{walk(t.iri, seen | {t.iri})}</li>"
                )
            if not items:
                return ""
            cls = "tree root" if parent is None else "tree"
            return f'<ul class="{cls}">{"".join(items)}</ul>'

        return '<h2 id="hierarchy"><span class="zh">类层次</span> <span class="en">Class hierarchy</span></h2>' + walk(None, frozenset())

    def term_section(self, t: Term) -> str:
        rows = []
        if t.kind == "class":
            if t.parents:
                rows.append(("subClassOf", self.refs(t.parents)))
            subs = [x.iri for x in self.terms if x.kind == "class" and t.iri in x.parents]
            if subs:
                rows.append(("subclasses", self.refs(subs)))
            dom = [x.iri for x in self.terms if x.kind.endswith("property") and t.iri in x.domains]
            if dom:
                rows.append(("domain of", self.refs(dom)))
            rng = [x.iri for x in self.terms if x.kind.endswith("property") and t.iri in x.ranges]
            if rng:
                rows.append(("range of", self.refs(rng)))
        elif t.kind.endswith("property"):
            if t.parents:
                rows.append(("subPropertyOf", self.refs(t.parents)))
            rows.append(("domain", self.refs(t.domains) if t.domains else "<em>any</em>"))
            rows.append(("range", self.refs(t.ranges) if t.ranges else "<em>any</em>"))
            types = sorted(curie(o) for o in self.graph.objects(URIRef(t.iri), RDF.type))
            rows.append(("type", esc(", ".join(types))))
        else:
            if t.schemes:
                rows.append(("inScheme", self.refs(t.schemes)))
        for rel, target in t.matches:
            rows.append((rel, self.ref(target)))
        dl = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
        dl = f'<dl class="props">{dl}</dl>' if dl else ""
        comments = "".join(f'<p class="comment">{esc(c)}</p>' for c in t.comments)
        return (
            f'<section class="term" id="{esc(anchor(t.curie))}">'
            f'<h3>{self.bilingual(t.labels, inline=True)}<code class="curie">{esc(t.curie)}</code></h3>'
            f"<p><code>{esc(t.iri)}</code></p>"
            f"{self.bilingual(t.definitions)}{comments}"
            f"{dl}"
            "</section>"
        )

    def scheme_section(self, scheme: Term) -> str:
        members = [t for t in self.terms if t.kind in ("concept", "collection") and scheme.iri in t.schemes]
        # Collections are tied to a scheme by their members rather than by skos:inScheme.
        member_curies = {m.curie for m in members}
        collections = [
            t for t in self.terms if t.kind == "collection"
            and any(k == "skos:memberList" and v in member_curies for k, v in t.extra)
        ]

        def rank_key(t: Term):
            ranks = [int(v) for k, v in t.extra if k == "sk:rank" and v.lstrip("-").isdigit()]
            return (ranks[0] if ranks else 10**6, t.curie)

        rows = []
        for c in sorted((m for m in members if m.kind == "concept"), key=rank_key):
            extra = "<br>".join(
                f"{esc(k)} " + (self.ref(self._expand(v)) if ":" in v and self._expand(v) in self.by_iri else esc(v))
                for k, v in c.extra if k != "skos:hasTopConcept"
            )
            matches = "<br>".join(f"{esc(rel)} {self.ref(target)}" for rel, target in c.matches)
            rows.append(
                f'<tr id="{esc(anchor(c.curie))}"><td><code>{esc(c.curie)}</code></td>'
                f'<td lang="zh" class="zh">{esc(c.labels.get("zh", ""))}</td>'
                f'<td lang="en" class="en">{esc(c.labels.get("en", ""))}</td>'
                f'<td lang="zh" class="zh">{esc(c.definitions.get("zh", ""))}</td>'
                f'<td lang="en" class="en">{esc(c.definitions.get("en", ""))}</td>'
                f"<td>{extra}{'<br>' if extra and matches else ''}{matches}</td></tr>"
            )
        coll = ""
        for col in sorted(collections, key=lambda x: x.curie):
            order = " → ".join(esc(v) for k, v in col.extra if k == "skos:memberList")
            coll += (f'<p id="{esc(anchor(col.curie))}"><code>{esc(col.curie)}</code> '
                     f"{self.bilingual(col.labels, inline=True)}: {order}</p>")
        table = (
            '<table><thead><tr><th>IRI</th><th class="zh">中文标签</th><th class="en">English label</th>'
            '<th class="zh">定义</th><th class="en">Definition</th><th>more</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        return self.term_section(scheme).replace("</section>", f"{coll}{table}</section>")

    @staticmethod
    def _expand(c: str) -> str:
        prefix, _, local = c.partition(":")
        return PREFIXES[prefix] + local if prefix in PREFIXES else c

    def nav(self) -> str:
        items = ['<li><a href="#hierarchy">Class hierarchy · 类层次</a></li>']
        for kind, (zh, en) in SECTION_TITLES.items():
            ts = [t for t in self.terms if t.kind == kind]
            if not ts:
                continue
            sub = "".join(f'<li><a href="#{esc(anchor(t.curie))}">{esc(t.curie)}</a></li>' for t in ts)
            items.append(f'<li><a href="#sec-{kind}">{esc(en)} · {esc(zh)}</a><ul>{sub}</ul></li>')
        return f"<nav><ul>{''.join(items)}</ul></nav>"

    def render(self) -> str:
        body = [self.class_tree()]
        for kind, (zh, en) in SECTION_TITLES.items():
            ts = [t for t in self.terms if t.kind == kind]
            if not ts:
                continue
            body.append(f'<h2 id="sec-{kind}"><span class="zh">{esc(zh)}</span> <span class="en">{esc(en)}</span></h2>')
            render = self.scheme_section if kind == "concept-scheme" else self.term_section
            body.extend(render(t) for t in ts)
        title = "Shandong skills ontology reference · 山东技能人才本体参考"
        return (
            "<!DOCTYPE html>\n"
            '<html lang="zh-Hans">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"{self.header()}\n<main>{self.nav()}<div>{''.join(body)}</div></main>\n"
            f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
        )


def render_docs(graph: Graph | None = None) -> str:
    """The reference page as a string (the ontology files are loaded when no graph is given)."""
    return _Page(graph if graph is not None else load_ontology()).render()


def write_docs(path: str | Path, graph: Graph | None = None) -> Path:
    """Write the reference page to `path` atomically and return the path."""
    return atomic_write_text(path, render_docs(graph))
