"""The small Python API behind `kg.open()` (kept out of kg/__init__ so `import kg` stays fast)."""
from __future__ import annotations

import re


class Graph:
    """The knowledge graph, opened read-only. Create it with `kg.open()`."""

    def __init__(self, store=None, engine: str = "oxigraph", lang: str = "zh"):
        from kg.store import open_store

        self._store = open_store(store, engine=engine)
        self.engine = engine
        self.lang = lang

    def _result(self, name_or_sparql: str, params: dict, limit, offset):
        from kg import query as q

        lang = params.pop("lang", self.lang)
        text = {k: str(v) for k, v in params.items()}
        page = dict(limit=limit, offset=offset)
        if re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", name_or_sparql, re.I) and " " in name_or_sparql.strip():
            return q.run_sparql(name_or_sparql, text, lang=lang, store=self._store, **page)
        return q.run_question(name_or_sparql, text, lang=lang, store=self._store, **page)

    def query(self, name_or_sparql: str, *, limit: int | None = None, offset: int | None = None,
              **params) -> list[dict]:
        """Run a saved question (by id) or SPARQL text; rows as dicts of plain Python strings.

        Parameters are keyword arguments (`indicator="ind:high-skilled-talent-total"`), bound
        as RDF terms, never pasted into the query; `lang="en"` switches labels. `limit` and
        `offset` return one page (default: every row); pages of one question concatenate to
        its full answer.
        """
        from kg.store import term_text

        res = self._result(name_or_sparql, dict(params), limit, offset)
        return [dict(zip(res.columns, (term_text(t) for t in row))) for row in res.rows]

    def dataframe(self, name_or_sparql: str, *, limit: int | None = None, offset: int | None = None,
                  **params):
        """Like `query`, as a pandas DataFrame (needs pandas: `pip install shandong-skills-kg[pandas]`)."""
        try:
            import pandas as pd
        except ImportError as exc:  # optional dependency
            raise ImportError("Graph.dataframe needs pandas: pip install pandas") from exc
        from kg.store import term_text

        res = self._result(name_or_sparql, dict(params), limit, offset)
        return pd.DataFrame([[term_text(t) for t in row] for row in res.rows], columns=res.columns)

    def describe(self, text: str, lang: str | None = None):
        """The entity card (kg.describe.Card) for a name (zh/en, variant spellings) or an IRI."""
        from kg.describe import describe

        return describe(text, store=self._store, lang=lang or self.lang)

    def questions(self, category: str | None = None) -> list:
        """Saved queries (kg.query.Question): id, titles, description, params; optionally one category."""
        from kg.query import list_questions

        return list_questions((category,) if category else None)
