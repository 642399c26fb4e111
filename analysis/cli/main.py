"""The ``atelier`` command (also ``python -m analysis``), in French."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

import pandas as pd

from ..corpus.clean import cleaning_notes, rules_table
from ..corpus.store import Corpus
from ..errors import AtelierError
from ..fsio import locked, spreadsheet_safe
from ..corpus.ingest import (
    DEFAULT_MAX_SIZE_MB, IngestOptions, files_to_ingest, ingest, parse_attrs, remove_orphan_texts,
)
from .coding import add_coding_commands
from .french import FrenchArgumentParser
from .table import print_table
from .scenarios import add_scenario_commands
from .themes import add_theme_commands
from ..corpus.segment import UNITS

def _parser() -> FrenchArgumentParser:
    parser = FrenchArgumentParser(
        prog="atelier",
        description="Atelier de recherche participative : corpus, codage, thèmes, scénarios et livre.",
    )
    parser.add_argument("--corpus", type=Path, default=None,
                        help="dossier du corpus (par défaut : ./corpus ou $ATELIER_CORPUS)")
    commands = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)

    ingest_parser = commands.add_parser(
        "ingest", help="ajouter des documents au corpus",
        description="Ajoute des fichiers au corpus : copie de la source, texte nettoyé, métadonnées. "
        "Formats : .txt .md .html .docx .odt .pdf .vtt .srt .bib .ris, et les numérisations lues par OCR "
        "(Tesseract, en français) : .png .jpg .jpeg .tif .tiff et les pages d’un PDF sans couche texte. "
        "Tout ou rien : si un fichier est refusé, rien n’est écrit (sauf avec --keep-going). "
        "Sans fichier, ingère le dossier inbox/ du corpus.",
    )
    ingest_parser.set_defaults(handler=_ingest)
    ingest_parser.add_argument("paths", nargs="*", type=Path, metavar="FICHIER", help="fichiers à ingérer")
    ingest_parser.add_argument("--genre", help="genre par défaut (plan d'action, étude, entretien…)")
    ingest_parser.add_argument("--date", help="date par défaut : AAAA, AAAA-MM, AAAA-MM-JJ ou AAAA/AAAA")
    ingest_parser.add_argument("--private", action="store_true", help="marquer les documents comme privés")
    ingest_parser.add_argument("--attr", action="append", default=[], metavar="CLÉ=VALEUR",
                               help="attribut à fixer (répétable), par ex. --attr territory=Nantes")
    ingest_parser.add_argument("--doc-id", help="identifiant du document (un seul fichier, un seul document)")
    ingest_parser.add_argument("--new-version-of", metavar="DOC_ID",
                               help="le fichier est une nouvelle version de ce document (un seul fichier)")
    ingest_parser.add_argument("--manifest", type=Path, help="CSV : colonne « fichier » et métadonnées par fichier")
    ingest_parser.add_argument("--keep-going", action="store_true",
                               help="ingérer les fichiers valides et lister les autres")
    ingest_parser.add_argument("--max-size", type=float, default=DEFAULT_MAX_SIZE_MB, metavar="MO",
                               help=f"taille maximale d’un fichier en Mo (défaut : {DEFAULT_MAX_SIZE_MB:g})")

    corpus_parser = commands.add_parser("corpus", help="inventaire du corpus",
                                        description="Affiche l’inventaire des documents du corpus.")
    corpus_parser.set_defaults(handler=_corpus)
    corpus_parser.add_argument("--csv", action="store_true", help="sortie CSV complète")
    corpus_parser.add_argument("--check", action="store_true",
                               help="retirer les textes qu’aucun document ne liste (ingestion interrompue)")

    show_parser = commands.add_parser("show", help="afficher un document",
                                      description="Affiche les métadonnées et le texte d’un document.")
    show_parser.set_defaults(handler=_show)
    show_parser.add_argument("doc_id", metavar="DOC_ID")
    show_parser.add_argument("--units", choices=UNITS, help="afficher le découpage en unités avec leurs positions")

    units_parser = commands.add_parser(
        "segments", help="découper le corpus en paragraphes, phrases et segments",
        description="Calcule les unités (dans corpus/derived/, mis en cache) et écrit un CSV par unité.",
    )
    units_parser.set_defaults(handler=_segments)
    units_parser.add_argument("--size", type=int, default=40, help="taille visée des segments en mots (défaut : 40)")

    cleaning = commands.add_parser(
        "cleaning", help="rapport de nettoyage",
        description="Règles de nettoyage appliquées et nombre de corrections par document ; avec --changes, "
        "chaque correction du bruit de l’OCR (élisions, accents, ligatures, puces) à relire.")
    cleaning.add_argument("--changes", action="store_true",
                          help="lister chaque correction du bruit de l’OCR (corpus/cleaning_changes.csv)")
    cleaning.add_argument("--doc", metavar="DOC_ID", help="avec --changes : les corrections de ce document seulement")
    cleaning.set_defaults(handler=_cleaning)
    privacy = commands.add_parser(
        "privacy-check", help="vérifier qu’aucune donnée privée n’est dans le livre construit",
        description="Cherche dans le livre construit (HTML, index de recherche, PDF, EPUB) les titres et passages "
        "des documents privés ou non publiables (consentement interne ou retiré), les noms réels des "
        "personnes interrogées et de corpus/persons.csv, les courriels et téléphones ; "
        "échoue (statut 2) s’il en trouve.")
    privacy.add_argument("html_dir", type=Path, metavar="DOSSIER_HTML", nargs="?",
                         help="dossier du livre HTML construit (_build/html) ; facultatif avec --pdf ou --epub")
    privacy.add_argument("--pdf", type=Path, metavar="PDF",
                         help="PDF du livre à vérifier aussi, ou le dossier qui le contient (_build/latex)")
    privacy.add_argument("--epub", type=Path, metavar="EPUB",
                         help="EPUB du livre à vérifier aussi (chacune de ses pages XHTML), ou le dossier "
                         "qui le contient (_build/epub)")
    privacy.set_defaults(handler=_privacy_check)
    consent = commands.add_parser(
        "consent", help="enregistrer le consentement d’une personne interrogée ou d’un contributeur",
        description="Enregistre le consentement attaché à un document (et à ses autres versions) dans "
        "documents.csv : pseudonym (publié sous pseudonyme), internal (usage interne seulement) ou "
        "withdrawn (consentement retiré). Un document interne ou retiré n’est plus jamais cité ni publié : "
        "reconstruire ensuite le livre (make book).")
    consent.add_argument("doc_id", metavar="DOC_ID", help="identifiant du document")
    consent.add_argument("consent", metavar="CONSENTEMENT",
                         help="pseudonym (pseudonyme), internal (interne) ou withdrawn (retiré)")
    consent.add_argument("--date", metavar="AAAA-MM-JJ",
                         help="date du consentement ou de son retrait (par défaut : aujourd’hui)")
    consent.set_defaults(handler=_consent)
    edition = commands.add_parser(
        "edition", help="déclarer une édition du livre (étiquette git, CITATION.cff, .zenodo.json)",
        description="Déclare une édition du dépôt tel que git le contient : liste ce qui a changé depuis "
        "l’édition précédente (documents, codages, chapitres), l’ajoute à editions.yaml, écrit son numéro "
        "et sa date dans CITATION.cff et .zenodo.json, les enregistre (git commit) et pose l’étiquette "
        "edition-NUMÉRO. Le livre construit ensuite porte ce numéro sur chaque page.")
    edition.add_argument("number", metavar="NUMÉRO", help="numéro de l’édition, par exemple 1.0")
    edition.add_argument("--date", metavar="AAAA-MM-JJ", help="date de l’édition (par défaut : aujourd’hui)")
    edition.set_defaults(handler=_edition)
    add_coding_commands(commands)
    add_theme_commands(commands)
    add_scenario_commands(commands)
    return parser


def _ingest(corpus: Corpus, args: argparse.Namespace) -> int:
    defaults = IngestOptions(
        genre=args.genre, date=args.date, private=args.private, attrs=parse_attrs(args.attr),
        doc_id=args.doc_id, new_version_of=args.new_version_of, max_size_mb=args.max_size,
    )
    if args.new_version_of and (len(args.paths) != 1 or args.manifest):
        raise AtelierError("--new-version-of ne s’utilise qu’avec un seul fichier")
    if args.doc_id and (len(args.paths) != 1 or args.manifest):
        raise AtelierError("--doc-id ne s’utilise qu’avec un seul fichier")
    for path in args.paths:
        if path.is_symlink():
            print(f"lien symbolique : {path} → {path.resolve()} (c’est ce fichier qui est lu)")
    files, from_inbox = files_to_ingest(corpus, args.paths, args.manifest, defaults)
    if not files:
        print("Rien de nouveau à ingérer." if from_inbox else "Aucun fichier indiqué.")
        return 0
    report = ingest(corpus, files, keep_going=args.keep_going)
    for error in report.failed:
        print(f"erreur : {error}", file=sys.stderr)
    if report.failed and not args.keep_going:
        print("Aucun fichier n’a été ingéré : corrigez ces erreurs, ou relancez avec --keep-going "
              "pour ingérer les fichiers valides.", file=sys.stderr)
        return 2
    for path, doc_id, taken_by in report.renamed:
        print(f"{path} : « {taken_by} » vient d’un autre fichier du même nom ; "
              f"ce document devient « {doc_id} » (--new-version-of {taken_by} pour en faire une nouvelle version)")
    for path in report.orphans:
        print(f"texte orphelin retiré (laissé par une ingestion interrompue) : {path}")
    for path in report.repeated:
        print(f"donné plusieurs fois dans la commande : {path} (pris une fois)")
    unchanged: dict[Path, list[str]] = {}
    for path, doc_id in report.unchanged:
        unchanged.setdefault(path, []).append(doc_id)
    for path, doc_ids in unchanged.items():
        what = doc_ids[0] if len(doc_ids) == 1 else f"{len(doc_ids)} documents"
        print(f"déjà dans le corpus : {path} → {what} (rien à faire)")
    for row in report.added:
        version = f", version {row['version']} remplaçant {row['replaces']}" if row["replaces"] else ""
        private = ", privé" if row["private"] == "true" else ""
        print(f"ajouté : {row['doc_id']} « {row['title'][:70]} » ({row['genre']}{private}{version})")
    print(f"{len(report.added)} document(s) ajouté(s), {len(report.unchanged)} déjà présent(s), "
          f"{len(report.failed)} fichier(s) refusé(s).")
    if report.added:
        for note in cleaning_notes():
            print(f"note : {note}")
        changes = sum(report.changes.values())
        if changes:
            print(f"{changes} correction(s) du bruit de l’OCR à relire : atelier cleaning --changes")
    if from_inbox:
        for path in report.stored:
            if path.parent == corpus.inbox_dir:
                path.unlink()
    return 2 if report.failed else 0


def _corpus(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.check:
        with locked(corpus.lock_path):
            orphans = remove_orphan_texts(corpus)
        for path in orphans:
            print(f"texte orphelin retiré (laissé par une ingestion interrompue) : {path}")
        print(f"{len(orphans)} texte(s) orphelin(s) retiré(s)." if orphans else "Aucun texte orphelin.")
        return 0
    inventory = corpus.inventory()
    if args.csv:
        spreadsheet_safe(inventory).to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    columns = ["doc_id", "title", "genre", "year", "private", "words"]
    print_table(inventory[columns].rename(columns={
        "title": "titre", "year": "année", "private": "privé", "words": "mots"}))
    print(f"{len(inventory)} document(s), {inventory['words'].sum()} mots.")
    return 0


def _show(corpus: Corpus, args: argparse.Namespace) -> int:
    row = corpus.document(args.doc_id)
    for column, value in row.items():
        if value:
            print(f"{column:>14} : {value}")
    print()
    if args.units:
        units = corpus.units(args.units)
        print_table(units[units["doc_id"] == args.doc_id][["n", "start", "end", "n_words", "text"]])
    else:
        print(corpus.text(args.doc_id), end="")
    return 0


def _segments(corpus: Corpus, args: argparse.Namespace) -> int:
    out_dir = corpus.derived_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for unit in UNITS:
        table = corpus.units(unit, args.size)
        name = f"{unit}s.csv"
        spreadsheet_safe(table).to_csv(out_dir / name, index=False, lineterminator="\n")
        print(f"{unit} : {len(table)} unités → {out_dir / name}")
    return 0


def _cleaning(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.changes:
        return _cleaning_changes(corpus, args.doc)
    print_table(rules_table().rename(columns={"rule": "règle"}))
    for note in cleaning_notes():
        print(f"note : {note}")
    if corpus.cleaning_csv.exists():
        report = pd.read_csv(corpus.cleaning_csv, dtype={"doc_id": str})
        print()
        print_table(report.pivot_table(index="doc_id", columns="rule", values="count",
                                       aggfunc="sum", fill_value=0).reset_index())
    return 0


def _cleaning_changes(corpus: Corpus, doc_id: str | None) -> int:
    """Each change of the OCR-noise rules, to review (``corpus/cleaning_changes.csv``)."""
    if not corpus.cleaning_changes_csv.exists():
        print("Aucune correction du bruit de l’OCR dans ce corpus.")
        return 0
    changes = pd.read_csv(corpus.cleaning_changes_csv, dtype=str, keep_default_na=False)
    if doc_id is not None:
        changes = changes[changes["doc_id"] == doc_id]
    print_table(changes.rename(columns={"rule": "règle", "before": "avant", "after": "après", "context": "contexte"}))
    print(f"{len(changes)} correction(s) à relire ({corpus.cleaning_changes_csv}).")
    return 0


def _privacy_check(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..publication.privacy import check_build, epub_files, pdf_files

    if args.html_dir is None and args.pdf is None and args.epub is None:
        raise AtelierError("indiquer le dossier du livre HTML construit, le PDF du livre (--pdf), "
                           "l’EPUB du livre (--epub), ou plusieurs d’entre eux")
    if args.html_dir is not None and not args.html_dir.is_dir():
        raise AtelierError(f"{args.html_dir} : dossier du livre construit introuvable")
    pdfs = pdf_files(args.pdf) if args.pdf is not None else []
    epubs = epub_files(args.epub) if args.epub is not None else []
    check_build(args.html_dir, corpus, pdf_path=args.pdf, epub_path=args.epub)
    checked = ([str(args.html_dir)] if args.html_dir is not None else []) + [str(p) for p in pdfs + epubs]
    print(f"{', '.join(checked)} : aucune donnée privée trouvée (documents privés ou non publiables, "
          "noms réels, courriels, téléphones).")
    return 0


def _consent(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..corpus.store import publishable
    from ..corpus.ingest import consent_label, set_consent

    changed = set_consent(corpus, args.doc_id, args.consent, args.date)
    documents = corpus.documents(include_replaced=True)
    rows = documents[documents["doc_id"].isin(changed)]
    consent, date = rows["consent"].iloc[0], rows["consent_date"].iloc[0]
    versions = f" (versions : {', '.join(changed)})" if len(changed) > 1 else ""
    print(f"« {args.doc_id} »{versions} : {consent_label(consent)}, le {date}.")
    if publishable(rows).any():
        print("Ce document peut être cité dans le livre, sous pseudonyme pour les personnes interrogées.")
    elif consent == "pseudonym":
        print("Ce document reste privé (colonne private) : il n’est toujours pas publié dans le livre.")
    else:
        print("Ce document ne sera plus cité ni publié : reconstruisez le livre (make book) pour l’en retirer.")
    return 0


def _edition(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..publication.editions import declare_edition, french_date

    try:
        day = dt.date.fromisoformat(args.date) if args.date else None
    except ValueError:
        raise AtelierError(f"date « {args.date} » invalide : attendu AAAA-MM-JJ") from None
    edition = declare_edition(corpus.root, args.number, day)
    print(f"Édition {edition['number']} du {french_date(edition['date'])} : étiquette git edition-{edition['number']}.")
    for kind, title in (("documents", "Documents"), ("codings", "Codages"), ("chapters", "Chapitres")):
        print(f"{title} : {len(edition['changes'][kind])} changement(s)")
        for change in edition["changes"][kind]:
            print(f"  - {change}")
    print("Reconstruisez le livre (make book, make pdf) : chaque page porte désormais ce numéro.")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        status = args.handler(Corpus.open(args.corpus), args)
        sys.stdout.flush()  # a reader gone (``| head``) shows here, not at exit
        return status
    except AtelierError as error:
        print(f"erreur : {error}", file=sys.stderr)
        return error.exit_status
    except BrokenPipeError:  # the reader of the output left (``| head``): nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrompu : les fichiers de l’atelier sont écrits d’un bloc, aucun n’est à moitié écrit",
              file=sys.stderr)
        return 130
    except Exception as error:  # the last resort: never a traceback for a user
        if os.environ.get("ATELIER_TRACEBACK"):
            raise
        where = getattr(error, "processed_file", None) or getattr(args, "file", None) or getattr(args, "folder", None)
        print(f"erreur inattendue{f' en traitant {where}' if where else ''} : {type(error).__name__} : "
              f"{error}. L’atelier ne sait pas encore expliquer ce cas ; ses fichiers sont écrits d’un bloc, "
              "aucun n’est resté à moitié écrit. Relancez avec ATELIER_TRACEBACK=1 pour "
              "obtenir le détail à signaler.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
