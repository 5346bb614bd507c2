# MotCua Queue: `make demo` runs a whole simulated hall, `make test` runs every test.
# Both create the virtualenv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench i18n system-deps clean help

help:
	@echo "make demo   - run a whole simulated hall on this machine (Ctrl-C stops it)"
	@echo "make test   - lint and run the whole test suite"
	@echo "make bench  - measure performance and rewrite BENCHMARKS.md"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all]'
	@touch $(STAMP)

system-deps:
	@sh scripts/system-deps.sh

demo: system-deps $(STAMP)
	$(BIN)/python -m simulator demo

test: system-deps $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	@sh scripts/system-deps.sh bench
	$(BIN)/python -m benchmarks

i18n: $(STAMP)
	$(BIN)/python -m queue_server.web.i18n.compile

clean:
	rm -rf $(VENV) var demo-output .pytest_cache .ruff_cache
