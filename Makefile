# Two commands do all set-up on a fresh machine with Python 3.11:
#   make assessment   build .venv if needed, run the full assessment on the bundled data -> reports/
#   make test         build .venv if needed, run the tests
PYTHON ?= python3
VENV_PY := .venv/bin/python
CONFIG ?= data/config/milton_keynes.yaml
YEAR ?= latest

.PHONY: env assessment test lab bench clean-cache

env:
	$(PYTHON) tools/make_env.py

assessment: env
	$(VENV_PY) -m safermk_analysis run --config $(CONFIG) --year $(YEAR) --out reports

test: env
	$(VENV_PY) -m pytest -q

lab: env
	.venv/bin/jupyter lab notebooks/

bench: env
	$(VENV_PY) benchmarks/bench_ingest.py
	$(VENV_PY) benchmarks/bench_hotspots.py
	$(VENV_PY) benchmarks/bench_batch.py

clean-cache:
	rm -rf $${SAFERMK_CACHE:-$$HOME/.cache/safermk_analysis}
