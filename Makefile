# The two Quick-start commands: `make run` (the pipeline) and `make test` (the whole suite).
# Both create .venv at the repo root and install the project with all extras first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APPS_PORT ?= 8866

.PHONY: install run smoke baseline chromium test lint format apps clean

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

# The shipped baseline of a profile (notebooks/baselines/$(PROFILE)/metrics.json), made by the
# pipeline itself; refresh it after any change of notebooks/pipeline.yaml or of a figure on
# purpose, and commit it with that change. The notebook tier of `make test` compares with it.
PROFILE ?= smoke
baseline: install
	$(BIN)/dtwin run --profile $(PROFILE) --write-baseline

# The browser tier needs Debian's chromium: installed as .ci/run does when we are root and have
# apt-get; otherwise a note here and a one-line failure of the browser tests saying what to do.
chromium:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update && apt-get install -y --no-install-recommends \
			chromium chromium-driver fonts-dejavu-core; \
	else \
		echo "note: no chromium and no root with apt-get to install it: the browser tier will" \
			"fail; install it with: sudo apt-get install -y chromium chromium-driver"; \
	fi

test: install chromium
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
	@echo "dtwin apps: http://127.0.0.1:$(APPS_PORT)/ opens the landing app apps/index.ipynb"
	cd apps && $(abspath $(BIN))/voila --no-browser --port=$(APPS_PORT) \
		--VoilaConfiguration.default_pool_size=$(APPS_POOL)

clean:
	rm -rf $(VENV) runs test-artifacts .pytest_cache .ruff_cache
