"""``python -m bench.export [--articles N] [--work DIR]``: what exporting costs, per format.

An archive of N generated articles (bench/data.py's corpus: 300–800 words each, one in three
showing one of 40 archived pictures, as a synced archive holds them) is exported to each
format in a process of its own, so each figure is that export's alone: wall time, the size
written, and the process's peak memory (VmHWM) — md and json stream a page of articles at a
time, so their memory should not grow with N.

``--compare-markdown`` also converts the first 1,000 bodies with markdownify (what the
exporter uses) and with html2text, when it can be imported: time, and how much of each
body's text survives the round trip back to HTML with the ``markdown`` package.

Results go to ``bench/results/export.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from typing import Any

from bench.data import IMAGE_COUNT, Corpus, image_path, image_png
from reader.archive import Archive
from reader.archive import images as archive_images
from reader.export import FORMATS, Format, export

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BATCH = 500
SUFFIXES = {"md": "", "html": ".html", "epub": ".epub", "json": ""}


def fill(path: Path, articles: int) -> None:
    """The corpus's articles with their pictures stored as the sync stores them: in the
    images table, the body pointing at ``archive-image:<sha256>``."""
    corpus = Corpus()
    pictures = [image_png(n) for n in range(IMAGE_COUNT)]
    hashes = [hashlib.sha256(data).hexdigest() for data in pictures]
    with Archive.open(path) as archive:
        with archive.writing() as connection:
            for sha, data in zip(hashes, pictures, strict=True):
                archive_images.store_one(connection, sha, "image/png", 640, 360, data)
        for start in range(0, articles, BATCH):
            drafts, shown = [], []
            for draft in corpus.drafts(start, min(articles, start + BATCH)):
                body, used = draft.body_html, []
                for n in range(IMAGE_COUNT):
                    if f'src="{image_path(n)}"' in body:
                        body = body.replace(f'src="{image_path(n)}"',
                                            f'src="archive-image:{hashes[n]}"')
                        used.append(hashes[n])
                drafts.append(dataclasses.replace(draft, body_html=body))
                shown.append(used)
            outcomes = archive.store(drafts)
            with archive.writing() as connection:
                for outcome, used in zip(outcomes, shown, strict=True):
                    if used and outcome.article_id is not None:
                        archive_images.link(connection, outcome.article_id, used)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def one(archive_path: Path, format: Format, out: Path) -> dict[str, Any]:
    """One export, timed (run in its own process by ``main``)."""
    with Archive.open(archive_path) as archive:
        started = time.perf_counter()
        result = export(archive, format, out)
        seconds = time.perf_counter() - started
    return {"format": format, "seconds": round(seconds, 2), "articles": result.articles,
            "images": result.images, "bytes": result.bytes, "peak_rss_mb": peak_mb()}


def _text(html: str) -> list[str]:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).split()


def compare_markdown(archive_path: Path, bodies: int = 1000) -> dict[str, Any]:
    """markdownify against html2text on the same bodies: seconds, and the share of each
    body's words (in order) that come back when the Markdown is rendered again."""
    import difflib

    import markdown
    from markdownify import markdownify

    converters: dict[str, Any] = {
        "markdownify": lambda html: markdownify(html, heading_style="ATX", bullets="-")}
    try:
        import html2text
    except ImportError:
        print("html2text is not installed: compared with nothing", file=sys.stderr)
    else:
        def with_html2text(html: str) -> str:
            maker = html2text.HTML2Text()
            maker.body_width = 0  # no hard wrapping: a paragraph stays one line
            return str(maker.handle(html))

        converters["html2text"] = with_html2text
    with Archive.open(archive_path) as archive:
        ids = [row.id for row in archive.headlines("", limit=bodies).rows]
        htmls = [archive.article(article_id).body_html for article_id in ids]
    htmls.append(SAMPLE)
    figures: dict[str, Any] = {}
    for name, convert in converters.items():
        started = time.perf_counter()
        outputs = [convert(html) for html in htmls]
        seconds = time.perf_counter() - started
        kept = [difflib.SequenceMatcher(None, _text(html), _text(markdown.markdown(text)),
                                        autojunk=False).ratio()
                for html, text in zip(htmls[:-1], outputs[:-1], strict=True)]
        again = markdown.markdown(outputs[-1], extensions=["tables", "fenced_code"])
        figures[name] = {"bodies": len(htmls) - 1, "seconds": round(seconds, 2),
                         "ms_per_body": round(seconds * 1000 / len(htmls), 2),
                         "words_kept": round(sum(kept) / len(kept), 4),
                         "sample_constructs_kept": [label for label, pattern in CONSTRUCTS
                                                    if re.search(pattern, again, re.DOTALL)],
                         "sample": outputs[-1]}
    return figures


#: Constructs a real article has that the generated corpus lacks, to read each converter's
#: output side by side.
SAMPLE = ('<h2>Head</h2><p>Some <em>stress</em>, <strong>weight</strong>, '
          '<a href="https://example.org/x">a link</a> and <code>code</code>.</p>'
          '<ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>'
          '<blockquote><p>Quoted words.</p></blockquote>'
          '<pre><code>for x in y:\n    print(x)</code></pre>'
          '<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>'
          '<p><img src="images/abc.png" alt="a picture"></p><p>5 * 3 = 15_000 #1</p>')


#: What of SAMPLE must come back when its Markdown is rendered again (tables and fenced code
#: on, as most Markdown readers have them).
CONSTRUCTS = (
    ("emphasis", r"<em>stress</em>,"), ("strong", r"<strong>weight</strong>,"),
    ("link", r'<a href="https://example.org/x">a link</a>'), ("code", r"<code>code</code>"),
    ("nested list", r"<li>one\s*<ul>\s*<li>nested"), ("quote", r"<blockquote>"),
    ("code block", r"<pre><code>for x in y:\n    print"), ("table", r"<table>"),
    ("image", r'<img alt="a picture" src="images/abc.png"'),
    ("literal text", r"5 \* 3 = 15_000 #1"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/broadsheet-bench-export"))
    parser.add_argument("--formats", nargs="*", choices=FORMATS, default=list(FORMATS))
    parser.add_argument("--compare-markdown", action="store_true")
    parser.add_argument("--one", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    archive_path = args.work / f"export-{args.articles}.db"
    if args.one:
        print(json.dumps(one(archive_path, args.one, args.out)))
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    if not archive_path.exists():
        started = time.perf_counter()
        fill(archive_path, args.articles)
        print(f"filled {args.articles:,} articles in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
    results: dict[str, Any] = {"articles": args.articles,
                               "archive_bytes": archive_path.stat().st_size, "formats": {}}
    for format in args.formats:
        out = args.work / f"out-{format}{SUFFIXES[format]}"
        if out.is_dir():
            shutil.rmtree(out)
        out.unlink(missing_ok=True)
        run = subprocess.run([sys.executable, "-m", "bench.export", "--articles",
                              str(args.articles), "--work", str(args.work), "--one", format,
                              "--out", str(out)], cwd=ROOT, capture_output=True, text=True,
                             check=True)
        figures = json.loads(run.stdout)
        results["formats"][format] = figures
        print(f"{format:5} {figures['articles']:>7,} articles {figures['images']:>4} images "
              f"{figures['seconds']:>8.2f} s {figures['bytes'] / 1e6:>9.1f} MB "
              f"peak {figures['peak_rss_mb']:>6.1f} MB")
    if args.compare_markdown:
        results["markdown_converters"] = compare_markdown(archive_path)
        for name, figures in results["markdown_converters"].items():
            print(f"{name:12} {figures['ms_per_body']:.2f} ms/body, "
                  f"{figures['words_kept']:.2%} of words kept; of the sample kept: "
                  f"{', '.join(figures['sample_constructs_kept'])}\n{figures['sample']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "export.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
