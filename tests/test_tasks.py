import pytest

from rankkit.tasks import load_benchmark, load_humaneval, load_mbpp, problem_lookup, truncate_at_stops
from rankkit.tasks.mbpp import SPLITS


def test_humaneval_has_164_problems_with_programs():
    problems = load_humaneval()
    assert len(problems) == 164
    p = problems["HumanEval/0"]
    assert p.entry_point == "has_close_elements"
    program = p.test_program(p.reference_solution)
    assert program.startswith(p.prompt + p.reference_solution)
    assert program.rstrip().endswith("check(has_close_elements)")


def test_humaneval_canonical_solutions_pass_their_programs():
    # The test program alone decides: run a few canonical ones in-process (trusted code).
    for tid in ("HumanEval/0", "HumanEval/12", "HumanEval/163"):
        p = load_humaneval()[tid]
        exec(compile(p.test_program(p.reference_solution), tid, "exec"), {})
        with pytest.raises(AssertionError):
            exec(compile(p.test_program("    return None\n"), tid, "exec"), {})


def test_stop_sequences_cut_at_the_earliest():
    p = load_humaneval()["HumanEval/0"]
    text, found = p.truncate("    return 1\n\ndef other():\n    pass\n#x")
    assert (text, found) == ("    return 1\n", True)
    assert p.truncate("    return 1\n") == ("    return 1\n", False)
    assert truncate_at_stops("a[DONE]b\nclass", ("\nclass", "[DONE]")) == ("a", True)


def test_mbpp_splits_and_three_shot_prompt():
    sizes = {name: len(load_mbpp(name)) for name in SPLITS}
    assert sizes == {"prompt": 10, "test": 500, "validation": 90, "train": 374}
    p = load_mbpp()["MBPP/11"]
    assert p.prompt.count("[BEGIN]") == 4 and p.prompt.count("[DONE]") == 3
    assert p.prompt.startswith("You are an expert Python programmer, and here is your task: Write a function to find the similar elements")
    assert p.prompt.endswith("Your code should pass these tests:\n\n" + "\n".join(p.metadata["test_list"]) + "\n[BEGIN]\n")
    assert "\r" not in p.prompt
    assert p.truncate("def f():\n    return 1\n[DONE]\nmore") == ("def f():\n    return 1\n", True)
    zero = load_mbpp("test", shots=0)["MBPP/11"]
    assert zero.prompt.count("[BEGIN]") == 1


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::SyntaxWarning")
def test_lookup_accepts_mbpp_aliases_and_rejects_unknown():
    look = problem_lookup("mbpp")
    assert look("11").task_id == look(11).task_id == look("MBPP/11").task_id == "MBPP/11"
    with pytest.raises(KeyError):
        look("MBPP/1")  # a few-shot prompt task, not in the test split
    with pytest.raises(KeyError):
        look("abc")
    with pytest.raises(ValueError):
        load_benchmark("apps")
    with pytest.raises(ValueError):
        load_mbpp("nope")
