"""Chapters that authors write: MyST directives and roles that quote the corpus without code.

A Sphinx extension (listed in ``_config.yml``). In a Markdown chapter an author writes:

````md
```{citation} plan-actions-2022
La coopération entre collectivités […] au service des territoires
```

```{extraits} leviers/commande-publique
:filtre: genre=plan
:nombre: 5
```

Comme le dit un agent, {extrait}`c-3f2a9b`.

```{figure-atelier} plan-micmac
:alt: Les variables placées selon leur influence et leur dépendance indirectes
Le plan des influences indirectes : les variables déterminantes en haut à gauche.
```

```{tableau-atelier} soufflerie
```

Les politiques locales d’ESS ont vingt ans {cite:p}`rtes2022plan`.
````

- ``citation``: a passage of a document, found by its words (white space and Markdown bold
  ignored, « […] » leaves words out), so that it survives a new version of the document;
- ``extraits``: the coded extracts of a code and its sub-codes, optionally filtered by document
  attributes (``:filtre: genre=plan; year=2022``), at most ``:nombre:`` (default 10);
- ``extrait`` (role): one coding's extract, by its coding id;
- ``figure-atelier`` and ``tableau-atelier``: a figure or a table of an analysis
  (:data:`FIGURES`, :data:`TABLES`), with a caption and a text alternative for a figure;
- references: sphinxcontrib-bibtex's ``{cite:p}`` and ``{cite:t}`` roles, on
  ``corpus/literature/references.bib``.

Every quotation goes through :class:`~analysis.publication.quotations.Quoter`: documents that may
not be published (private, consent internal or withdrawn) are refused, protected persons are
pseudonymised, e-mail addresses and phone numbers masked; its provenance links to the passage in
the documents annex. Text becomes docutils text nodes, escaped by every writer. A passage that no
longer matches, an unknown code, coding, figure or document, a private document: the build fails
with the chapter, the line and what is wrong, in French. Each chapter depends on the corpus files
it quoted (``env.note_dependency``): it is read again when they change.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pandas as pd
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective, SphinxRole

from ..corpus.store import Corpus
from ..themes.figures import dendrogram_figure, theme_genre_heatmap, theme_year_heatmap
from ..errors import AtelierError
from .contributors import chapter_authors, credits_line
from .quotations import Quoter, find_passage, passage_anchor

FIGURE_FOLDER = "atelier-figures"


class corpus_link(nodes.Inline, nodes.TextElement):
    """A link to a paragraph of the documents annex, resolved for each builder's file names."""


def _exercise():
    from ..prospective.exercise import Exercise
    from .book_inputs import scenarios_root
    return Exercise.open(scenarios_root() / "avenir-politiques-locales-ess")


def _plane_figure():
    from ..prospective.micmac import plane, validate_influence
    from .tables import influence_plane_figure
    exercise = _exercise()
    matrix = validate_influence(exercise.influence(), list(exercise.variables()["code"]))
    return influence_plane_figure(plane(matrix)), [exercise.folder]


def _genre_year_figure():
    from .tables import genre_year_figure
    corpus = Corpus.open()
    inventory = corpus.inventory()
    return genre_year_figure(inventory[inventory["publishable"]]), [corpus.documents_csv]


def _themes_figure(draw):
    def figure():
        from .theme_tables import book_themes
        corpus = Corpus.open()
        return draw(book_themes(corpus)), [corpus.documents_csv]
    return figure


def _windtunnel_table():
    from .tables import windtunnel_table
    exercise = _exercise()
    return windtunnel_table(exercise.windtunnel()), [exercise.folder]


def _scenarios_table():
    exercise = _exercise()
    named = exercise.named_scenarios()
    return named[["name", "storyline"]].rename(columns={"name": "Scénario", "storyline": "Récit"}), [exercise.folder]


#: name → function returning (matplotlib figure, files it read)
FIGURES: dict[str, Callable] = {"plan-micmac": _plane_figure, "genres-annees": _genre_year_figure,
                                "arbre-classes": _themes_figure(dendrogram_figure),
                                "classes-annees": _themes_figure(theme_year_heatmap),
                                "classes-genres": _themes_figure(theme_genre_heatmap)}
#: name → function returning (DataFrame, files it read)
TABLES: dict[str, Callable] = {"soufflerie": _windtunnel_table, "scenarios": _scenarios_table}


_quoters: dict[tuple[str, int], Quoter] = {}


def _quoter() -> Quoter:
    """One quoter per state of the corpus (it is read once per build), kept out of Sphinx's
    environment, which is pickled between builds."""
    corpus = Corpus.open()
    stamp = (str(corpus.root), corpus.documents_csv.stat().st_mtime_ns if corpus.documents_csv.exists() else 0)
    if stamp not in _quoters:
        _quoters.clear()
        _quoters[stamp] = Quoter(corpus)
    return _quoters[stamp]


class _CorpusMixin:
    """What the directives and the role share: the quoter, failing clearly, quoting."""

    def fail(self, message: str):
        docname, line = self.env.docname, self.lineno
        path = self.env.doc2path(docname, False)
        raise ExtensionError(f"{path}, ligne {line} : {message}")

    def analysis(self, registry: dict[str, Callable], unknown: str):
        """The result of the analysis the directive names, the files it read noted as dependencies;
        ``unknown`` says, in French, that the name is not in ``registry``."""
        name = self.arguments[0]
        if name not in registry:
            self.fail(f"{unknown} : « {name} » (choix : {', '.join(registry)})")
        try:
            result, reads = registry[name]()
        except AtelierError as problem:
            self.fail(str(problem))
        for path in reads:
            self.env.note_dependency(str(path))
        return result

    def quoter(self) -> Quoter:
        quoter = _quoter()
        self.env.note_dependency(str(quoter.corpus.documents_csv))
        return quoter

    def quotation(self, quoter: Quoter, doc_id: str, start: int, end: int) -> list[nodes.Node]:
        """The quoted words, then « — title (doc_id), caractères start–end » linked to the annex."""
        try:
            quoter.check_quotable(doc_id)
        except AtelierError as problem:
            self.fail(str(problem))
        self.env.note_dependency(str(quoter.corpus.text_path(doc_id)))
        link = corpus_link("", "", nodes.Text(quoter.title(doc_id)), nodes.Text(f" ({doc_id}), caractères {start}–{end}"),
                           anchor=passage_anchor(doc_id, start, quoter.text(doc_id)))
        return [nodes.inline("", f"« {quoter.quoted_text(doc_id, start, end)} »", classes=["corpus-quote"]),
                nodes.Text(" — "), link]


class CitationDirective(_CorpusMixin, SphinxDirective):
    """```{citation} doc_id`` with the quoted words as content."""

    required_arguments = 1
    has_content = True

    def run(self):
        doc_id = self.arguments[0]
        quoter = self.quoter()
        words = "\n".join(self.content).strip()
        if not words:
            self.fail(f"citation de « {doc_id} » sans texte : écrivez les mots cités dans le bloc")
        try:
            quoter.check_quotable(doc_id)
        except AtelierError as problem:
            self.fail(str(problem))
        found = find_passage(quoter.text(doc_id), words)
        if found is None:
            self.fail(f"passage introuvable dans « {doc_id} » : « {words[:80]} » (le document a-t-il changé ?)")
        return [nodes.block_quote("", nodes.paragraph("", "", *self.quotation(quoter, doc_id, *found)),
                                  classes=["corpus-citation"])]


def _filters(text: str) -> dict[str, str]:
    pairs = [part.split("=", 1) for part in (text or "").split(";") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(text)
    return {key.strip(): value.strip() for key, value in pairs}


class ExtractsDirective(_CorpusMixin, SphinxDirective):
    """```{extraits} code/path`` with ``:filtre: attribut=valeur; …`` and ``:nombre: N``."""

    required_arguments = 1
    option_spec = {"filtre": directives.unchanged, "nombre": directives.positive_int}

    def run(self):
        from ..coding.codebook import load_codebook
        from ..coding.queries import current_codings, select_code

        code = self.arguments[0]
        quoter = self.quoter()
        corpus = quoter.corpus
        self.env.note_dependency(str(corpus.codebook_path))
        codebook = load_codebook(corpus.codebook_path)
        if code not in set(codebook["path"]):
            self.fail(f"code « {code} » absent du livre de codes (corpus/codebook.yaml)")
        try:
            filters = _filters(self.options.get("filtre", ""))
        except ValueError:
            self.fail(f"filtre « {self.options['filtre']} » : attendu attribut=valeur, séparés par « ; »")
        documents = corpus.documents()
        unknown = [key for key in filters if key not in documents.columns]
        if unknown:
            self.fail(f"attribut « {unknown[0]} » inconnu (attributs : {', '.join(documents.columns)})")
        for path in sorted((corpus.root / "codings").glob("*")):
            self.env.note_dependency(str(path))
        codings = select_code(current_codings(corpus), code)
        chosen = documents
        for key, value in filters.items():
            chosen = chosen[chosen[key].astype(str) == value]
        public = [doc_id for doc_id in chosen["doc_id"] if quoter.is_public(doc_id)]
        codings = codings[codings["doc_id"].isin(public)].drop_duplicates(["doc_id", "start", "end"])
        codings = codings.head(self.options.get("nombre", 10))
        label = dict(zip(codebook["path"], codebook["label"]))[code]
        if codings.empty:
            return [nodes.paragraph("", f"Aucun extrait public n’est encore codé « {label} »"
                                        + (" pour ces documents." if filters else "."), classes=["corpus-empty"])]
        items = [nodes.list_item("", nodes.paragraph("", "", *self.quotation(quoter, row.doc_id, int(row.start), int(row.end))))
                 for row in codings.itertuples()]
        return [nodes.bullet_list("", *items, classes=["corpus-extracts"])]


class ExtractRole(_CorpusMixin, SphinxRole):
    """{extrait}`coding-id`: one coding's extract, inline."""

    def run(self):
        from ..coding.queries import current_codings

        quoter = self.quoter()
        for path in sorted((quoter.corpus.root / "codings").glob("*")):
            self.env.note_dependency(str(path))
        codings = current_codings(quoter.corpus)
        found = codings[codings["coding_id"] == self.text.strip()]
        if found.empty:
            self.fail(f"codage « {self.text.strip()} » introuvable (supprimé, ou son passage a disparu du document)")
        row = found.iloc[0]
        return self.quotation(quoter, row["doc_id"], int(row["start"]), int(row["end"])), []


class AnalysisFigureDirective(_CorpusMixin, SphinxDirective):
    """```{figure-atelier} name`` with ``:alt:`` (required) and the caption as content."""

    required_arguments = 1
    has_content = True
    option_spec = {"alt": directives.unchanged_required}

    def run(self):
        name = self.arguments[0]
        if not self.options.get("alt", "").strip():
            self.fail(f"figure « {name} » sans texte alternatif : ajoutez « :alt: » (ce que la figure montre, en une phrase)")
        caption = " ".join(self.content).strip()
        if not caption:
            self.fail(f"figure « {name} » sans légende : écrivez-la dans le bloc")
        figure = self.analysis(FIGURES, "figure inconnue")
        folder = Path(self.env.app.doctreedir).parent / FIGURE_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        image_path = folder / f"{name}.png"
        figure.savefig(image_path, dpi=150)
        # Sphinx reads "/path" from the source folder, also when the build folder lies outside it (as MyST-NB does)
        uri = "/" + os.path.relpath(image_path, self.env.srcdir).replace(os.sep, "/")
        image = nodes.image(uri=uri, alt=self.options["alt"].strip())
        node = nodes.figure("", image, nodes.caption("", caption), classes=["atelier-figure"])
        self.set_source_info(node)
        # an id gives the figure its number (numfig), as a named MyST figure has
        node["ids"].append(nodes.make_id(f"figure-{name}-{self.env.new_serialno('atelier-figure')}"))
        return [node]


class AnalysisTableDirective(_CorpusMixin, SphinxDirective):
    """```{tableau-atelier} name``: a table of an analysis, as a docutils table."""

    required_arguments = 1
    has_content = True

    def run(self):
        return [_docutils_table(self.analysis(TABLES, "tableau inconnu"), " ".join(self.content).strip())]


def _docutils_table(frame: pd.DataFrame, caption: str) -> nodes.table:
    group = nodes.tgroup(cols=len(frame.columns))
    group += [nodes.colspec(colwidth=1) for _ in frame.columns]

    def row(values) -> nodes.row:
        return nodes.row("", *(nodes.entry("", nodes.paragraph("", "" if pd.isna(v) else str(v))) for v in values))

    group += nodes.thead("", row(frame.columns))
    group += nodes.tbody("", *(row(values) for values in frame.itertuples(index=False)))
    table = nodes.table("", classes=["atelier-table"])
    if caption:
        table += nodes.title("", caption)
    table += group
    return table


def show_authors(app, doctree) -> None:
    """« Par … » under the title of a chapter whose front matter names its authors (``auteurs``)."""
    path = Path(app.env.doc2path(app.env.docname))
    if path.suffix != ".md":
        return
    try:
        authors = chapter_authors(path)
    except AtelierError as problem:
        raise ExtensionError(str(problem)) from None
    section = next(iter(doctree.findall(nodes.section)), None)
    if authors and section is not None and isinstance(section[0], nodes.title):
        section.insert(1, nodes.paragraph("", f"Par {credits_line(authors)}", classes=["chapter-authors"]))


def resolve_corpus_links(app, doctree, docname: str) -> None:
    for node in list(doctree.findall(corpus_link)):
        uri = app.builder.get_relative_uri(docname, app.config.atelier_documents_doc) + "#" + node["anchor"]
        node.replace_self(nodes.reference("", "", *node.children, refuri=uri, classes=["provenance"]))


def setup(app):
    app.add_config_value("atelier_documents_doc", "book/documents", "env")  # the documents annex
    app.add_node(corpus_link)
    app.add_directive("citation", CitationDirective)
    app.add_directive("extraits", ExtractsDirective)
    app.add_role("extrait", ExtractRole())
    app.add_directive("figure-atelier", AnalysisFigureDirective)
    app.add_directive("tableau-atelier", AnalysisTableDirective)
    app.connect("doctree-read", show_authors)
    app.connect("doctree-resolved", resolve_corpus_links)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
