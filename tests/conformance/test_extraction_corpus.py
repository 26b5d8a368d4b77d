"""Main-text extraction scored on ../shared/corpus/extraction with the benchmark's own metric."""

from __future__ import annotations

import gzip
import json
import re
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reader.errors import DocumentError
from reader.sync.extract import extract_text

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CORPUS = SHARED / "corpus" / "extraction"

#: The benchmark's F1 for trafilatura 2.0 on these pages is 0.980; below this we have regressed.
MIN_F1 = 0.95

# Extractors whose stored outputs the scorer must score as pages.json says (listed here, not read
# from the corpus, so that collection works when ../shared is absent).
REFERENCE_EXTRACTORS = (
    "trafilatura",
    "readability",
    "readability_js",
    "newspaper",
    "news_please",
    "goose3",
    "justext",
    "html-text",
    "boilerpipe",
    "dragnet",
)

# --- the benchmark's metric (scrapinghub/article-extraction-benchmark, evaluate.py) ---------------

# Same pattern and flags as evaluate.py; only UNICODE changes what \w matches.
_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)
_SHINGLE_SIZE = 4


@dataclass(frozen=True, slots=True)
class Overlap:
    """One page's true/false positives and false negatives, divided by their sum (so that long
    pages weigh no more than short ones)."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        if self.tp == self.fp == 0:
            return 0.0
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        if self.tp == self.fn == 0:
            return 0.0
        return self.tp / (self.tp + self.fn)


@dataclass(frozen=True, slots=True)
class Scores:
    precision: float
    recall: float
    f1: float
    accuracy: float

    def __str__(self) -> str:
        return (
            f"precision={self.precision:.4f} recall={self.recall:.4f} F1={self.f1:.4f} "
            f"accuracy={self.accuracy:.3f}"
        )


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """Multiset of 4-token shingles. Like evaluate.py, a text of 1-3 tokens is one short shingle
    (the range runs at least once) and an empty text has none."""
    words = tokens(text)
    return Counter(
        tuple(words[i : i + _SHINGLE_SIZE])
        for i in range(max(1, len(words) - _SHINGLE_SIZE + 1))
        if words[i : i + _SHINGLE_SIZE]
    )


def overlap(true: str, predicted: str) -> Overlap:
    expected, found = shingles(true), shingles(predicted)
    tp = fp = fn = 0.0
    for shingle in expected.keys() | found.keys():
        true_count, predicted_count = expected[shingle], found[shingle]
        tp += min(true_count, predicted_count)
        fp += max(0, predicted_count - true_count)
        fn += max(0, true_count - predicted_count)
    total = tp + fp + fn
    if total > 0:
        tp, fp, fn = tp / total, fp / total, fn / total
    return Overlap(tp, fp, fn)


def score(truth: dict[str, str], predicted: dict[str, str]) -> tuple[Scores, dict[str, Overlap]]:
    """Mean precision over pages that predicted something, mean recall over pages that have
    text, F1 of those two means, and the share of pages whose tokens match exactly."""
    pages = {key: overlap(truth[key], predicted.get(key, "")) for key in truth}
    precision = statistics.mean(o.precision for o in pages.values() if o.tp + o.fp > 0)
    recall = statistics.mean(o.recall for o in pages.values() if o.tp + o.fn > 0)
    accuracy = statistics.mean(
        float(tokens(truth[key]) == tokens(predicted.get(key, ""))) for key in truth
    )
    f1 = 2 * precision * recall / (precision + recall)
    return Scores(precision, recall, f1, accuracy), pages


# --- corpus ---------------------------------------------------------------------------------------


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def ground_truth() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = load_json(CORPUS / "ground-truth.json")
    return data


def article_bodies(records: dict[str, Any]) -> dict[str, str]:
    return {key: str((value or {}).get("articleBody") or "") for key, value in records.items()}


def report(capsys: pytest.CaptureFixture[str], lines: list[str]) -> None:
    """Print to the terminal even when pytest captures output (no -s needed)."""
    with capsys.disabled():
        print()
        for line in lines:
            print(line)


# --- tests ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("extractor", REFERENCE_EXTRACTORS)
def test_scorer_reproduces_reference_scores(
    extractor: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Our scorer must give the stored outputs of known extractors the figures in pages.json
    before its verdict on our own extraction means anything."""
    expected = load_json(CORPUS / "pages.json")["reference_scores_on_this_subset"][extractor]
    stored = load_json(CORPUS / "reference-outputs" / f"{extractor}.json")
    outputs = stored.get("output", stored)  # some files wrap the outputs with a version
    got, _ = score(article_bodies(ground_truth()), article_bodies(outputs))
    report(capsys, [f"{extractor:<15} {got}  (pages.json: F1={expected['f1']})"])
    for name in ("f1", "precision", "recall", "accuracy"):
        # pages.json rounds to 3 decimals
        assert abs(getattr(got, name) - expected[name]) <= 0.0005 + 1e-9, (
            f"{extractor} {name}: scorer gives {getattr(got, name):.4f}, pages.json says "
            f"{expected[name]} ({got})"
        )


def test_extraction_f1_on_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    records = ground_truth()
    truth = article_bodies(records)
    predicted: dict[str, str] = {}
    seconds: dict[str, float] = {}
    failures: dict[str, str] = {}
    for key, record in records.items():
        html = gzip.decompress((CORPUS / "html" / f"{key}.html.gz").read_bytes())
        started = time.perf_counter()
        try:
            predicted[key] = extract_text(html, record.get("url"))
        except DocumentError as error:
            predicted[key] = ""
            failures[key] = str(error)
        seconds[key] = time.perf_counter() - started
    scores, pages = score(truth, predicted)

    lines = [f"{'page':<10} {'P':>6} {'R':>6} {'ms':>5}  url"]
    for key, page in sorted(pages.items(), key=lambda item: item[1].precision + item[1].recall):
        note = f"  FAILED: {failures[key]}" if key in failures else ""
        lines.append(
            f"{key[:10]} {page.precision:6.3f} {page.recall:6.3f} {seconds[key] * 1000:5.0f}  "
            f"{records[key].get('url', '')}{note}"
        )
    timing = (
        f"{statistics.mean(seconds.values()) * 1000:.1f} ms/page mean, "
        f"{max(seconds.values()) * 1000:.0f} ms max"
    )
    summary = f"extract_text on {len(pages)} pages: {scores}; {timing}"
    lines.append(summary)
    report(capsys, lines)

    assert scores.f1 >= MIN_F1, f"{summary} — below the floor of F1 {MIN_F1}"
