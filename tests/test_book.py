"""The book builds offline with Jupyter Book 1, executes its notebooks, and hides private documents."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis import Corpus
from conftest import REPO, SEED_CORPUS, build_book, copy_seed_corpus


@pytest.fixture(scope="module")
def built_book(seed_book) -> Path:
    return seed_book


def test_book_shows_the_public_inventory_and_its_figure(built_book):
    page = (built_book / "book" / "corpus.html").read_text(encoding="utf-8")
    assert 'lang="fr"' in (built_book / "book" / "intro.html").read_text(encoding="utf-8")
    assert "12 documents" in page
    assert "Rapport d'activité 2024 du RTES" in html.unescape(page)
    images = re.findall(r'<img [^>]*src="\.\./(_images/[0-9a-f]+\.png)"', page)
    assert len(images) == 1 and (built_book / images[0]).stat().st_size > 10_000


def test_book_never_names_private_documents(built_book):
    documents = Corpus.open(SEED_CORPUS).documents()
    private_titles = list(documents[documents["private"] == "true"]["title"])
    assert len(private_titles) == 2
    text = html.unescape("\n".join(p.read_text(encoding="utf-8") for p in built_book.rglob("*.html")))
    for title in private_titles:
        assert title not in text
        assert title[:40] not in text


def test_scenarios_chapter_says_its_values_are_illustrative(built_book):
    page = html.unescape((built_book / "book" / "scenarios.html").read_text(encoding="utf-8"))
    assert "illustratives" in page and "Politique nationale de l’ESS" in page
    assert "Score d’impact total" in page
    levers = html.unescape((built_book / "book" / "levers.html").read_text(encoding="utf-8"))
    assert "Transition coopérative" in levers and "nouvelle stratégie" in levers and "illustratif" in levers
    assert re.search(r'<img [^>]*src="\.\./_images/[0-9a-f]+\.png"', page)


def test_codebook_annex_lists_every_code(built_book):
    import yaml

    page = html.unescape((built_book / "book" / "codebook.html").read_text(encoding="utf-8"))
    codes = yaml.safe_load((REPO / "corpus" / "codebook.yaml").read_text(encoding="utf-8"))["codes"]
    assert all(code["path"] in page for code in codes)


def test_built_book_passes_the_privacy_gate(built_book):
    from analysis.publication.privacy import KIND_TITLE, check_build, forbidden_strings

    corpus = Corpus.open(SEED_CORPUS)
    assert forbidden_strings(corpus)[KIND_TITLE], "the seed corpus has private documents to look for"
    assert check_build(built_book, corpus).empty


def test_literature_chapter_cites_the_works_the_corpus_names(built_book):
    page = html.unescape((built_book / "book" / "literature.html").read_text(encoding="utf-8"))
    assert "Jean-Louis Laville et Laurent Fraisse" in page and "20 ans de politiques publiques ESS" in page
    assert page.count('class="citation"') == 0 or "Bibliographie" in page
    assert " and " not in page.split("Bibliographie", 1)[1].split("Précédent", 1)[0]
    assert "Aucune des 5 références n’est encore examinée : le flux PRISMA" in page, "no empty PRISMA flow"
    assert not re.search(r'<img [^>]*src="\.\./_images/[0-9a-f]+\.png"', page)


def test_every_figure_has_a_number_a_caption_and_a_text_alternative(built_book):
    images = []
    for page in sorted((built_book / "book").glob("*.html")):
        for image in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("article img"):
            images.append(page.name)
            figure = image.find_parent("figure")
            assert figure is not None and figure.find("figcaption"), f"{page.name} : {image['src']} sans légende"
            assert re.match(r"Figure \d+", figure.find("figcaption").get_text(" ", strip=True)), page.name
            alt = image.get("alt", "")
            assert len(alt) > 30 and not alt.endswith((".png", ".svg")), f"{page.name} : texte alternatif « {alt} »"
    assert {"corpus.html", "scenarios.html", "themes.html", "timeline.html", "guide-auteurs.html"} <= set(images)


def test_timeline_chapter_quotes_with_provenance(built_book):
    page = (built_book / "book" / "timeline.html").read_text(encoding="utf-8")
    assert "Vingt ans d’action" in html.unescape(page) or "Vingt ans d&#8217;action" in page
    assert "rtes-plan-actions-2022" in page and "caractères" in html.unescape(page)
    assert re.search(r'<img [^>]*src="\.\./_images/[0-9a-f]+\.png"', page)


QUOTATION = re.compile(
    r'<q class="corpus-quote">(?P<quote>.*?)</q> — <a class="provenance" href="documents\.html#(?P<anchor>[^"]+)">'
    r".*?<code>(?P<doc_id>[^<]+)</code>\), caractères (?P<start>\d+)–(?P<end>\d+)</a>", re.S)


def test_every_quotation_is_the_corpus_text_and_links_to_its_paragraph(built_book):
    from analysis.publication.privacy import mask_personal_data
    from analysis.publication.quotations import paragraph_anchor

    corpus = Corpus.open(SEED_CORPUS)
    annex = (built_book / "book" / "documents.html").read_text(encoding="utf-8")
    anchors = {paragraph["id"] for paragraph in BeautifulSoup(annex, "html.parser").select("p.corpus-paragraph[id]")}
    quoted_pages = set()
    for page in (built_book / "book").glob("*.html"):
        for match in QUOTATION.finditer(page.read_text(encoding="utf-8")):
            quoted_pages.add(page.stem)
            doc_id, start, end = html.unescape(match["doc_id"]), int(match["start"]), int(match["end"])
            assert match["anchor"] in anchors, match["anchor"]
            paragraph = int(match["anchor"].rsplit("-", 1)[1])
            assert match["anchor"] == paragraph_anchor(doc_id, paragraph) and paragraph <= start
            shown = " ".join(html.unescape(match["quote"]).replace("**", "").split())
            assert shown == " ".join(mask_personal_data(corpus.text(doc_id)[start:end]).replace("**", "").split())
    assert quoted_pages >= {"timeline", "coding", "themes"}


def test_documents_annex_shows_every_public_text_and_no_private_one(built_book):
    annex = html.unescape((built_book / "book" / "documents.html").read_text(encoding="utf-8"))
    documents = Corpus.open(SEED_CORPUS).documents()
    for row in documents.itertuples():
        assert (f'id="doc-{row.doc_id}"' in annex) == (row.private != "true")
    assert "Fiche action n°6 SCIC" in annex
    shown = BeautifulSoup(annex, "html.parser").find("article").get_text(" ")
    assert "**" not in shown and "fleche 2 avant" not in shown, "no Markdown or web-page debris"


def test_every_figure_of_every_page_exists(built_book):
    figures = {}
    for page in built_book.rglob("*.html"):
        for source in re.findall(r'<img [^>]*src="([^"]+)"', page.read_text(encoding="utf-8")):
            image = (page.parent / source).resolve()
            assert image.is_file() and image.stat().st_size > 1_000, f"{page.name}: {source}"
            figures[page.stem] = figures.get(page.stem, 0) + 1
    expected = {"corpus": 1, "timeline": 1, "themes": 3, "scenarios": 1, "guide-auteurs": 1}  # no PRISMA before screening
    assert all(figures.get(chapter, 0) >= count for chapter, count in expected.items()), figures


def test_every_chapter_of_the_toc_is_built(built_book):
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    for entry in [toc["root"]] + [chapter["file"] for chapter in toc["chapters"]]:
        assert (built_book / f"{entry}.html").exists(), entry


@pytest.fixture(scope="module")
def planted_book(tmp_path_factory):
    """The book built on a copy of the corpus with a private document, an e-mail, a phone and a name planted."""
    from analysis.corpus.ingest import IngestOptions, ingest

    root = tmp_path_factory.mktemp("planted")
    corpus_dir = root / "corpus"
    copy_seed_corpus(corpus_dir)
    corpus = Corpus.open(corpus_dir)
    (root / "note-confidentielle.txt").write_text(
        "Note confidentielle sur le budget de la métropole\n\n"
        "Le 12 mars 2023, le bureau a décidé en secret de réduire de moitié les subventions aux associations.\n",
        encoding="utf-8")
    (root / "compte-rendu-public.txt").write_text(
        "Compte rendu du séminaire\n\nLe 5 avril 2023, le séminaire a réuni les élus (contact : "
        "jeanne.martin@example.org, tél. 06 12 34 56 78).\n", encoding="utf-8")
    (root / "entretien-elue-b.txt").write_text(
        "[00:00:05] CHERCHEUSE : Quand la SCIC est-elle née ?\n\n"
        "[00:00:09] JEANNE MARTIN : Le 3 mai 2022, nous avons lancé la SCIC avec la commune.\n\n"
        "[00:00:20] CHERCHEUSE : Merci.\n", encoding="utf-8")
    (root / "page-piegee.html").write_text(
        "<html><head><title>Page piégée</title><script>document.title = 'injecté'</script></head><body>"
        "<h1>Page piégée</h1><p>Le 7 juin 2023, ce texte montre &lt;script&gt;alert('injecté')&lt;/script&gt; "
        "et &lt;img src=x onerror=alert(2)&gt; sans les exécuter.</p></body></html>", encoding="utf-8")
    report = ingest(corpus, [
        (root / "page-piegee.html", IngestOptions()),
        (root / "note-confidentielle.txt", IngestOptions(private=True)),
        (root / "compte-rendu-public.txt", IngestOptions()),
        (root / "entretien-elue-b.txt", IngestOptions(attrs={"private": "false", "pseudonym": "Élue B"})),
    ], progress=False)
    assert report.ok, report.failed
    return build_book(root / "out", corpus_dir), corpus


def test_planted_private_data_never_reach_the_book(planted_book):
    from analysis.publication.privacy import check_build

    built, corpus = planted_book
    assert check_build(built, corpus).empty
    text = html.unescape((built / "book" / "timeline.html").read_text(encoding="utf-8"))
    assert "[courriel masqué]" in text and "[téléphone masqué]" in text
    assert "Élue B" in text and "JEANNE MARTIN" not in text.upper().replace("JEANNE MARTIN@", "")
    assert "réduire de moitié" not in text
    annex = html.unescape((built / "book" / "documents.html").read_text(encoding="utf-8"))
    assert "[courriel masqué]" in annex and "Élue B" in annex and "Compte rendu du séminaire" in annex
    assert "réduire de moitié" not in annex and "Note confidentielle" not in annex
    for page in ("documents", "timeline"):
        markup = (built / "book" / f"{page}.html").read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(&#39;injecté&#39;)&lt;/script&gt;" in markup, page
        assert "<script>alert" not in markup and "<img src=x" not in markup and "injecté'</script>" not in markup


def test_screenshots_of_the_book(built_book):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian chromium absent : `make test` l’installe")
    from playwright.sync_api import sync_playwright

    artifacts = REPO / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for name, path in (("accueil", "book/intro.html"), ("corpus", "book/corpus.html"), ("scenarios", "book/scenarios.html")):
            page.goto((built_book / path).as_uri())
            page.wait_for_load_state("load")
            assert page.locator("h1:visible").count() >= 1
            page.screenshot(path=artifacts / f"livre-{name}.png", full_page=False)
            assert (artifacts / f"livre-{name}.png").stat().st_size > 20_000
        page.goto((built_book / "book" / "coding.html").as_uri())
        page.locator("a.provenance").first.click()
        page.wait_for_load_state("load")
        assert "documents.html#t-" in page.url
        target = page.locator(".corpus-paragraph:target")
        assert target.count() == 1 and target.is_visible()
        box = target.bounding_box()
        assert 0 <= box["y"] < 1000, "the quoted paragraph is scrolled into view"
        page.screenshot(path=artifacts / "livre-citation-dans-le-corpus.png")
        browser.close()


def test_every_page_says_it_is_a_working_edition_and_the_home_page_the_state_of_the_research(built_book):
    """No edition is declared in the repository: every page says so; the home page says what is done."""
    for page in ["book/intro.html", "book/corpus.html", "book/contributors.html"]:
        text = html.unescape((built_book / page).read_text(encoding="utf-8"))
        assert "Édition de travail" in text, page
    intro = html.unescape((built_book / "book" / "intro.html").read_text(encoding="utf-8"))
    assert "12 documents, dont 10 publics" in intro and "aucun codage pour l’instant" in intro
    assert "aucune des 5 références n’est encore examinée" in intro and "aucun tour clos" in intro
