"""The EPUB of the book (``make epub``: Sphinx's epub builder) is a valid EPUB container holding
every chapter, and passes the privacy gate, which reads every XHTML page inside it."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

import pytest
import yaml
from lxml import etree

from analysis import Corpus
from analysis.cli.main import main
from analysis.errors import AtelierError
from conftest import REPO, SEED_CORPUS, build_book

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def built_epub(tmp_path_factory) -> Path:
    """The folder of the EPUB build (``_build/epub``), built once on the seed corpus."""
    return build_book(tmp_path_factory.mktemp("epub"), builder="epub")


@pytest.fixture(scope="module")
def epub(built_epub) -> Path:
    (found,) = built_epub.glob("*.epub")
    return found


def _chapters() -> list[str]:
    """The documents of ``_toc.yml`` in reading order: the root, then each chapter."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [chapter["file"] for chapter in toc["chapters"]]


def _package(archive: zipfile.ZipFile) -> tuple[str, etree._Element]:
    """The path of the OPF package document (from ``META-INF/container.xml``) and its tree."""
    container = etree.fromstring(archive.read("META-INF/container.xml"))
    rootfiles = container.findall(f"{CONTAINER}rootfiles/{CONTAINER}rootfile")
    assert len(rootfiles) == 1
    assert rootfiles[0].get("media-type") == "application/oebps-package+xml"
    path = rootfiles[0].get("full-path")
    return path, etree.fromstring(archive.read(path))


def test_the_epub_is_a_valid_container(epub):
    assert epub.name == "livre.epub"
    assert zipfile.is_zipfile(epub)
    with zipfile.ZipFile(epub) as archive:
        assert archive.testzip() is None
        first = archive.infolist()[0]
        # OCF: the first entry is « mimetype », stored uncompressed, without extra field.
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b""
        assert archive.read(first) == b"application/epub+zip"
        opf_path, package = _package(archive)
        assert opf_path.endswith(".opf") and opf_path in archive.namelist()
        # Every file the package declares is in the archive.
        base = posixpath.dirname(opf_path)
        for item in package.find(f"{OPF}manifest"):
            assert posixpath.join(base, item.get("href")) in archive.namelist(), item.get("href")


def test_the_spine_lists_every_chapter_in_order(epub):
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    with zipfile.ZipFile(epub) as archive:
        opf_path, package = _package(archive)
        manifest = {item.get("id"): item for item in package.find(f"{OPF}manifest")}
        spine = [manifest[ref.get("idref")] for ref in package.find(f"{OPF}spine")]
        for item in spine:
            assert item.get("media-type") == "application/xhtml+xml"
        base = posixpath.dirname(opf_path)
        hrefs = [posixpath.join(base, item.get("href")) for item in spine]
        chapters = [posixpath.join(base, f"{chapter}.xhtml") for chapter in _chapters()]
        assert [href for href in hrefs if href in chapters] == chapters
        metadata = package.find(f"{OPF}metadata")
        assert metadata.findtext(f"{DC}title") == config["title"]
        assert metadata.findtext(f"{DC}language") == "fr"
        # The table of contents of readers lists every chapter too, not only the introduction.
        nav = etree.fromstring(archive.read(posixpath.join(base, "nav.xhtml")))
        links = [posixpath.join(base, a.get("href").split("#")[0]) for a in nav.iter(f"{XHTML}a")]
        assert [link for link in links if link in chapters] == chapters


def test_the_chapters_are_in_the_epub(epub):
    from analysis.publication.book_text import visible_text

    with zipfile.ZipFile(epub) as archive:
        intro = visible_text(archive.read("book/intro.xhtml").decode("utf-8"))
        documents = visible_text(archive.read("book/documents.xhtml").decode("utf-8"))
        images = [name for name in archive.namelist() if name.endswith(".png") and "_static/" not in name]
    assert "d’ESS" in intro
    assert "rtes-plan-actions-2022" in documents
    assert len(images) >= 4  # the chapters' figures


def test_every_page_is_well_formed_xhtml(epub):
    with zipfile.ZipFile(epub) as archive:
        for name in archive.namelist():
            if name.endswith(".xhtml"):
                etree.fromstring(archive.read(name))


def test_the_epub_passes_the_privacy_gate(built_epub, epub, capsys):
    from analysis.publication.privacy import check_build

    assert check_build(None, Corpus.open(SEED_CORPUS), epub_path=epub).empty
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--epub", str(built_epub)]) == 0
    assert "livre.epub : aucune donnée privée trouvée" in capsys.readouterr().out


def _plant(source: Path, destination: Path, planted: dict[str, str]) -> Path:
    """A copy of the EPUB ``source`` where each XHTML page of ``planted`` gets a paragraph of text
    before ``</body>``; entries, order and compression kept."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(destination, "w") as copy:
        for info in original.infolist():
            data = original.read(info)
            if info.filename in planted:
                text = data.decode("utf-8")
                assert "</body>" in text
                data = text.replace("</body>", f"<p>{planted[info.filename]}</p></body>").encode("utf-8")
            copy.writestr(info, data)
    return destination


def test_the_privacy_gate_refuses_a_leak_in_the_epub(tmp_path, epub, capsys):
    from analysis.publication.privacy import KIND_EMAIL, KIND_TITLE, check_build, scan_build

    corpus = Corpus.open(SEED_CORPUS)
    documents = corpus.documents()
    private_title = documents[documents["private"] == "true"]["title"].iloc[0]
    email = "jeanne.martin@example.org"
    planted = _plant(epub, tmp_path / "livre.epub", {
        "book/intro.xhtml": f"Contact : {email}",
        "book/methods.xhtml": f"Voir « {private_title} ».",
    })

    findings = scan_build(None, corpus, epub_path=planted)
    found = set(zip(findings["file"], findings["kind"]))
    assert {("livre.epub (book/intro.xhtml)", KIND_EMAIL), ("livre.epub (book/methods.xhtml)", KIND_TITLE)} <= found
    # A long title is also a passage of its document; nothing is found in the pages left alone.
    assert {file for file, _ in found} == {"livre.epub (book/intro.xhtml)", "livre.epub (book/methods.xhtml)"}
    with pytest.raises(AtelierError, match=r"livre\.epub \(book/intro\.xhtml\) : courriel"):
        check_build(None, corpus, epub_path=tmp_path)

    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--epub", str(planted)]) == 2
    error = capsys.readouterr().err
    assert f"le livre publié contient {len(findings)} élément(s) qui ne doivent pas être publiés" in error
    assert "livre.epub (book/intro.xhtml) : courriel" in error
    assert "livre.epub (book/methods.xhtml) : titre" in error
    assert email not in error and private_title not in error  # the excerpts are masked


def test_the_privacy_gate_names_an_unreadable_epub(tmp_path, capsys):
    broken = tmp_path / "livre.epub"
    broken.write_bytes(b"pas une archive")
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--epub", str(broken)]) == 2
    assert "EPUB illisible" in capsys.readouterr().err
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check", "--epub", str(tmp_path / "absent")]) == 2
    assert "EPUB du livre introuvable" in capsys.readouterr().err
    assert main(["--corpus", str(SEED_CORPUS), "privacy-check"]) == 2
    assert "--epub" in capsys.readouterr().err
