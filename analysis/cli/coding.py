"""``atelier`` commands for the codebook, codings, queries and agreement (French messages)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..coding.agreement import UNITS as AGREEMENT_UNITS, agreement, coding_comparison, disagreements, pairwise_kappa
from ..coding.anchoring import anchored_codings
from .table import print_table
from ..coding.autocode import EXTENTS, autocode, describe_search, find_passages, parse_conditions
from ..coding.rounds import close_round, open_round, rounds
from ..coding.codebook import check_codebook, known_code, load_codebook, tree_text
from ..coding.evolution import (
    EDITABLE, edit_code, merge_codes, move_code, new_code, orphan_codes, rename_code, retire_code, split_candidates,
    split_code,
)
from ..coding.store import MEMO_TARGETS, CodingStore, check_coder, code_span
from ..corpus.store import Corpus
from ..errors import AtelierError
from ..coding.queries import PLACED, current_codings, kwic, select_code


def _codebook(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.action == "check":
        problems = check_codebook(corpus.codebook_path)
        if not problems:
            problems = [f"{row.codings} codage(s) de {row.coders} portent le code « {row.code} », absent du livre "
                        f"de codes (renommé ou supprimé à la main ?) : s’il a été renommé, « {row.fix} »"
                        for row in orphan_codes(corpus).itertuples()]
        if problems:
            print(f"erreur : {corpus.codebook_path} : {len(problems)} problème(s)", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return 2
        print(f"{corpus.codebook_path} : livre de codes valide ({len(load_codebook(corpus.codebook_path))} codes).")
        return 0
    if args.action == "split":
        return _split(corpus, args)
    if args.action in CODEBOOK_CHANGES:
        event = CODEBOOK_CHANGES[args.action](corpus, args)
        print(f"livre de codes modifié ({event['event']}, événement {event['id'][:8]} de {args.coder}) ; "
              f"« atelier undo --coder {args.coder} » l’annule.")
        return 0
    codebook = load_codebook(corpus.codebook_path)
    codings = current_codings(corpus)
    counts = {code: len(select_code(codings, code)) for code in codebook["path"]}
    print(tree_text(codebook, counts))
    return 0


CODEBOOK_CHANGES = {
    "new": lambda corpus, args: new_code(corpus, args.coder, args.code, args.label or args.code.rpartition("/")[2],
                                         args.colour or "", args.definition or ""),
    "rename": lambda corpus, args: rename_code(corpus, args.coder, args.code, args.new),
    "move": lambda corpus, args: move_code(corpus, args.coder, args.code, "" if args.parent in ("", "/") else args.parent),
    "merge": lambda corpus, args: merge_codes(corpus, args.coder, args.code, args.target),
    "retire": lambda corpus, args: retire_code(corpus, args.coder, args.code, retired=not args.restore),
    "edit": lambda corpus, args: edit_code(corpus, args.coder, args.code, **{
        name: value for name in EDITABLE if (value := getattr(args, name, None)) is not None}),
}


def _split(corpus: Corpus, args: argparse.Namespace) -> int:
    candidates = split_candidates(corpus, args.code, args.keyword or "", args.regex or "", parse_conditions(args.where))
    if args.codings:
        wanted = set(args.codings)
        unknown = sorted(wanted - set(candidates["coding_id"]))
        if unknown:
            raise AtelierError(f"--codings : « {unknown[0]} » n’est pas un codage de « {args.code} » retenu par la recherche")
        candidates = candidates[candidates["coding_id"].isin(wanted)]
    shown = candidates.assign(text=candidates["text"].str.replace("\n", " ").str.slice(0, 60))
    if len(candidates):
        print_table(shown[["coding_id", "coder", "doc_id", "start", "end", "text"]])
    if not args.apply:
        print(f"{len(candidates)} codage(s) de « {args.code} » passeraient à « {args.new} » ; pour scinder : la même "
              "commande avec --apply.")
        return 0
    event = split_code(corpus, args.coder, args.code, args.new, list(candidates["coding_id"]), args.label or "")
    print(f"« {args.code} » scindé : {len(candidates)} codage(s) passent à « {event['entry']['path']} » (événement "
          f"{event['id'][:8]} de {args.coder}) ; « atelier undo --coder {args.coder} » l’annule.")
    return 0


def _autocode(corpus: Corpus, args: argparse.Namespace) -> int:
    search = dict(keyword=args.keyword or "", regex=args.regex or "", speaker=args.speaker or "", where=parse_conditions(args.where),
                  extent=args.extent, stems=args.stems)
    passages = find_passages(corpus, **search)
    skipped = set()
    for part in (args.skip or "").replace(" ", "").split(","):
        if part:
            if not part.isdigit() or not 1 <= int(part) <= len(passages):
                raise AtelierError(f"--skip : « {part} » n’est pas un numéro de passage (1 à {len(passages)})")
            skipped.add(int(part) - 1)
    shown = passages.assign(n=range(1, len(passages) + 1), text=passages["text"].str.replace("\n", " ").str.slice(0, 70))
    if len(passages):
        print_table(shown[["n", "doc_id", "start", "end", "text"]])
    if args.code is None:
        print(f"{len(passages)} passage(s) trouvé(s) ; pour les coder : la même commande avec --code CODE "
              "--coder NOM (--skip 2,5 pour en écarter).")
        return 0
    if args.coder is None:
        raise AtelierError("--coder est obligatoire avec --code")
    kept = passages.drop(index=sorted(skipped))
    written = autocode(corpus, args.coder, known_code(corpus.codebook_path, args.code), kept, describe_search(**search))
    print(f"{len(written)} codage(s) « {args.code} » écrits pour {args.coder} ; {len(skipped)} écarté(s), "
          f"{len(kept) - len(written)} déjà codé(s).")
    return 0


def _round(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.action == "open":
        opened = open_round(corpus, args.name, args.docs or [], args.coders or [])
        print(f"tour « {args.name} » ouvert : {len(opened['documents'])} document(s), codeurs {', '.join(opened['coders'])} ; "
              "chacun ne voit que ses codages sur ces documents jusqu’à la clôture (« atelier round close "
              f"{args.name} »).")
        return 0
    if args.action == "close":
        table, differences = close_round(corpus, args.name, args.unit)
        print(f"tour « {args.name} » clos. Accord ({args.unit}) :")
        print_table(table.rename(columns={"units": "unités", "percent_agreement": "accord %", "cohen_kappa": "kappa",
                                          "krippendorff_alpha": "alpha"}).round(3))
        print(f"{len(differences)} désaccord(s) à discuter : corpus/rounds/{args.name}-desaccords.csv")
        return 0
    table = rounds(corpus)
    if table.empty:
        print("aucun tour de codage (« atelier round open NOM --docs … --coders … »).")
        return 0
    for row in table.itertuples():
        state = f"clos le {row.closed}" if row.closed else "ouvert"
        print(f"{row.name} : {state} ; {len(row.documents)} document(s) ; codeurs : {', '.join(row.coders)}")
    return 0


def _codings(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.check:
        replay = CodingStore.of(corpus).replay()
        placed = anchored_codings(corpus, replay.codings)
        troubled = placed[placed["status"] != "ok"]
        for problem in replay.problems:
            print(f"problème : {problem}")
        if not troubled.empty:
            print_table(troubled[["coder", "code", "recorded_doc_id", "recorded_start", "recorded_end",
                                  "status", "doc_id", "start", "end", "text"]])
        unplaced = troubled[~troubled["status"].isin(PLACED)]
        print(f"{len(placed)} codage(s) : {len(placed) - len(troubled)} en place, "
              f"{(troubled['status'] == 'réancré').sum()} réancré(s) sur une nouvelle version, "
              f"{len(unplaced)} à revoir ; {len(replay.problems)} ligne(s) de journal en cause.")
        return 2 if len(unplaced) or replay.problems else 0
    codings = current_codings(corpus, [args.coder] if args.coder else None)
    if args.code:
        codings = select_code(codings, args.code)
    if args.doc:
        codings = codings[codings["doc_id"] == args.doc]
    shown = codings.assign(text=codings["text"].str.replace("\n", " ").str.slice(0, 60))
    print_table(shown[["coding_id", "coder", "doc_id", "start", "end", "code", "text"]])
    print(f"{len(codings)} codage(s).")
    return 0


def _code(corpus: Corpus, args: argparse.Namespace) -> int:
    event = code_span(corpus, args.coder, args.doc_id, args.start, args.end, args.code, args.memo or "")
    print(f"codé : {event['coding']} — {args.doc_id} [{args.start}:{args.end}] {event['code']} « {event['text'][:80]} »")
    return 0


def _uncode(corpus: Corpus, args: argparse.Namespace) -> int:
    CodingStore.of(corpus).remove(args.coder, args.coding_id)
    print(f"codage retiré : {args.coding_id} (annulable avec « atelier undo --coder {args.coder} »)")
    return 0


def _undo_redo(corpus: Corpus, args: argparse.Namespace) -> int:
    store = CodingStore.of(corpus)
    action = store.undo if args.command == "undo" else store.redo
    event = action(args.coder)
    if event is None:
        print("Rien à annuler." if args.command == "undo" else "Rien à rétablir.")
        return 0
    verb = "annulé" if args.command == "undo" else "rétabli"
    print(f"{verb} : {event['event']} {event.get('coding') or event.get('ref', '')}")
    return 0


def _done_reopen(corpus: Corpus, args: argparse.Namespace) -> int:
    check_coder(args.coder)
    corpus.document(args.doc_id)  # a French error for an unknown document
    if args.command == "done":
        CodingStore.of(corpus).mark_done(args.coder, args.doc_id)
        print(f"{args.doc_id} : codage terminé par {args.coder} ; il compte désormais dans l’accord entre codeurs "
              f"(« atelier reopen {args.doc_id} --coder {args.coder} » pour le reprendre).")
    else:
        CodingStore.of(corpus).reopen(args.coder, args.doc_id)
        print(f"{args.doc_id} : repris par {args.coder} ; il ne compte plus dans l’accord jusqu’à « atelier done ».")
    return 0


def _memo(corpus: Corpus, args: argparse.Namespace) -> int:
    if args.target == "document":
        corpus.document(args.ref)
    elif args.target == "code":
        known_code(corpus.codebook_path, args.ref)
    CodingStore.of(corpus).memo(args.coder, args.target, args.ref, args.text)
    print(f"mémo enregistré sur {args.target} « {args.ref} ».")
    return 0


def _kwic(corpus: Corpus, args: argparse.Namespace) -> int:
    table = kwic(corpus, args.pattern, width=args.width, regex=args.regex)
    print_table(table[["doc_id", "start", "left", "match", "right"]])
    print(f"{len(table)} occurrence(s).")
    return 0


def _agreement(corpus: Corpus, args: argparse.Namespace) -> int:
    codings = current_codings(corpus, args.coders)
    finished = CodingStore.of(corpus).replay(args.coders).finished
    if len(set(codings["coder"]) | set(finished["coder"])) < 2:
        raise AtelierError("il faut les codages d’au moins deux codeurs pour mesurer un accord")
    if args.comparison:
        coders = sorted(args.coders or set(codings["coder"]) | set(finished["coder"]))
        if len(coders) != 2:
            raise AtelierError("la comparaison de codage porte sur deux codeurs : --coders A B")
        table = coding_comparison(corpus, codings, *coders, finished=finished)
        print(f"Comparaison de codage (à la manière de NVivo), {coders[0]} (A) et {coders[1]} (B), en caractères, "
              f"sur {len(table.attrs['documents'])} document(s) terminé(s) par les deux :")
        print_table(table.rename(columns={
            "characters": "caractères", "kappa": "kappa", "agreement": "accord %", "a_and_b": "A et B %",
            "neither": "ni A ni B %", "disagreement": "désaccord %", "a_not_b": "A sans B %", "b_not_a": "B sans A %",
            "a_codings": "codages de A", "b_codings": "codages de B"}).round(2))
        return 0
    if args.disagreements:
        print_table(disagreements(corpus, codings, args.coders, args.unit).assign(
            text=lambda t: t["text"].str.replace("\n", " ").str.slice(0, 70)))
        return 0
    table = agreement(corpus, codings, args.coders, args.unit, args.exclude_uncoded, finished=finished)
    print(f"Unité : {args.unit} ; codeurs : {', '.join(table.attrs['coders'])} ; "
          f"documents terminés par tous : {len(table.attrs['documents'])}"
          + (" ; texte non codé exclu" if args.exclude_uncoded else ""))
    for row in table.attrs["left_out"].itertuples():
        print(f"  laissé de côté : {row.doc_id} ({row.reason} : « atelier done {row.doc_id} --coder … »)")
    print_table(table.rename(columns={"units": "unités", "coded_units": "unités codées",
                                      "percent_agreement": "accord %", "cohen_kappa": "kappa de Cohen",
                                      "krippendorff_alpha": "alpha de Krippendorff",
                                      "unitizing_alpha": "alpha de découpage (u-alpha)"}).round(3))
    print("u-alpha : alpha de Krippendorff pour le découpage en segments, sur les caractères des documents "
          "(Krippendorff 2004, Content Analysis, p. 251-256).")
    if len(table.attrs["coders"]) > 2:
        print()
        print_table(pairwise_kappa(corpus, codings, args.coders, args.unit, args.exclude_uncoded).round(3))
    return 0


def _export(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..coding.refi_qda import export_codebook, export_project

    if args.file.suffix.lower() == ".qdc":
        count = export_codebook(load_codebook(corpus.codebook_path), args.file)
        print(f"livre de codes exporté : {count} codes → {args.file}")
        return 0
    if args.file.suffix.lower() != ".qdpx":
        raise AtelierError(f"{args.file} : extension attendue .qdpx (projet) ou .qdc (livre de codes)")
    summary = export_project(corpus, args.file, tool=args.tool, positions=args.positions, coders=args.coders,
                             public_only=args.public_only)
    print(f"projet exporté → {args.file} : {summary['documents']} document(s), {summary['codings']} codage(s) "
          f"de {', '.join(summary['coders']) or 'personne'}, {summary['memos']} mémo(s), positions en "
          f"{summary['positions']} (pour {args.tool}).")
    if summary["private_documents"]:
        print(f"Attention : {summary['private_documents']} de ces documents sont privés ou non publiables "
              "(--public-only pour les laisser de côté).")
    if summary["documents_left_out"]:
        print(f"{summary['documents_left_out']} document(s) privé(s) ou non publiable(s) laissé(s) de côté, avec "
              f"leurs {summary['codings_of_documents_left_out']} codage(s).")
    if summary["codings_left_out"]:
        print(f"{summary['codings_left_out']} codage(s) non exporté(s) : voir « atelier codings --check ».")
    return 0


def _import(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..coding.refi_qda import import_codebook, import_project

    if not args.file.exists():
        raise AtelierError(f"{args.file} : fichier introuvable")
    if args.file.suffix.lower() == ".qdc":
        print(f"livre de codes importé : {import_codebook(corpus, args.file)} code(s) ajouté(s).")
        return 0
    if args.file.suffix.lower() != ".qdpx":
        raise AtelierError(f"{args.file} : extension attendue .qdpx (projet) ou .qdc (livre de codes)")
    summary = import_project(corpus, args.file, positions=args.positions)
    print(f"positions lues en {summary['positions']} : {summary['reason']}")
    print(f"importé : {summary['documents']} document(s) ({summary['reused_documents']} déjà présent(s)), "
          f"{summary['codings']} codage(s) de {', '.join(summary['coders']) or 'personne'}, "
          f"{summary['memos']} mémo(s), {summary['codes_added']} code(s) ajouté(s) au livre de codes.")
    for warning in summary["warnings"]:
        print(f"attention : {warning}")
    for skipped in summary["skipped_sources"]:
        print(f"source non importée : {skipped}")
    return 0


def add_coding_commands(commands) -> None:
    codebook = commands.add_parser(
        "codebook", help="livre de codes : arborescence, vérification, changements",
        description="Affiche l’arborescence des codes avec leur nombre de codages, vérifie corpus/codebook.yaml "
        "(« atelier codebook check »), ou le change : chaque changement est un événement du journal du codeur, "
        "les codages suivent leur code, et « atelier undo » l’annule.")
    codebook.set_defaults(handler=_codebook, action="show")
    actions = codebook.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("show", help="arborescence avec le nombre de codages (par défaut)")
    actions.add_parser("check", help="vérifier le fichier et les codages sur des codes absents")

    def change(name: str, text: str, *arguments: tuple[str, str]):
        parser = actions.add_parser(name, help=text, description=text[0].upper() + text[1:] + ".")
        for argument, help_text in arguments:
            parser.add_argument(argument, help=help_text)
        parser.add_argument("--coder", required=True, help="nom du codeur (le changement va dans son journal)")
        return parser

    new = change("new", "créer un code (son parent doit exister)", ("code", "chemin du code, ex. leviers/foncier"))
    new.add_argument("--label", help="libellé (défaut : le dernier segment du chemin)")
    new.add_argument("--colour", help="couleur #RRGGBB (défaut : celle du parent)")
    new.add_argument("--definition", help="définition")
    change("rename", "renommer un code et ses sous-codes",
           ("code", "chemin actuel"), ("new", "nouveau chemin, ou nouveau dernier segment"))
    change("move", "déplacer un code et ses sous-codes sous un autre parent",
           ("code", "chemin du code"), ("parent", "chemin du nouveau parent (« / » : premier niveau)"))
    change("merge", "fusionner un code dans un autre (ses codages comptent pour le second)",
           ("code", "code fusionné (il quitte le livre de codes)"), ("target", "code qui reste"))
    split = change("split", "scinder un code : un nouveau code reçoit une partie de ses codages (tous codeurs)",
                   ("code", "code scindé (il garde les autres codages)"),
                   ("new", "nouveau code : chemin complet, ou dernier segment sous le même parent"))
    chosen = split.add_mutually_exclusive_group()
    chosen.add_argument("--keyword", help="seulement les codages dont le texte contient ce mot (accents et casse ignorés)")
    chosen.add_argument("--regex", help="seulement les codages dont le texte correspond (casse ignorée)")
    split.add_argument("--where", action="append", metavar="ATTRIBUT=VALEUR",
                       help="seulement les codages des documents ayant cet attribut (répétable)")
    split.add_argument("--codings", nargs="+", metavar="CODING_ID", help="seulement ces codages")
    split.add_argument("--label", help="libellé du nouveau code (défaut : le dernier segment du chemin)")
    split.add_argument("--apply", action="store_true", help="scinder (sans lui : aperçu des codages déplacés)")
    retire = change("retire", "retirer un code (ses codages restent, il n’est plus proposé)", ("code", "chemin du code"))
    retire.add_argument("--restore", action="store_true", help="remettre en usage un code retiré")
    edit = change("edit", "changer le libellé, la définition, les critères, l’exemple ou la couleur d’un code",
                  ("code", "chemin du code"))
    for name in EDITABLE:
        edit.add_argument(f"--{name}")

    codings = commands.add_parser("codings", help="lister les codages",
                                  description="Codages actuels, replacés dans les textes courants.")
    codings.add_argument("--code", help="code (avec ses sous-codes)")
    codings.add_argument("--coder", help="codeur")
    codings.add_argument("--doc", help="document")
    codings.add_argument("--check", action="store_true",
                         help="vérifier les journaux et les positions (codages réancrés ou à revoir)")
    codings.set_defaults(handler=_codings)

    code = commands.add_parser("code", help="coder un passage",
                               description="Applique un code au passage [START, END[ d’un document "
                               "(positions en caractères du texte normalisé).")
    code.add_argument("doc_id", metavar="DOC_ID")
    code.add_argument("start", type=int, metavar="START")
    code.add_argument("end", type=int, metavar="END")
    code.add_argument("code", metavar="CODE")
    code.add_argument("--coder", required=True, help="nom du codeur (son fichier corpus/codings/<codeur>.jsonl)")
    code.add_argument("--memo", help="mémo attaché au codage")
    code.set_defaults(handler=_code)

    uncode = commands.add_parser("uncode", help="retirer un codage", description="Retire un de ses codages.")
    uncode.add_argument("coding_id", metavar="CODING_ID")
    uncode.add_argument("--coder", required=True)
    uncode.set_defaults(handler=_uncode)

    for name, text in (("undo", "annuler la dernière action d’un codeur"),
                       ("redo", "rétablir la dernière action annulée")):
        parser = commands.add_parser(name, help=text, description=text.capitalize() + ".")
        parser.add_argument("--coder", required=True)
        parser.set_defaults(handler=_undo_redo)

    for name, text in (("done", "marquer un document comme entièrement codé (il compte alors dans l’accord)"),
                       ("reopen", "reprendre le codage d’un document marqué terminé")):
        parser = commands.add_parser(name, help=text, description=text.capitalize() + ".")
        parser.add_argument("doc_id", metavar="DOC_ID")
        parser.add_argument("--coder", required=True)
        parser.set_defaults(handler=_done_reopen)

    memo = commands.add_parser("memo", help="écrire un mémo",
                               description="Mémo sur un document, un code ou un codage (texte vide : efface).")
    memo.add_argument("target", choices=MEMO_TARGETS)
    memo.add_argument("ref", metavar="REF", help="doc_id, chemin du code ou identifiant du codage")
    memo.add_argument("text", metavar="TEXTE")
    memo.add_argument("--coder", required=True)
    memo.set_defaults(handler=_memo)

    blind_round = commands.add_parser(
        "round", help="tours de codage en aveugle",
        description="Un tour nomme ses documents et ses codeurs ; tant qu’il est ouvert, l’annotateur de chacun masque "
        "les codages des autres sur ces documents. Le clore calcule l’accord et liste les désaccords.")
    blind_round.add_argument("action", nargs="?", choices=["list", "open", "close"], default="list")
    blind_round.add_argument("name", nargs="?", default="", metavar="NOM")
    blind_round.add_argument("--docs", nargs="+", help="documents du tour (open)")
    blind_round.add_argument("--coders", nargs="+", help="codeurs du tour (open)")
    blind_round.add_argument("--unit", choices=AGREEMENT_UNITS, default="segment", help="unité de l’accord (close)")
    blind_round.set_defaults(handler=_round)

    auto = commands.add_parser(
        "autocode", help="coder automatiquement, après aperçu",
        description="Cherche des passages (mot-clé sans accents ni casse, expression régulière, tours d’un "
        "locuteur, documents choisis par leurs attributs) et les affiche, numérotés ; avec --code et --coder, "
        "les code (sauf ceux de --skip) comme codages ordinaires du codeur, marqués « auto ».")
    found = auto.add_mutually_exclusive_group()
    found.add_argument("--keyword", help="mot ou expression (accents et casse ignorés)")
    found.add_argument("--regex", help="expression régulière (casse ignorée)")
    found.add_argument("--speaker", help="tous les tours de ce locuteur (entretiens)")
    auto.add_argument("--where", action="append", metavar="ATTRIBUT=VALEUR",
                      help="seulement les documents ayant cet attribut (répétable) ; seul : documents entiers")
    auto.add_argument("--extent", choices=EXTENTS, default="match",
                      help="ce qui est codé : les mots trouvés (défaut), la phrase, le paragraphe ou le tour")
    auto.add_argument("--stems", action="store_true", help="mot-clé comparé par racines (coopérative ~ coopératives)")
    auto.add_argument("--code", help="code à appliquer (sans lui : aperçu seulement)")
    auto.add_argument("--coder", help="nom du codeur")
    auto.add_argument("--skip", help="numéros de passages de l’aperçu à ne pas coder, ex. 2,5")
    auto.set_defaults(handler=_autocode)

    search = commands.add_parser("kwic", help="concordancier (mot-clé en contexte)",
                                 description="Cherche un mot ou une expression dans tout le corpus.")
    search.add_argument("pattern", metavar="MOTIF")
    search.add_argument("--regex", action="store_true", help="MOTIF est une expression régulière")
    search.add_argument("--width", type=int, default=50, help="caractères de contexte (défaut : 50)")
    search.set_defaults(handler=_kwic)

    agree = commands.add_parser("agreement", help="accord inter-codeurs",
                                description="Pourcentage d’accord, kappa de Cohen et alpha de Krippendorff "
                                "par code et au total, par segment ou par caractère.")
    agree.add_argument("--coders", nargs="+", help="codeurs comparés (défaut : tous)")
    agree.add_argument("--unit", choices=AGREEMENT_UNITS, default="segment", help="unité (défaut : segment)")
    agree.add_argument("--exclude-uncoded", action="store_true", help="exclure le texte que personne n’a codé")
    agree.add_argument("--disagreements", action="store_true", help="lister les désaccords à discuter")
    agree.add_argument("--comparison", action="store_true",
                       help="comparaison de codage par code et par document, en caractères (comme NVivo), pour deux codeurs")
    agree.set_defaults(handler=_agreement)

    export = commands.add_parser("export", help="exporter au format REFI-QDA (.qdpx, .qdc)",
                                 description="Exporte le projet (.qdpx : documents, livre de codes, codages, "
                                 "mémos, attributs) ou le livre de codes (.qdc) pour NVivo, ATLAS.ti, MAXQDA, "
                                 "QualCoder, Taguette.")
    export.add_argument("file", type=Path, metavar="FICHIER")
    export.add_argument("--for", dest="tool", default="qualcoder",
                        choices=["nvivo", "maxqda", "atlasti", "qualcoder", "taguette"],
                        help="logiciel destinataire (fixe l’unité des positions ; défaut : qualcoder)")
    export.add_argument("--positions", choices=["codepoints", "utf16", "bytes"], help="forcer l’unité des positions")
    export.add_argument("--coders", nargs="+", help="n’exporter que ces codeurs")
    export.add_argument("--public-only", action="store_true",
                        help="laisser de côté les documents privés ou non publiables (consentement interne ou retiré)")
    export.set_defaults(handler=_export)

    importer = commands.add_parser("import", help="importer un projet ou un livre de codes REFI-QDA",
                                   description="Importe un projet .qdpx (sources, codes, codages, notes, "
                                   "variables) ou un livre de codes .qdc. Tout est vérifié avant d’écrire.")
    importer.add_argument("file", type=Path, metavar="FICHIER")
    importer.add_argument("--positions", default="auto", choices=["auto", "utf16", "codepoints", "bytes"],
                          help="unité des positions du fichier (défaut : détectée)")
    importer.set_defaults(handler=_import)
