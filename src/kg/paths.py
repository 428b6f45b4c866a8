"""Where things are: the repository, the source reports, the build output."""
import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent


def repo_root() -> Path:
    """The checkout's top folder (the one holding ontology/ and data/).

    `KG_HOME` overrides it, so an installed package can point at a checkout.
    """
    env = os.environ.get("KG_HOME")
    if env:
        root = Path(env).resolve()
        missing = [f"{d}/" for d in ("ontology", "data") if not (root / d).is_dir()]
        if missing:
            # Without this, every command ran on nothing: `kg build` wrote an empty dist/, exit 0.
            from kg.errors import KgError

            raise KgError(f"KG_HOME={env} has no {' and no '.join(missing)} folder; set KG_HOME to "
                          "a checkout holding ontology/ and data/triples/ (or unset it)")
        return root
    for parent in [_PKG, *_PKG.parents]:
        if (parent / "ontology").is_dir() and (parent / "data" / "triples").is_dir():
            return parent
    return Path.cwd()


def ontology_dir() -> Path:
    return repo_root() / "ontology"


def data_dir() -> Path:
    return repo_root() / "data" / "triples"


def queries_dir() -> Path:
    return repo_root() / "queries"


def dist_dir() -> Path:
    return Path(os.environ.get("KG_DIST", repo_root() / "dist"))


def sources_dir(root: Path | None = None) -> Path:
    """The folder of source report .txt files for the checkout `root` (default repo_root()):
    its own sources/ folder if it has one (self-contained repositories such as the test
    fixtures), else `KG_SOURCES`, else ../shared/seeds beside the checkout."""
    root = Path(root) if root else repo_root()
    if (root / "sources").is_dir():
        return (root / "sources").resolve()
    env = os.environ.get("KG_SOURCES")
    if env:
        return Path(env).resolve()
    return (root.parent / "shared" / "seeds").resolve()


def store_dir() -> Path:
    """The on-disk embedded store: `KG_STORE`, else .kg-store/ in the checkout."""
    return Path(os.environ.get("KG_STORE", repo_root() / ".kg-store"))
