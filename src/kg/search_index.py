"""Label search that does not scan every label: a character-bigram inverted index in SQLite.

    search("兖州")            -> [Hit(iri, label, matched, score), …]   (same rules as describe)
    build_index(store_dir)    -> number of labels indexed (done on first search anyway)

Why: `describe.find_entities` asks the store for CONTAINS(LCASE(label), needle) over every
rdfs:label/skos:altLabel; fine at 11k quads, linear in the number of labels at national size.

How: every e: entity's labels are folded the way describe folds them (兗→兖, lowercase) and cut
into overlapping character bigrams (Chinese has no word boundaries, and any substring of two or
more characters contains at least one whole bigram of the label); English also gets whole
lowercase word tokens. A query looks up the posting list of its *rarest* bigram (or interior whole
word), then SQLite's instr() confirms the real substring, so answers are exactly those of a scan.
One-character queries use a unigram posting list.

The index is one SQLite file inside the store folder (`label-index.sqlite`), so a store rebuild,
which swaps the folder, also drops a stale index; it records the store's content hash and is
rebuilt (atomically: temp file + rename) when that changes.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

INDEX_FILE = "label-index.sqlite"
INDEX_FORMAT = 1
# One folding for label search everywhere: the reports print both 兗 and 兖.
from kg.describe import VARIANTS  # noqa: E402
_WORD = re.compile(r"[a-z0-9]+")
E_BASE = "https://w3id.org/shandong-skills/id/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


@dataclass(frozen=True)
class Hit:
    iri: str
    label: str | None  # the entity's rdfs:label in the asked language
    matched: str  # the label or altLabel that contains the text
    score: int  # 0 exact, 1 prefix, 2 contains — describe.Match's ordering


def fold(text: str) -> str:
    return text.translate(VARIANTS).lower()


def grams(folded: str) -> set[str]:
    """Bigrams (and the single character of a one-character label) plus 'w:'-prefixed words."""
    out = {folded[i:i + 2] for i in range(len(folded) - 1)} if len(folded) > 1 else {folded}
    out.update("w:" + w for w in _WORD.findall(folded))
    out.update("u:" + ch for ch in folded)
    return out


# ------------------------------------------------------------------------------------- build
def _store_hash(store_dir: Path) -> str | None:
    try:
        return json.loads((store_dir / "kg-store.json").read_text(encoding="utf-8")).get("hash")
    except (OSError, ValueError):
        return None


def _labels(store_dir: Path):
    """(entity, property, lang, text) for every label of an e: entity, read straight off the indexes."""
    import pyoxigraph as ox
    from kg.bulk import open_read_only

    db = open_read_only(store_dir)
    for prop in (RDFS_LABEL, SKOS_ALT):
        for q in db.quads_for_pattern(None, ox.NamedNode(prop), None, None):
            s, o = q.subject, q.object
            if isinstance(s, ox.NamedNode) and s.value.startswith(E_BASE) and isinstance(o, ox.Literal):
                yield s.value, prop, o.language or "", o.value


def build_index(store_dir: str | os.PathLike | None = None) -> int:
    """(Re)build the index of the store at `store_dir`; returns the number of labels indexed."""
    from kg import paths

    from kg.io import is_ours

    store_dir = Path(store_dir) if store_dir else paths.store_dir()
    if not (store_dir / "db").is_dir():
        raise KgError(f"no store at {store_dir}")
    if not is_ours(store_dir, "store"):
        raise KgError(f"{store_dir} is not a folder kg made; kg writes its label index only into its own stores")
    fd, tmp = tempfile.mkstemp(prefix=f".{INDEX_FILE}.", suffix=".tmp", dir=store_dir)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        con.executescript("""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE labels(id INTEGER PRIMARY KEY, entity TEXT, prop TEXT, lang TEXT, text TEXT, folded TEXT);
            CREATE TABLE postings(gram TEXT, id INTEGER, PRIMARY KEY(gram, id)) WITHOUT ROWID;
        """)
        seen, n = set(), 0
        rows, posts = [], []
        for ent, prop, lang, text in _labels(store_dir):
            if (ent, prop, lang, text) in seen:  # one label can sit in several graphs
                continue
            seen.add((ent, prop, lang, text))
            n += 1
            folded = fold(text)
            rows.append((n, ent, prop, lang, text, folded))
            posts.extend((g, n) for g in grams(folded))
        con.executemany("INSERT INTO labels VALUES (?,?,?,?,?,?)", rows)
        # Sorted insertion builds the clustered (gram, id) b-tree without page splits.
        posts.sort()
        con.executemany("INSERT INTO postings VALUES (?,?)", posts)
        con.execute("CREATE TABLE gram_count AS SELECT gram, COUNT(*) AS n FROM postings GROUP BY gram")
        con.execute("CREATE UNIQUE INDEX gram_count_gram ON gram_count(gram)")
        con.execute("CREATE INDEX labels_entity ON labels(entity)")
        con.executemany("INSERT INTO meta VALUES (?,?)", [
            ("format", str(INDEX_FORMAT)), ("store_hash", _store_hash(store_dir) or ""), ("labels", str(n))])
        con.commit()
        con.close()
        os.replace(tmp, store_dir / INDEX_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    with _lock:
        _conns.pop(str(store_dir), None)
    return n


# ------------------------------------------------------------------------------------- query
_conns: dict[str, tuple[sqlite3.Connection, float]] = {}
_lock = threading.Lock()


def _is_current(con: sqlite3.Connection, store_dir: Path) -> bool:
    meta = dict(con.execute("SELECT key, value FROM meta"))
    return meta.get("format") == str(INDEX_FORMAT) and meta.get("store_hash") == (_store_hash(store_dir) or "")


def _meta_mtime(store_dir: Path) -> float:
    try:
        return (store_dir / "kg-store.json").stat().st_mtime
    except OSError:
        return 0.0


def _open_current(store_dir: Path) -> sqlite3.Connection | None:
    """A cached read-only connection to a current index, or None (no index, or a stale one).

    Re-validated only when the store's metadata file changes (a rebuild rewrites it).
    """
    key, mtime = str(store_dir), _meta_mtime(store_dir)
    with _lock:
        cached = _conns.get(key)
    if cached is not None and cached[1] == mtime:
        return cached[0]
    path = store_dir / INDEX_FILE
    if not path.is_file():
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    try:
        current = _is_current(con, store_dir)
    except sqlite3.DatabaseError:
        current = False  # damaged (truncated, overwritten): it is derived, so rebuild it
    if not current:
        con.close()
        return None
    with _lock:
        _conns[key] = (con, mtime)
    return con


def is_current(store_dir: str | os.PathLike) -> bool:
    """Whether the store at `store_dir` has an index built from its present content."""
    return _open_current(Path(store_dir)) is not None


def _connect(store_dir: Path) -> sqlite3.Connection:
    """A connection to a current index, building it first when it is missing or stale."""
    con = _open_current(store_dir)
    if con is None:
        build_index(store_dir)
        con = _open_current(store_dir)
    if con is None:
        raise KgError(f"the label index of {store_dir} was built but does not match the store")
    return con


def _keys(needle: str) -> list[str]:
    """Posting keys every matching label must have: bigrams, interior whole words, or a unigram."""
    if len(needle) == 1:
        return ["u:" + needle]
    keys = [needle[i:i + 2] for i in range(len(needle) - 1)]
    words = needle.split(" ")
    keys += ["w:" + w for w in words[1:-1] if _WORD.fullmatch(w)]  # only words cut on both sides
    return keys


_SEARCH = """
SELECT l.entity, l.text, CASE WHEN l.folded = :n THEN 0 WHEN substr(l.folded, 1, :len) = :n THEN 1 ELSE 2 END AS score
FROM postings p JOIN labels l ON l.id = p.id
WHERE p.gram = :key AND instr(l.folded, :n) > 0
ORDER BY score, length(l.text), l.entity, l.text
"""


def search(text: str, limit: int | None = 20, lang: str = "zh",
           store_dir: str | os.PathLike | None = None) -> list[Hit]:
    """Entities whose zh/en label or altLabel contains `text` (folded), best first, at most `limit`.

    Ordered like describe.find_entities: (score, length of the matched label, IRI); an entity's
    matched label is its best one, ties broken by the text.
    """
    from kg import paths

    needle = fold(text.strip())
    if not needle:
        raise KgError("give some text to look for")
    store_dir = Path(store_dir) if store_dir else paths.store_dir()
    con = _connect(store_dir)
    keys = sorted(set(_keys(needle)))
    counts = dict(con.execute(f"SELECT gram, n FROM gram_count WHERE gram IN ({','.join('?' * len(keys))})", keys))
    if len(counts) < len(keys):
        return []  # some bigram occurs in no label: nothing can contain the text
    rarest = min(keys, key=lambda k: (counts[k], k))
    best: dict[str, tuple[int, str]] = {}
    for ent, matched, score in con.execute(_SEARCH, {"n": needle, "len": len(needle), "key": rarest}):
        if ent not in best:
            best[ent] = (score, matched)
            if limit is not None and len(best) >= limit:
                break  # rows come ordered by (score, length): the first `limit` entities are the best
    if not best:
        return []
    ents = list(best)
    # langMatches(lang, ?lang), as the scan asks: the same tag or a subtag of it, any case.
    names: dict[str, str] = {}
    for i in range(0, len(ents), 500):  # SQLite caps the number of host parameters
        part = ents[i:i + 500]
        names.update(con.execute(
            "SELECT entity, MIN(text) FROM labels WHERE prop = ? AND (lower(lang) = lower(?) OR lower(lang) LIKE "
            f"lower(?) || '-%') AND entity IN ({','.join('?' * len(part))}) GROUP BY entity",
            [RDFS_LABEL, lang, lang, *part]))
    return [Hit(ent, names.get(ent), best[ent][1], best[ent][0]) for ent in ents]


def scan(text: str, store_dir: str | os.PathLike | None = None) -> set[str]:
    """The entities a full scan finds (describe's SPARQL CONTAINS over every label): the index's reference."""
    from kg import paths
    from kg.bulk import open_read_only
    from kg.describe import scan_entities
    from kg.namespaces import PREFIXES
    from kg.store import OxigraphBackend

    store_dir = Path(store_dir) if store_dir else paths.store_dir()
    store = OxigraphBackend(open_read_only(store_dir), dict(PREFIXES))
    return {m.iri for m in scan_entities(fold(text.strip()), store)}
