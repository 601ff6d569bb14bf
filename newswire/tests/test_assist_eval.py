"""Quality on the labelled set (newswire/tests/eval/events.txt): the README's numbers."""

import pytest

from newswire import evaluation

pytestmark = pytest.mark.django_db


def test_the_labelled_set_is_big_and_varied_enough():
    examples = evaluation.load()
    assert len(examples) >= 200
    assert len({e.event for e in examples}) >= 40
    assert {"en", "de", "fr"} <= {e.language for e in examples}
    assert sum(e.copy_of is not None for e in examples) >= 10


def test_quality_targets_on_the_labelled_set():
    metrics = evaluation.evaluate()
    print(evaluation.report(metrics))
    precision, recall, _pairs = metrics["clustering_en"]
    assert precision >= 0.9 and recall >= 0.8
    assert metrics["clustering_all"][0] >= 0.9  # other languages: precise, not merged
    assert metrics["duplicates"][0] >= 0.9 and metrics["duplicates"][1] >= 0.9
    assert metrics["language_accuracy"] >= 0.95
    assert metrics["held_out_articles"] >= 30
    assert metrics["tags_precision_at_3"] > 0.1
    from newswire.models import Item

    assert not Item.objects.exists()  # the evaluation leaves nothing behind
