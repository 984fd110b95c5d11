import json

import numpy as np
import pytest

from rankkit.dumps import DumpError, load_dump
from rankkit.scores import read_scores, write_scores


@pytest.fixture
def dump(small_dump_path):
    return load_dump(small_dump_path)


def _scores(dump):
    return {"mean_nll": {t.task_id: np.arange(len(t), dtype=float) + 0.5 for t in dump},
            "verifier": {t.task_id: -np.arange(len(t), dtype=float) for t in dump}}


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_roundtrip_keeps_values_and_directions(tmp_path, dump, ext):
    path = tmp_path / f"s.{ext}"
    write_scores(path, dump, _scores(dump), {"mean_nll": False})
    table = read_scores(path, dump)
    assert set(table.columns) == {"mean_nll", "verifier"}
    assert table.higher_is_better == {"mean_nll": False, "verifier": True}
    np.testing.assert_array_equal(table.columns["mean_nll"]["T/1"], [0.5, 1.5, 2.5])
    np.testing.assert_array_equal(table.oriented("mean_nll")["T/1"], [-0.5, -1.5, -2.5])


def test_shuffled_rows_align_by_key_and_directions_by_name_or_flag(tmp_path, dump):
    rows = [{"task_id": t.task_id, "index": i, "nll": float(i), "custom": float(-i)} for t in dump for i in range(len(t))]
    rows.reverse()
    path = tmp_path / "s.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    table = read_scores(path, dump, lower_is_better=["custom"])
    assert table.higher_is_better == {"nll": False, "custom": False}
    np.testing.assert_array_equal(table.columns["nll"]["T/0"], [0, 1, 2])


def _write_rows(tmp_path, rows, name="s.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _full(dump):
    return [{"task_id": t.task_id, "sample_index": i, "s": 1.0} for t in dump for i in range(len(t))]


@pytest.mark.parametrize("mutate,match", [
    (lambda rows: rows[:-1], r"task T/1, sample 2: no score row"),
    (lambda rows: rows + [rows[0]], r"task T/0, sample 0: duplicate score row"),
    (lambda rows: rows + [{"task_id": "X", "sample_index": 0, "s": 1}], "task X: row 7: task not in the dump"),
    (lambda rows: rows[:-1] + [{"task_id": "T/1", "sample_index": 3, "s": 1}], "out of range"),
    (lambda rows: rows[:-1] + [{"task_id": "T/1", "sample_index": 2, "s": "abc"}], "not a number"),
    (lambda rows: rows[:-1] + [{"task_id": "T/1", "sample_index": 2, "s": None}], "not a number"),
    (lambda rows: rows[:-1] + [{"task_id": "T/1", "sample_index": 1.5, "s": 1}], "bad sample index"),
    (lambda rows: [{k: v for k, v in r.items() if k != "sample_index"} for r in rows], "no 'sample_index'"),
])
def test_bad_score_files_are_errors(tmp_path, dump, mutate, match):
    path = _write_rows(tmp_path, mutate(_full(dump)))
    with pytest.raises(DumpError, match=match):
        read_scores(path, dump, columns=["s"])


def test_unknown_column_and_flag(tmp_path, dump):
    path = _write_rows(tmp_path, _full(dump))
    with pytest.raises(DumpError, match="no score column 'x'"):
        read_scores(path, dump, columns=["x"])
    with pytest.raises(DumpError, match="not used"):
        read_scores(path, dump, lower_is_better=["x"])
    with pytest.raises(DumpError, match="unknown score file type"):
        read_scores(_write_rows(tmp_path, _full(dump), "s.txt"), dump)
