# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install system-deps run ingest test test-slow eval bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
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
	$(BIN)/iitkb serve

test: install system-deps
	$(BIN)/python -m pytest -q

test-slow: install system-deps
	$(BIN)/python -m pytest -q -m slow

eval: ingest
	$(BIN)/iitkb eval --split test --report reports/eval

bench: install
	$(BIN)/iitkb bench --report reports/bench

clean:
	rm -rf data .pytest_cache
