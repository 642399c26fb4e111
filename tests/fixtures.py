"""Small source files written by the tests themselves, in every format the workbench reads."""

from __future__ import annotations

import io
from pathlib import Path

import docx
from odf import dc, text as odf_text
from odf.opendocument import OpenDocumentText
from odf.table import Table, TableCell, TableRow
from pypdf import PdfReader, PdfWriter


def write_docx(path: Path, *, transcript: bool = False) -> Path:
    document = docx.Document()
    document.core_properties.title = "Diagnostic ESS de la commune"
    document.core_properties.author = "Service développement économique"
    if transcript:
        document.add_paragraph("ENQUÊTRICE : Pouvez-vous présenter votre rôle ?")
        document.add_paragraph("[00:00:12] ÉLUE : Je suis adjointe à l’économie sociale et solidaire.")
        document.add_paragraph("ENQUÊTRICE : Depuis quand ?")
        document.add_paragraph("ÉLUE : Depuis 2020, après les élections municipales.")
    else:
        document.add_heading("Diagnostic de l’économie sociale et solidaire", level=1)
        document.add_paragraph("La commune soutient les SCIC et la commande publique responsable.")
        document.add_heading("Les leviers", level=2)
        document.add_paragraph("Marchés réservés", style="List Bullet")
        document.add_paragraph("Clauses sociales", style="List Bullet")
        table = document.add_table(rows=2, cols=2)
        for (row, col), value in {(0, 0): "Instrument", (0, 1): "Budget",
                                  (1, 0): "Subvention", (1, 1): "12 000 €"}.items():
            table.cell(row, col).text = value
    document.save(path)
    return path


def write_odt(path: Path) -> Path:
    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Compte rendu d’atelier"))
    document.meta.addElement(dc.Creator(text="Équipe de recherche"))
    document.text.addElement(odf_text.H(outlinelevel=1, text="Atelier prospectif"))
    document.text.addElement(odf_text.P(text="Les élus ont débattu du foncier et des tiers-lieux."))
    items = odf_text.List()
    for value in ("Transition écologique", "Fractures territoriales"):
        item = odf_text.ListItem()
        item.addElement(odf_text.P(text=value))
        items.addElement(item)
    document.text.addElement(items)
    table = Table(name="Leviers")
    row = TableRow()
    for value in ("Échelle", "Région"):
        cell = TableCell()
        cell.addElement(odf_text.P(text=value))
        row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def _pdf_bytes(pages: list[list[str]]) -> bytes:
    """A minimal PDF with a Helvetica text layer (WinAnsi, so French accents extract)."""
    objects: list[bytes] = [b"", b""]  # catalog and page tree filled in below
    font = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    page_ids = []
    for lines in pages:
        commands = ["BT", "/F1 12 Tf", "14 TL", "72 760 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            commands.append(f"({escaped}) Tj T*")
        commands.append("ET")
        stream = "\n".join(commands).encode("cp1252")
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (content, font)
        )
        page_ids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = " ".join(f"{i} 0 R" for i in page_ids).encode()
    objects[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(page_ids)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def write_pdf(path: Path, pages: list[list[str]]) -> Path:
    path.write_bytes(_pdf_bytes(pages))
    return path


def write_encrypted_pdf(path: Path, user_password: str = "secret", algorithm: str = "RC4-128",
                        text: str = "Document confidentiel") -> Path:
    """A PDF encrypted with ``algorithm``; an empty ``user_password`` opens it for anyone."""
    reader = PdfReader(io.BytesIO(_pdf_bytes([[text]])))
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="proprietaire", algorithm=algorithm)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def write_scanned_pdf(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_blank_page(width=612, height=792)
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Enquêtrice>Comment la métropole soutient-elle l’ESS ?

00:00:04.500 --> 00:00:09.000
<v Marie Dupont>Par la commande publique responsable.

00:00:09.000 --> 00:00:12.000
<v Marie Dupont>Et par un appel à projets annuel 🌱.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
ENQUÊTEUR : Quel est votre rôle ?

2
00:00:03,500 --> 00:00:07,000
ÉLU : Je suis vice-président à l’ESS.
"""

BIB = r"""@book{laville2021,
  title = {Vingt ans de politiques publiques d'{\'e}conomie sociale et solidaire},
  author = {Laville, Jean-Louis and Fraisse, Laurent},
  year = {2021},
  abstract = {Une {\'e}tude des politiques locales de l'ESS.},
  note = {Pr{\'e}sent{\'e}e au Forum national de l'ESS}
}

@article{dupont2019,
  title = {Les PTCE, un instrument de coop{\'e}ration},
  author = {Dupont, Anne},
  journal = {Revue de l'ESS},
  year = {2019}
}
"""

RIS = """TY  - JOUR
TI  - La commande publique responsable
AU  - Martin, Paul
PY  - 2018
AB  - Un article sur les clauses sociales.
N1  - Lu en atelier
ER  - 

TY  - BOOK
TI  - Les SCIC et les collectivités
AU  - Durand, Léa
PY  - 2020
ER  - 
"""
