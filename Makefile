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

apps: install
	$(BIN)/voila apps/ --no-browser --Voila.ip=127.0.0.1 --port=$(APPS_PORT) \
		--show_tracebacks=False \
		--preheat_kernel=True --VoilaConfiguration.default_pool_size=1 \
		--VoilaKernelManager.fill_delay=10 \
		--MappingKernelManager.cull_idle_timeout=300 --MappingKernelManager.cull_interval=30

clean:
	rm -rf $(VENV) runs test-artifacts .pytest_cache .ruff_cache
