"""What a plug-in's own test suite needs: rankkit's conformance check, and a behaviour test."""

import numpy as np

from rankkit.rankers import check_ranker, get_ranker
from rankkit_example_plugin import PromptOverlapRanker


def test_conforms():
    check_ranker(PromptOverlapRanker())


def test_found_through_the_entry_point():
    assert isinstance(get_ranker("prompt-overlap"), PromptOverlapRanker)


def test_prefers_generations_that_use_the_parameters():
    class Problem:
        task_id, prompt = "t", "def add(first_number, second_number):\n"

    scores = PromptOverlapRanker().score(Problem, ["    return first_number + second_number\n", "    return 0\n"])
    assert np.argmax(scores) == 0
