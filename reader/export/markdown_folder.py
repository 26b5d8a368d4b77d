"""``--format md``: one Markdown file per article with YAML front matter (keys in the
contract's order), its body converted by markdownify, images beside it in images/."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from pathlib import Path
from typing import Any

import yaml
from markdownify import MarkdownConverter

from reader.export.articles import (
    Exported,
    iso,
    placeholder_text,
    rewrite_images,
    with_src,
)
from reader.export.filenames import UniqueNames
from reader.export.progress import Tally


def front_matter(item: Exported) -> dict[str, Any]:
    article = item.article
    fields: dict[str, Any] = {"title": article.title}
    if article.subtitle:
        fields["subtitle"] = article.subtitle
    if article.author is not None:
        fields["author"] = article.author
    fields.update({"source": article.source, "source_url": item.source_url,
                   "published": iso(article.published), "url": article.url,
                   "tags": list(article.tags), "bookmarked": article.bookmarked,
                   "read": article.read, "broadsheet_id": article.id})
    return fields


class _Converter(MarkdownConverter):
    """markdownify with list items' content indented by four columns ("-   item"), not by
    the bullet's width ("- item"): CommonMark reads both, but Python-Markdown, which the
    importer renders with, nests a list only under four, so a nested list came back flat."""

    def convert_li(self, el: Any, text: str, parent_tags: Any) -> str:
        # (markdownify's stub leaves its per-tag converters out)
        out = str(super().convert_li(el, text, parent_tags))  # type: ignore[misc]
        first, _, rest = out.partition("\n")
        bullet, space, content = first.partition(" ")
        if not space:
            return out
        width = len(bullet) + 1
        pad = max(width, _LIST_INDENT)
        lines = [bullet + " " * (pad - len(bullet)) + content]
        lines += [" " * (pad - width) + line if line.startswith(" " * width) else line
                  for line in rest.split("\n")]
        converted = "\n".join(lines)
        # An item of several blocks ends in a blank line, or the next item's bullet would be
        # read as its last paragraph's continuation.
        return converted.rstrip("\n") + "\n\n" if "\n\n" in converted.strip() else converted


_LIST_INDENT = 4


def body_markdown(item: Exported) -> str:
    images = {image.sha256: image for image in item.images}
    html = rewrite_images(item.article.body_html, images,
                          lambda image, tag: with_src(tag, image.file),
                          lambda alt: f"<span>{escape(placeholder_text(alt))}</span>")
    return str(_Converter(heading_style="ATX", bullets="-").convert(html)).strip() + "\n"


#: libyaml's emitter when PyYAML has it: the pure-Python one took half of a Markdown export.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def document(item: Exported) -> str:
    head = yaml.dump(front_matter(item), Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=10**6)
    return f"---\n{head}---\n\n{body_markdown(item)}"


def write(items: Iterable[Exported], folder: Path, tally: Tally) -> None:
    names = UniqueNames()
    for item in items:
        article = item.article
        stem = names.claim(article.title, f"article-{article.id}")
        (folder / f"{stem}.md").write_text(document(item), encoding="utf-8")
        tally.images_into(folder, item.images)
        tally.article_done()
