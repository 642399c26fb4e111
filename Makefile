# The two commands of the README: `make book` (main job on the corpus) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: book pdf epub tex test corpus benchmark clean chromium ocr axe

# .ci/constraints.txt pins every package, direct or not, to versions known to install offline here.
$(INSTALLED): .ci/constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint .ci/constraints.txt --editable ".[book,test]"
	touch $@

corpus: $(INSTALLED) ocr
	$(BIN)/atelier ingest
	$(BIN)/atelier segments

book: corpus
	$(BIN)/jupyter-book build . --path-output . --warningiserror --keep-going
	$(BIN)/atelier privacy-check _build/html
	@echo "Livre construit : ouvrez $(CURDIR)/_build/html/index.html"

# The PDF of the book: Sphinx's LaTeX, then xelatex through latexmk, from Debian's TeX packages
# only (nothing is downloaded at build time); the privacy gate then reads the PDF's text.
TEX_PACKAGES := latexmk texlive-xetex texlive-latex-extra texlive-lang-french texlive-fonts-recommended fonts-freefont-otf

pdf: corpus tex
	$(BIN)/jupyter-book build . --builder pdflatex --path-output . --warningiserror --keep-going
	$(BIN)/atelier privacy-check --pdf _build/latex
	@echo "Livre PDF construit : $(CURDIR)/_build/latex/$$(cd _build/latex && ls -t *.pdf | head -n 1)"

# The EPUB of the book: Sphinx's own epub builder (EPUB 3, nothing to install); the privacy gate
# then reads every XHTML page inside it.
epub: corpus
	$(BIN)/jupyter-book build . --builder custom --custom-builder epub --path-output . --warningiserror --keep-going
	$(BIN)/atelier privacy-check --epub _build/epub
	@echo "Livre EPUB construit : $(CURDIR)/_build/epub/$$(cd _build/epub && ls -t *.epub | head -n 1)"

# About 460 MB and under a minute from Debian's mirror (measured on bookworm).
tex:
	@(command -v xelatex >/dev/null && command -v latexmk >/dev/null && \
	  dpkg -s $(TEX_PACKAGES) >/dev/null 2>&1) || \
	  (echo "TeX absent : installation des paquets Debian $(TEX_PACKAGES)" && \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null) || \
	  (echo "erreur : TeX n’a pas pu être installé ; en administrateur : apt-get install --no-install-recommends $(TEX_PACKAGES)" >&2; exit 1)

# OCR of scanned PDFs and images (Tesseract, French model) and the French dictionary the OCR-noise
# cleaning rules check words against (hunspell-fr); the DejaVu fonts draw the tests' scanned pages.
OCR_PACKAGES := tesseract-ocr tesseract-ocr-fra hunspell-fr fonts-dejavu-core

ocr:
	@(command -v tesseract >/dev/null && dpkg -s $(OCR_PACKAGES) >/dev/null 2>&1) || \
	  (echo "OCR absent : installation des paquets Debian $(OCR_PACKAGES)" && \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(OCR_PACKAGES) >/dev/null) || \
	  (echo "erreur : l’OCR n’a pas pu être installé ; en administrateur : apt-get install --no-install-recommends $(OCR_PACKAGES)" >&2; exit 1)

# Browser tests drive Debian's chromium (no browser download is possible here); the emoji font
# lets screenshots show what researchers see.
chromium:
	@(command -v chromium >/dev/null && dpkg -s fonts-noto-color-emoji >/dev/null 2>&1) || \
	  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null)

# The accessibility test runs axe-core (pinned) in chromium on every page of the book; npm puts it
# inside the virtual environment (git-ignored) when it is missing or not this version.
AXE_VERSION := 4.10.3
AXE_DIR := $(VENV)/axe
axe:
	@grep -qs '"version": "$(AXE_VERSION)"' $(AXE_DIR)/node_modules/axe-core/package.json || \
	  npm install --no-save --no-package-lock --no-audit --no-fund --silent --prefix $(AXE_DIR) axe-core@$(AXE_VERSION)

test: $(INSTALLED) chromium tex ocr axe
	$(BIN)/python -m pytest

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/ingest_throughput.py
	$(BIN)/python benchmarks/codings_bench.py
	$(BIN)/python benchmarks/themes_bench.py
	$(BIN)/python benchmarks/cib_bench.py
	$(BIN)/python benchmarks/book_build.py

clean:
	rm -rf _build corpus/derived
