"""Small files in the formats other harnesses write, built the way each harness builds them.

Each builder's docstring names the code its schema comes from (read from the harness's own
repository at the commit named); the values are rankkit's own. They write real benchmark
prompts, so that prompt checks and execution see what a real run gives.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rankkit.tasks import load_humaneval, load_mbpp

RIGHT, WRONG = "right", "wrong"


def humaneval(count: int, start: int = 0) -> list:
    return list(load_humaneval().values())[start:start + count]


def body(problem, kind: str) -> str:
    """A completion after the prompt: the canonical solution, or one that returns None."""
    return problem.reference_solution if kind == RIGHT else "    return None\n"


def bigcode_generations(path: Path, kinds: list[list[str]], *, task: str = "humaneval", start: int = 0) -> list:
    """bigcode-evaluation-harness, ``--save_generations`` (bigcode_eval/evaluator.py
    ``save_json_files``: ``json.dump(generations, fp)``; commit 8fc5bae). Each string is
    ``postprocess_generation``'s result: the task's prompt (``doc["prompt"].strip()`` for
    ``humaneval``, unstripped for ``humaneval-unstripped``; for ``mbpp`` the docstring
    ``'\"\"\"\\n{text}\\n{test_list[0]}\\n\"\"\"\\n'`` over the test split) + the generation."""
    if task == "mbpp":
        problems = list(load_mbpp("test").values())[start:start + len(kinds)]
        prompts = [f'"""\n{p.metadata["text"]}\n{p.metadata["test_list"][0]}\n"""\n' for p in problems]
        bodies = [[p.reference_solution if k == RIGHT else "def nothing():\n    return None" for k in row]
                  for p, row in zip(problems, kinds)]
    else:
        problems = humaneval(len(kinds), start)
        prompts = [p.prompt.strip() if task == "humaneval" else p.prompt for p in problems]
        # after the stripped prompt the model writes the newline the strip removed
        bodies = [[("\n" if task == "humaneval" else "") + body(p, k) for k in row] for p, row in zip(problems, kinds)]
    generations = [[prompt + b for b in row] for prompt, row in zip(prompts, bodies)]
    with open(path, "w") as fp:
        json.dump(generations, fp)
    return problems


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lm_eval_samples(path: Path, kinds: list[list[str]], *, benchmark: str = "humaneval",
                    filters: tuple[str, ...] | None = None) -> list:
    """lm-evaluation-harness ``--log_samples`` (lm_eval/evaluator.py builds each record: doc_id, doc,
    target, arguments, resps, filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash,
    plus the per-document metric values; lm_eval/loggers/evaluation_tracker.py
    ``save_results_samples`` rewrites arguments as {"gen_args_i": {"arg_j": ...}}, turns responses
    into strings and writes ``json.dumps(sample, ensure_ascii=False) + "\\n"``; commit 4e7e0d4).
    ``humaneval`` (tasks/humaneval: repeats, filter "create_test" = ``doc["prompt"] + r``, metric
    ``pass@1`` of hf code_eval); ``mbpp`` (tasks/mbpp: one response, filter "none" = take_first,
    metric ``pass_at_1``)."""
    lines = []
    if benchmark == "humaneval":
        problems = humaneval(len(kinds))
        for doc_id, (p, row) in enumerate(zip(problems, kinds)):
            doc = {"task_id": p.task_id, "prompt": p.prompt, "canonical_solution": p.reference_solution,
                   "test": p.tests, "entry_point": p.entry_point}
            raw = [body(p, k) for k in row]
            target = f"{p.tests}\ncheck({p.entry_point})"
            for name in filters or ("create_test",):
                record = {
                    "doc_id": doc_id, "doc": doc, "target": target,
                    "arguments": {"gen_args_0": {"arg_0": p.prompt, "arg_1": {
                        "until": ["\nclass", "\ndef", "\n#", "\nif", "\nprint"], "max_gen_toks": 1024,
                        "do_sample": True, "temperature": 0.2, "top_p": 0.95}}},
                    "resps": [raw],
                    "filtered_resps": [[p.prompt + r for r in raw]],
                    "filter": name, "metrics": ["pass@1"],
                    "doc_hash": _hash(json.dumps(doc, indent=2)), "prompt_hash": _hash(p.prompt),
                    "target_hash": _hash(target),
                    "pass@1": sum(k == RIGHT for k in row) / len(row),
                }
                lines.append(record)
    else:
        problems = list(load_mbpp("test").values())[:len(kinds)]
        for doc_id, (p, row) in enumerate(zip(problems, kinds)):
            (kind,) = row
            m = p.metadata
            doc = {"task_id": int(p.task_id.split("/")[1]), "text": m["text"], "code": p.reference_solution,
                   "test_list": m["test_list"], "test_setup_code": m["test_setup_code"], "challenge_test_list": []}
            context = (f"You are an expert Python programmer, and here is your task: {m['text']} Your code should "
                       f"pass these tests:\n\n" + "\n".join(m["test_list"]) + "\n[BEGIN]\n")
            code = p.reference_solution if kind == RIGHT else "def nothing():\n    return None"
            target = "\n".join(m["test_list"])
            lines.append({"doc_id": doc_id, "doc": doc, "target": target,
                          "arguments": {"gen_args_0": {"arg_0": context, "arg_1": {"until": ["[DONE]"],
                                                                                    "do_sample": False}}},
                          "resps": [[code]], "filtered_resps": [code], "filter": "none", "metrics": ["pass_at_1"],
                          "doc_hash": _hash(json.dumps(doc, indent=2)), "prompt_hash": _hash(context),
                          "target_hash": _hash(target), "pass_at_1": 1.0 if kind == RIGHT else 0.0})
    with open(path, "a", encoding="utf-8") as f:
        for record in lines:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    return problems


def evalplus_results(path: Path, rows: dict[str, list[tuple[str, str, str | None]]]) -> None:
    """evalplus ``eval_results.json`` (evalplus/evaluate.py: {"date", "hash", "eval": {task_id:
    [{task_id, solution, base_status, plus_status, base_fail_tests, plus_fail_tests}]}} sorted by
    completion id, statuses "pass"/"fail"/"timeout", ``plus_status`` None with --base-only;
    written with ``json.dump(results, f)``; commit 26d6d00). ``rows``: task id -> (solution,
    base, plus) per sample."""
    results = {"date": "2025-10-02 17:56", "hash": "c1b7ae5a2d2a8ea7b0b4a4b1f8e8f0d2", "eval": {}}
    for task_id, samples in rows.items():
        results["eval"][task_id] = [
            {"task_id": task_id, "solution": solution, "base_status": base, "plus_status": plus,
             "base_fail_tests": [] if base == "pass" else [[0]], "plus_fail_tests": [] if plus in ("pass", None) else [[1]]}
            for solution, base, plus in samples]
    with open(path, "w") as f:
        json.dump(results, f)


def livecodebench_output(path: Path, problems: list[dict], *, graded: bool) -> None:
    """LiveCodeBench code generation (lcb_runner/benchmarks/code_generation.py ``insert_output``:
    question_title, question_content, platform, question_id, contest_id, contest_date,
    starter_code, difficulty, output_list, code_list; ``insert_output_evaluation`` adds
    graded_list, pass@1 and metadata (one JSON string per sample, from
    compute_code_generation_metrics.py); lcb_runner/runner/main.py writes ``json.dump(...,
    indent=4)``; commit 28fef95). ``problems``: {question_id, codes, verdicts}."""
    out = []
    for p in problems:
        item = {"question_title": f"Title {p['question_id']}", "question_content": f"Read n and print n * 2. ({p['question_id']})",
                "platform": "atcoder", "question_id": p["question_id"], "contest_id": "abc300",
                "contest_date": "2023-04-29T00:00:00", "starter_code": "", "difficulty": "easy",
                "output_list": [f"```python\n{c}\n```" for c in p["codes"]], "code_list": list(p["codes"])}
        if graded:
            item["graded_list"] = list(p["verdicts"])
            item["pass@1"] = p["verdicts"].count(True) / len(p["verdicts"])
            item["metadata"] = [json.dumps({"execution time": 0.01}) if v else
                                json.dumps({"error_code": -2, "error_message": "Wrong Answer"}) for v in p["verdicts"]]
        out.append(item)
    with open(path, "w") as f:
        json.dump(out, f, indent=4)


def batch_output(path: Path, requests: list[dict], *, chat: bool = False) -> None:
    """OpenAI Batch API / vLLM ``run_batch`` output (platform.openai.com/docs/api-reference/batch,
    "The request output object"; vllm/entrypoints/openai/protocol.py BatchRequestOutput): per
    line {id, custom_id, response: {status_code, request_id, body}, error}. The body is a
    completion (choices[].text, logprobs.tokens / token_logprobs) or a chat completion
    (choices[].message.content, logprobs.content[].logprob). ``requests``: {custom_id, texts,
    logprobs (per text, or None), error (optional)}."""
    with open(path, "w") as f:
        for n, r in enumerate(requests):
            if r.get("error"):
                line = {"id": f"batch_req_{n}", "custom_id": r["custom_id"],
                        "response": {"status_code": 500, "request_id": f"req_{n}", "body": None},
                        "error": {"code": "server_error", "message": "The server had an error"}}
                f.write(json.dumps(line) + "\n")
                continue
            choices = []
            for i, text in enumerate(r["texts"]):
                lps = (r.get("logprobs") or [None] * len(r["texts"]))[i]
                if chat:
                    choice = {"index": i, "message": {"role": "assistant", "content": text},
                              "logprobs": None if lps is None else {"content": [
                                  {"token": f"t{j}", "logprob": v, "bytes": [116], "top_logprobs": []}
                                  for j, v in enumerate(lps)]},
                              "finish_reason": "stop" if i % 2 == 0 else "length"}
                else:
                    choice = {"index": i, "text": text,
                              "logprobs": None if lps is None else {"text_offset": list(range(len(lps))),
                                                                    "token_logprobs": lps,
                                                                    "tokens": [f"t{j}" for j in range(len(lps))],
                                                                    "top_logprobs": None},
                              "finish_reason": "stop" if i % 2 == 0 else "length"}
                choices.append(choice)
            body = {"id": f"cmpl-{n}", "object": "chat.completion" if chat else "text_completion",
                    "created": 1700000000 + n, "model": "codellama/CodeLlama-7b-hf", "choices": choices,
                    "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}}
            line = {"id": f"batch_req_{n}", "custom_id": r["custom_id"],
                    "response": {"status_code": 200, "request_id": f"req_{n}", "body": body}, "error": None}
            f.write(json.dumps(line) + "\n")
