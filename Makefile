# The two commands a new user types: `make run` and `make test`. Both set everything up first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.bootstrapped
DEMO   := $(VENV)/demo-archive.db

.PHONY: setup run test lint demo clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	bash scripts/bootstrap.sh
	touch $(STAMP)

setup: $(STAMP)

# Until the reader window exists (issue 5), `make run` builds the demo archive from
# resources/demo/ and opens the command line over it.
run: setup
	$(BIN)/python scripts/make_demo.py $(DEMO)
	$(BIN)/broadsheet --archive $(DEMO) list
	@echo
	$(BIN)/broadsheet --help
	@echo
	@echo "The demo archive is $(DEMO); try: $(BIN)/broadsheet --archive $(DEMO) show 1"

lint: setup
	$(BIN)/ruff check reader ui tests scripts main.py
	$(BIN)/mypy reader ui main.py
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
