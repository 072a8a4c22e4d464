# Two commands on a fresh machine with only python3: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The dev environment, pinned with hashes: what CI installs, the same every day.
LOCK := requirements/dev.lock
UV_VERSION := 0.13.9
UV := $(BIN)/uv
# pyproject's [dev] extra (it pulls in [serve]) for every platform and Python >= 3.11.
LOCK_FLAGS := pyproject.toml --extra dev --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock (or make upgrade)' --quiet

.PHONY: demo test lint typecheck unit wheel-check lock lock-check upgrade bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# uv (pinned) writes the lock and builds the wheel; it is only a tool, not in the lock.
$(UV): $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# Exactly the locked versions, then the project itself (editable, no dependencies).
$(STAMP): $(BIN)/python $(LOCK) pyproject.toml
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After editing dependencies in pyproject.toml: resolve again, keeping locked versions.
lock: $(UV)
	$(UV) pip compile $(LOCK_FLAGS) -o $(LOCK)

# The newest versions pyproject.toml allows.
upgrade: $(UV)
	$(UV) pip compile $(LOCK_FLAGS) --upgrade -o $(LOCK)

# Fails when pyproject.toml asks for something the lock does not hold.
lock-check: $(UV)
	@cp $(LOCK) $(VENV)/lock-check.txt
	@$(UV) pip compile $(LOCK_FLAGS) -o $(VENV)/lock-check.txt
	@diff -u $(LOCK) $(VENV)/lock-check.txt || { echo "$(LOCK) is stale: run make lock" >&2; exit 1; }

demo: $(STAMP)
	$(BIN)/crownest-tui --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# The wheel and sdist built, the wheel installed in a clean venv outside the checkout,
# and `crownest-tui --demo` started from there until a run row is painted.
wheel-check: $(UV)
	$(BIN)/python tests/wheel_check.py --uv $(UV)

test: lint typecheck lock-check wheel-check unit

# Every bench script (each writes bench/out/NAME.json), then one table of all figures;
# fails when a script failed or missed a goal.
bench: $(STAMP)
	@rm -rf bench/out; status=0; \
	for script in bench/[!_]*.py; do echo "== $$script"; $(BIN)/python $$script || status=1; done; \
	echo "== figures"; $(BIN)/python bench/_report.py bench/[!_]*.py || status=1; exit $$status

screenshots: $(STAMP)
	$(BIN)/python -m tests.screenshots screenshots

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache dist
