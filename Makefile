# The two commands of the README: `make book` (main job on the corpus) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: book test corpus benchmark clean chromium

# .ci/constraints.txt pins every package, direct or not, to versions known to install offline here.
$(INSTALLED): .ci/constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint .ci/constraints.txt --editable ".[book,test]"
	touch $@

corpus: $(INSTALLED)
	$(BIN)/atelier ingest
	$(BIN)/atelier segments

book: corpus
	$(BIN)/jupyter-book build . --path-output . --warningiserror --keep-going
	$(BIN)/atelier privacy-check _build/html
	@echo "Livre construit : ouvrez $(CURDIR)/_build/html/index.html"

# Browser tests drive Debian's chromium (no browser download is possible here); the emoji font
# lets screenshots show what researchers see.
chromium:
	@(command -v chromium >/dev/null && dpkg -s fonts-noto-color-emoji >/dev/null 2>&1) || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null)

test: $(INSTALLED) chromium
	$(BIN)/python -m pytest

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/ingest_throughput.py
	$(BIN)/python benchmarks/codings_bench.py
	$(BIN)/python benchmarks/themes_bench.py
	$(BIN)/python benchmarks/cib_bench.py
	$(BIN)/python benchmarks/book_build.py

clean:
	rm -rf _build corpus/derived
