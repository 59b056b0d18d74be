# trialscout: the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared/data
DEMO_DB ?= var/demo.db

.PHONY: venv run demo-cli test lint typecheck pytest bench bench-ingest bench-criteria bench-batch bench-scale eval-criteria eval-matching eval-trec clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Set up, load the bundled demo data into a local store, and serve it (prints the address).
run: $(STAMP)
	mkdir -p var
	$(BIN)/trialscout ingest --db $(DEMO_DB) --demo
	$(BIN)/trialscout serve --db $(DEMO_DB)

# The same demo in the terminal: a search and one trial page.
demo-cli: $(STAMP)
	mkdir -p var
	$(BIN)/trialscout ingest --db $(DEMO_DB) --demo
	$(BIN)/trialscout search "nasopharyngeal carcinoma" --status recruiting --db $(DEMO_DB) --limit 10
	$(BIN)/trialscout show NCT07332247 --db $(DEMO_DB)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

# Set up and run every check: lint, types, tests.
test: lint typecheck pytest

bench-ingest: $(STAMP)
	$(BIN)/python bench/bench_ingest.py --xml-zip $(SHARED)/ctgov/AllPublicXML-sample.zip --out bench/results

bench-criteria: $(STAMP)
	$(BIN)/python bench/bench_criteria.py --csv $(SHARED)/criteria/eligibility-texts.csv --out bench/results

# Batch matching on Dask: patient-trial evaluations per second with 1 and 2 local workers
# (demo records; see docs/deploy.md for a real cluster or PostgreSQL: add BATCH_ARGS).
bench-batch: $(STAMP)
	$(BIN)/python bench/bench_batch.py --workers 1 2 --copies 4 --out bench/results $(BATCH_ARGS)

eval-criteria: $(STAMP)
	@echo 'Development set (the first 49 trials and batches 2-3, which joined it in session 5):'
	$(BIN)/trialscout eval criteria --gold tests/fixtures/criteria_gold --gold tests/fixtures/criteria_gold_batch2 --gold tests/fixtures/criteria_gold_batch3 --corpus $(SHARED)/criteria/eligibility-texts.csv
	@echo 'Held-out set (frozen, never tuned on):'
	$(BIN)/trialscout eval criteria --gold tests/fixtures/criteria_gold_holdout
	@echo 'Batch 4 (blind, session 5; frozen, never tuned on):'
	$(BIN)/trialscout eval criteria --gold tests/fixtures/criteria_gold_batch4

# Criterion-level accuracy against expert labels (TrialGPT annotations), with the majority-class baseline.
eval-matching: $(STAMP)
	$(BIN)/trialscout eval criterion-labels $(SHARED)/benchmarks/criterion-annotations-dev.jsonl

# Patient -> trial ranking vs TREC CT 2021 / SIGIR 2016 judgments, beside a BM25 baseline (same trials, same run).
eval-trec: $(STAMP)
	mkdir -p var
	$(BIN)/trialscout eval trec --queries $(SHARED)/benchmarks/trec2021/queries.jsonl --qrels $(SHARED)/benchmarks/trec2021/qrels.tsv --corpus $(SHARED)/ctgov/AllPublicXML-sample.zip --db var/eval-trec.db --out bench/results/trec2021.json --per-topic
	$(BIN)/trialscout eval trec --queries $(SHARED)/benchmarks/sigir2016/queries.jsonl --qrels $(SHARED)/benchmarks/sigir2016/qrels.tsv --corpus $(SHARED)/ctgov/AllPublicXML-sample.zip --db var/eval-trec.db --out bench/results/sigir2016.json --per-topic

# Registry-scale benchmark of find (a benchmark, not a test; 500k takes long on 2 cores).
bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py --xml-zip $(SHARED)/ctgov/AllPublicXML-sample.zip --queries $(SHARED)/benchmarks/trec2021/queries.jsonl --sizes 10000 100000 500000 --out bench/results

bench: bench-ingest bench-criteria

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
