# Two entry points for people (README): `make demo` and `make test`. Both set up .venv first.
# `make docs` serves the documentation site; `make docs-build` and `make package-check` are
# parts of `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
# mkdocs-material's banner about its successor, printed on every build
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup demo test lint chromium docs docs-build package-check

$(STAMP): pyproject.toml package.json package-lock.json
	python3 -m venv $(VENV)
	# the CPU build of torch first: a bare `torch` requirement would pull a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	npm ci --no-audit --no-fund
	$(PY) -m pip install -q -e ".[test,demo,docs]"
	touch $@

setup: $(STAMP)

# Jupyter refuses to run as root unless told to (containers, CI machines)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

demo: setup
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks \
	  --LabApp.default_url=/lab/tree/quickstart.ipynb $(ALLOW_ROOT)

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy  # strict on the public API; settings in pyproject.toml
	npm run typecheck
	npm run lint

# the site, built offline with every warning an error (broken links, anchors, references)
docs-build: setup
	$(VENV)/bin/mkdocs build --strict

docs: setup
	$(VENV)/bin/mkdocs serve

# the sdist and wheel built and checked, the wheel used in a fresh venv without node (~3 min)
package-check: setup
	$(PY) bench/bench_package.py

test: setup chromium lint docs-build
	npm test
	$(PY) -m pytest
	$(MAKE) package-check
