"""Detector recall and precision on the committed corpus (``blueprint.devtools.pii_corpus``): PII as
Faker writes it for 20 European and American locales, in the free text around it."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from blueprint.devtools.pii_corpus import CORPUS_FILE, LOCALES
from blueprint.refresh.detectors import detect

#: Recall asserted per detector on the corpus entries whose value is real by its own standard (the
#: measured figures are in docs/data-refresh.md; these floors sit just below them).
MIN_RECALL = {"email": 1.0, "card": 1.0, "iban": 1.0, "phone": 0.95}
#: Share of the corpus's non-PII text (dates, order numbers, amounts, addresses) a detector may flag.
MAX_FALSE_POSITIVES = 0.002


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return json.loads(CORPUS_FILE.read_text(encoding="utf-8"))


def test_the_corpus_covers_every_locale_and_kind(corpus):
    assert {e["locale"] for e in corpus} == set(LOCALES)
    kinds = Counter(e["kind"] for e in corpus if e["valid"])
    assert all(kinds[k] >= 300 for k in MIN_RECALL), kinds


@pytest.mark.parametrize("kind", sorted(MIN_RECALL))
def test_recall_on_the_corpus(corpus, kind):
    entries = [e for e in corpus if e["kind"] == kind and e["valid"]]
    missed = [e["text"] for e in entries if kind not in detect(e["text"])]
    recall = 1 - len(missed) / len(entries)
    assert recall >= MIN_RECALL[kind], (recall, missed[:10])


def test_false_positives_on_the_corpus(corpus):
    clean = [e["text"] for e in corpus if e["kind"] == "none"]
    flagged = [t for t in clean if detect(t)]
    assert len(flagged) / len(clean) <= MAX_FALSE_POSITIVES, flagged
