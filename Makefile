# The two commands a new user types: `make run` and `make test`. Both set everything up first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.bootstrapped
DEMO   := $(VENV)/demo-archive.db

.PHONY: setup run test lint clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh
	touch $(STAMP)

setup: $(STAMP)

# Builds (or refreshes) the demo archive from resources/demo/ and opens the reader window on it.
run: setup
	$(BIN)/python scripts/make_demo.py $(DEMO)
	$(BIN)/python main.py --archive $(DEMO)

lint: setup
	$(BIN)/ruff check reader ui tests scripts main.py
	$(BIN)/mypy reader ui main.py scripts
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The benchmark (bench/): a quick 20,000-article run, and the full 1,000,000-article one.
# Both install newsboat (apt) when they can, for the side-by-side ingest figure, and time the
# issue's actions too (bench/actions.py: mark all read of a source, saved-search counts, the
# list with and without snippets); `python -m bench.actions ARCHIVE` repeats those alone on an
# archive a run kept with --work.
.PHONY: bench-quick bench bench-hostile
bench-quick: setup
	bash scripts/install_newsboat.sh
	$(BIN)/python -m bench --articles 20000

bench: setup
	bash scripts/install_newsboat.sh
	$(BIN)/python -m bench --articles 1000000

# What each hostile input of issue 17 costs: sync time and peak memory per hostile feed, and
# the reading pane's render time per hostile body (bench/hostile.py).
bench-hostile: setup
	$(BIN)/python -m bench.hostile
