# Two commands set everything up on a fresh machine: `make run` and `make test`.
# `make run PORT=8080` serves on another port (or set IITKB_PORT).
PYTHON ?= python3.11
PORT   ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install system-deps run ingest test test-slow reliability eval bench clean

$(STAMP): pyproject.toml
	@echo "==> [1/3] virtual environment in $(VENV)"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	@echo "==> [2/3] torch (CPU wheel; the largest download, a minute or two)"
	$(BIN)/python -m pip install --progress-bar on torch==2.13.0
	@echo "==> [3/3] iitkb and its dependencies"
	$(BIN)/python -m pip install --progress-bar on -e '.[test]'
	@echo "==> installed: run 'source $(VENV)/bin/activate' to put iitkb on PATH (or call $(BIN)/iitkb)"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Debian packages the tests use: a CJK font for test PDFs, chromium for browser tests,
# LibreOffice (headless Writer) to render questionnaire drafts.
system-deps:
	@if [ ! -d /usr/share/fonts/opentype/noto ] || ! command -v chromium >/dev/null || ! command -v soffice >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq fonts-noto-cjk chromium libreoffice-writer-nogui >/dev/null; \
	  else echo "note: install fonts-noto-cjk, chromium and libreoffice-writer-nogui (apt-get) to run every test"; fi; fi

ingest: install
	$(BIN)/iitkb ingest corpus/

run: ingest
	$(BIN)/iitkb serve $(if $(PORT),--port $(PORT))

test: install system-deps
	$(BIN)/python -m pytest -q

test-slow: install system-deps
	$(BIN)/python -m pytest -q -m slow

# Faults, hostile input, leaks across doors, load and the audit trail, slow tests included; prints
# the README's reliability figures (evals/reliability.py) and writes reports/reliability/.
reliability: install system-deps
	$(BIN)/python -m evals.reliability

eval: ingest
	$(BIN)/iitkb eval --split test --report reports/eval

bench: install
	$(BIN)/iitkb bench --report reports/bench

clean:
	rm -rf data .pytest_cache
