# The two Quick-start commands: `make run` (the pipeline) and `make test` (the whole suite).
# Both create .venv at the repo root and install the project with all extras first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APPS_PORT ?= 8866

.PHONY: install run smoke test lint format apps clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[all]"
	$(BIN)/python -m pip check
	touch $(STAMP)

run: install
	$(BIN)/dtwin run --profile full

smoke: install
	$(BIN)/dtwin run --profile smoke

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Served from apps/ so that Voila reads apps/voila.json, as a plain `cd apps && voila` does: closing
# a page frees its kernel, idle kernels are culled after 5 min, uploads up to 100 MiB, no
# tracebacks, 127.0.0.1 only. APPS_POOL: preheated kernels per app (Voila pools each notebook, so
# 5 apps x APPS_POOL kernels stay idle). Five visitors opening factory_floor at once on this 2-core
# box (benchmarks/apps.py --measure pool; load average 5-12 from other work), s to a full render:
#   pool 1: 44, 44, 44, 45, 51 - 1.6 GB idle    pool 2: 24, 24, 45, 45, 48 - 3.3 GB idle
#   pool 3: 15, 15, 15, 40, 43 - 4.9 GB idle    (kernel memory; the inspector's PyTorch dominates)
# Pool 3 served the median visitor 3x sooner for 1.6 GB per step; more cores help more than more
# pool once visitors outnumber it. Override on a smaller machine: make apps APPS_POOL=1.
APPS_POOL ?= 3
apps: install
	cd apps && $(abspath $(BIN))/voila --no-browser --port=$(APPS_PORT) \
		--VoilaConfiguration.default_pool_size=$(APPS_POOL)

clean:
	rm -rf $(VENV) runs test-artifacts .pytest_cache .ruff_cache
