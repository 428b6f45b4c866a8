"""Shandong skills knowledge graph.

The public Python API lives here; see README "Python API".
"""
__version__ = "0.1.0"


def open(store=None, engine: str = "oxigraph", lang: str = "zh"):  # noqa: A001 - mirrors sqlite3.connect style
    """Open the knowledge graph read-only and return a `kg.api.Graph`.

    store: the on-disk store folder (default KG_STORE or .kg-store/); it is (re)built
    automatically when ontology/ or data/triples/ changed. engine: "oxigraph" (fast, on disk)
    or "rdflib" (in memory). lang: label language for answers, "zh" or "en".

        g = kg.open()
        g.query("cities-by-indicator", indicator="ind:high-skilled-talent-total")
        g.dataframe("groups-founded-per-year")
        g.describe("兖矿能源")
        [q.id for q in g.questions()]
    """
    from kg.api import Graph  # lazy: keeps `import kg` free of rdflib and pyoxigraph

    return Graph(store, engine=engine, lang=lang)
