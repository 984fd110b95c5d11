"""Dumps as Hugging Face datasets and parquet (rankkit.dumps.hf): exact round trips, datasets made
elsewhere, and the errors that keep a sample from being lost or duplicated."""

import json

import numpy as np
import pytest

from rankkit.dumps import DumpError, detect_format, load_dump, write_dump
from rankkit.dumps.hf import from_dataset, save_dataset, to_dataset, write_parquet
from rankkit.paths import data_file


@pytest.fixture
def smollm2():
    """Real samples with every kind of field: finished flags, token counts, log-probs, replies."""
    return load_dump(data_file("humaneval_smollm2-135m.labelled.json.gz")).head(6)


def same(a, b):
    assert list(a.tasks) == list(b.tasks)
    for x, y in zip(a, b):
        assert (x.prompt, x.generations, x.labels.tolist()) == (y.prompt, y.generations, y.labels.tolist())
        assert x.fields == y.fields and x.finished.tolist() == y.finished.tolist()


def test_parquet_and_dataset_directories_round_trip_exactly(tmp_path, smollm2):
    smollm2["HumanEval/0"].labels[1] = -1  # an unknown label survives too
    write_parquet(smollm2, tmp_path / "d.parquet")
    assert detect_format(tmp_path / "d.parquet") == "parquet"
    same(smollm2, load_dump(tmp_path / "d.parquet"))
    save_dataset(smollm2, tmp_path / "ds")
    assert detect_format(tmp_path / "ds") == "hf-dataset"
    same(smollm2, load_dump(tmp_path / "ds"))
    assert write_dump(smollm2, tmp_path / "again", "auto") == "hf-dataset"
    same(smollm2, load_dump(tmp_path / "again"))
    ds = to_dataset(smollm2)
    assert ds.num_rows == smollm2.n_samples and ds[0]["prompt"] == smollm2["HumanEval/0"].prompt
    assert ds[1]["prompt"] is None  # a prompt is stored once per task
    same(smollm2, from_dataset(ds))
    shuffled = from_dataset(ds.shuffle(seed=0))  # rows in any order: problems in order of first appearance
    shuffled.tasks = {t: shuffled.tasks[t] for t in smollm2.tasks}
    same(smollm2, shuffled)


def test_datasets_made_elsewhere_and_their_errors(tmp_path):
    import datasets

    ds = datasets.Dataset.from_dict({"task_id": ["HumanEval/0", "HumanEval/0", "HumanEval/1"],
                                     "completion": ["a", "b", "c"], "passed": [True, False, None],
                                     "temperature": [0.8, 0.8, 0.8]})
    dump = from_dataset(ds)
    assert dump["HumanEval/0"].generations == ["a", "b"] and dump["HumanEval/0"].labels.tolist() == [1, 0]
    assert dump["HumanEval/1"].labels.tolist() == [-1] and dump["HumanEval/1"].fields == {"temperature": [0.8]}
    bad = datasets.Dataset.from_dict({"task_id": ["T", "T"], "sample_index": [0, 0], "generation": ["a", "b"]})
    with pytest.raises(DumpError, match="task T, sample 0: duplicate sample_index"):
        from_dataset(bad)
    bad = datasets.Dataset.from_dict({"task_id": ["T", "T"], "sample_index": [0, 2], "generation": ["a", "b"]})
    with pytest.raises(DumpError, match="task T, sample 2: sample_index values skip 1"):
        from_dataset(bad)
    bad = datasets.Dataset.from_dict({"task_id": ["T", "T"], "generation": ["a", "b"], "prompt": ["p", "q"]})
    with pytest.raises(DumpError, match="task T: two different prompts"):
        from_dataset(bad)
    with pytest.raises(DumpError, match="needs the columns task_id and generation"):
        from_dataset(datasets.Dataset.from_dict({"text": ["x"]}))
    with pytest.raises(DumpError, match="'label' holds 7, no label"):
        from_dataset(datasets.Dataset.from_dict({"task_id": ["T"], "generation": ["a"], "label": [7]}))
    with pytest.raises(DumpError, match="a DatasetDict with splits train: pass one split"):
        from_dataset(datasets.DatasetDict({"train": ds}))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DumpError, match="a directory holding nothing"):
        load_dump(tmp_path / "empty")
    (tmp_path / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DumpError, match="not a readable parquet file"):
        load_dump(tmp_path / "x.parquet")


def test_commands_take_parquet_and_dataset_directories(tmp_path, smollm2):
    from typer.testing import CliRunner

    from rankkit.cli import app

    write_parquet(smollm2, tmp_path / "d.parquet")
    r = CliRunner().invoke(app, ["rank-score", str(tmp_path / "d.parquet"), "--ranker", "length", "--k", "1,5",
                                 "--no-score-cache", "--quiet", "--bootstrap", "20"])
    assert r.exit_code == 0, r.output
    assert "rank-score@k" in r.output and "length" in r.output
    r = CliRunner().invoke(app, ["convert", str(tmp_path / "d.parquet"), "--to", "hf-dataset", "-o", str(tmp_path / "ds")])
    assert r.exit_code == 0, r.output
    same(smollm2, load_dump(tmp_path / "ds"))
    assert json.loads((tmp_path / "ds" / "state.json").read_text())["_data_files"]
    assert np.all(load_dump(tmp_path / "ds")["HumanEval/1"].labels == smollm2["HumanEval/1"].labels)
