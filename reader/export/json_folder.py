"""``--format json``: OUT/articles.json (``show --json`` objects, plus source_url, fetched
and images) and OUT/images/, written as the articles stream past."""

from __future__ import annotations

import json
from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

from reader.export.articles import Exported, iso, placeholder_text, rewrite_images, with_src
from reader.export.progress import Tally


def article_object(item: Exported) -> dict[str, Any]:
    from reader.cli import article_json  # the one definition of the show --json shape

    images = {image.sha256: image for image in item.images}
    document = article_json(item.article)
    document["body_html"] = rewrite_images(
        item.article.body_html, images, lambda image, tag: with_src(tag, image.file),
        lambda alt: f"<span>{escape(placeholder_text(alt))}</span>")
    document["source_url"] = item.source_url
    document["fetched"] = iso(item.article.fetched)
    document["images"] = [{"sha256": image.sha256, "file": image.file,
                           "mime_type": image.mime_type} for image in item.images]
    return document


def write(items: Iterable[Exported], folder: Path, tally: Tally) -> None:
    with (folder / "articles.json").open("w", encoding="utf-8") as out:
        out.write("[")
        for item in items:
            out.write(",\n" if tally.articles else "\n")
            out.write(json.dumps(article_object(item), ensure_ascii=False))
            tally.images_into(folder, item.images)
            tally.article_done()
        out.write("\n]\n")
