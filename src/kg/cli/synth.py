"""`kg synth`: write a seeded synthetic graph of a given size (and optionally bulk-load it)."""
from __future__ import annotations

from pathlib import Path

import click

from kg.errors import EXIT_OK


@click.command("synth")
@click.option("--scale", required=True, help="Target number of quads: 100000, 100k, 1M, 5M.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write kg.nq and synth-info.json into.")
@click.option("--seed", default=42, show_default=True, help="Same seed, same bytes.")
@click.option("--load", "store_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also bulk-load the graph into an on-disk store here "
                   "(then: KG_STORE=DIR KG_DATASET=OUT/kg.nq kg query …).")
@click.option("--index/--no-index", default=True, show_default=True,
              help="With --load: also build the label search index beside the store.")
def synth(scale: str, out_dir: Path, seed: int, store_dir: Path | None, index: bool) -> int:
    """Generate a national-size synthetic graph in the project's model, streamed to N-Quads."""
    from kg.synth import generate, parse_scale

    try:
        target = parse_scale(scale)
    except ValueError:
        raise click.BadParameter(f"not a size: {scale!r}", param_hint="--scale") from None
    info = generate(target, out_dir, seed=seed)
    click.echo(f"wrote {out_dir / info['file']}: {info['quads']} quads, {info['reports']} reports, "
               f"{info['entities']} entities, {info['claims']} claims")
    if store_dir is not None:
        from kg.bulk import bulk_load_file

        stats = bulk_load_file(out_dir / info["file"], store_dir)
        click.echo(f"loaded into {store_dir}: {stats['quads']} quads in {stats['load_seconds']} s "
                   f"({stats['quads_per_second']} quads/s), compacted in {stats['compact_seconds']} s")
        if index:
            from kg.search_index import build_index

            n = build_index(store_dir)
            click.echo(f"label index: {n} labels")
    return EXIT_OK


COMMANDS = [synth]
