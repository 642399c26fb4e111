"""``atelier`` commands for the prospective exercises: micmac, cib, mactor, aggregate."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from ..prospective.cib import MAX_SCENARIOS
from .table import print_table
from ..corpus.store import Corpus
from ..errors import AtelierError
from ..fsio import spreadsheet_safe
from ..prospective.exercise import ILLUSTRATIVE_NOTICE, Exercise


def _notice(exercise: Exercise) -> None:
    print(f"{exercise.meta.get('title', exercise.folder.name)}")
    if exercise.illustrative:
        print(f"⚠ {ILLUSTRATIVE_NOTICE}")
    print()


def _micmac(_corpus: Corpus, args: argparse.Namespace) -> int:
    from ..prospective.micmac import direct, plane, rank_shifts, validate_influence

    exercise = Exercise.open(args.folder)
    _notice(exercise)
    variables = exercise.variables().set_index("code")["name"]
    matrix = validate_influence(exercise.influence(), list(variables.index), potential=args.potential)
    direct_table = direct(matrix)
    indirect_plane = plane(matrix)
    for warning in indirect_plane.warnings:
        print(f"attention : {warning}")
    table = indirect_plane.table.assign(name=variables)
    shifts = rank_shifts(direct_table, indirect_plane.table)
    shown = pd.DataFrame({
        "variable": table.index, "nom": table["name"], "influence directe": direct_table["influence"],
        "dépendance directe": direct_table["dependence"], "rang influence (indirect)": table["influence_rank"],
        "rang dépendance (indirect)": table["dependence_rank"], "glissement influence": shifts["influence_shift"],
        "quadrant": table["quadrant"],
    }).sort_values("rang influence (indirect)")
    print(f"Influences indirectes : matrice élevée à la puissance {indirect_plane.power} (classement stable).")
    if args.csv:
        spreadsheet_safe(shown).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        print_table(shown)
    return 0


def _mactor(_corpus: Corpus, args: argparse.Namespace) -> int:
    from ..prospective.mactor import balance_of_power, coalitions, mobilisation

    exercise = Exercise.open(args.folder)
    _notice(exercise)
    mid, positions = exercise.actor_influence(), exercise.positions()
    actors = exercise.actors().set_index("code")["name"]
    objectives = exercise.objectives().set_index("code")["name"]
    power = balance_of_power(mid)
    print("Rapports de force (r* : poids de chaque acteur, moyenne 1)")
    print_table(power.assign(nom=actors).reset_index()[["actor", "nom", "influence", "dependence", "r_star"]]
                .rename(columns={"actor": "acteur", "dependence": "dépendance", "r_star": "r*"}).round(2))
    print("\nMobilisation par objectif (positions pondérées par les rapports de force)")
    table = mobilisation(positions, mid).assign(nom=objectives).reset_index()
    print_table(table[["objective", "nom", "n_for", "n_against", "weighted_for", "weighted_against",
                       "weighted_mobilisation"]].rename(columns={
        "objective": "objectif", "n_for": "pour", "n_against": "contre", "weighted_for": "poids pour",
        "weighted_against": "poids contre", "weighted_mobilisation": "mobilisation"}).round(2))
    found = coalitions(positions, mid)
    print("\nCoalitions (acteurs du même côté d’un objectif)")
    groups = found.groups.assign(actors=found.groups["actors"].map(", ".join))
    print_table(groups.replace({"side": {"for": "pour", "against": "contre"}}).rename(columns={
        "objective": "objectif", "side": "côté", "actors": "acteurs", "size": "taille", "intensity": "intensité",
        "weighted_intensity": "intensité pondérée"}).round(2))
    print("\nPaires d’acteurs les plus convergentes")
    print_table(found.pairs.rename(columns={
        "actor_a": "acteur A", "actor_b": "acteur B", "convergences": "convergences", "divergences": "divergences",
        "convergence_intensity": "intensité des convergences", "divergence_intensity": "intensité des divergences",
        "weighted_convergence": "convergence pondérée", "weighted_divergence": "divergence pondérée"}).round(2))
    return 0


def _aggregate(_corpus: Corpus, args: argparse.Namespace) -> int:
    from ..prospective.participation import aggregate_ratings, compare_rounds, disagreements

    exercise = Exercise.open(args.folder)
    _notice(exercise)
    ratings = exercise.ratings(args.ratings)
    table = aggregate_ratings(ratings)
    print(f"{len(ratings)} participant(s) : {', '.join(sorted(ratings))}")
    print(f"{int(table['consensus'].sum())} case(s) en consensus sur {len(table)} ; "
          f"les désaccords les plus marqués :")
    print_table(disagreements(table, args.top).rename(columns={
        "source": "de", "target": "vers", "median": "médiane", "iqr": "écart interquartile",
        "share_agreeing": "part d’accord"}).round(2))
    if args.compare:
        second = aggregate_ratings(exercise.ratings(args.compare))
        compared = compare_rounds(table, second)
        print(f"\nDeuxième tour ({args.compare}) : {int(compared['converged'].sum())} case(s) où le groupe "
              f"s’est rapproché, {int((compared['median_change'] != 0).sum())} médiane(s) modifiée(s).")
        print_table(compared[compared["median_change"] != 0].round(2))
    return 0


def _live(_corpus: Corpus, args: argparse.Namespace) -> int:
    import uvicorn

    from ..live.server import create_app, local_address

    if not 1 <= args.port <= 65535:
        raise AtelierError(f"--port {args.port} : un port de 1 à 65535 est attendu")
    url = (args.url or f"http://{local_address() if args.host == '0.0.0.0' else args.host}:{args.port}").rstrip("/")
    app = create_app(args.folder, url)
    workshop = app.state.room.workshop
    print(f"Atelier « {workshop.exercise.meta.get('title', workshop.folder.name)} »")
    print(f"  participants : {url}  (code de salle {workshop.room_code}, ou le QR code du projecteur)")
    print(f"  projecteur   : {url}/projecteur?cle={workshop.facilitator_key}")
    print(f"  animateur    : {url}/animateur?cle={workshop.facilitator_key}")
    print("Ctrl+C arrête le serveur ; les réponses sont déjà écrites, relancez pour continuer.", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def _cib(_corpus: Corpus, args: argparse.Namespace) -> int:
    from ..prospective.cib import (
        configurations, consistent_scenarios, parse_fixed, possible_variants, within_descriptor_impacts,
        without_within_descriptor_impacts,
    )
    from ..prospective.cib_files import read_cross_impact, read_scw

    path = args.file
    if not path.exists():
        raise AtelierError(f"{path} : fichier introuvable")
    folder = path.parent
    if (folder / "exercise.yaml").exists() and Exercise.open(folder).illustrative:
        print(f"⚠ {ILLUSTRATIVE_NOTICE}", file=sys.stderr if args.format == "csv" else sys.stdout)
    matrix = read_scw(path)[1] if path.suffix.lower() == ".scw" else read_cross_impact(path)
    within = within_descriptor_impacts(matrix)
    if not within.empty:
        notice = sys.stderr if args.format == "csv" else sys.stdout
        listed = ", ".join(f"{descriptor} ({count})" for descriptor, count in within.items())
        if args.ignore_within_descriptor:
            matrix = without_within_descriptor_impacts(matrix)
            print(f"⚠ Impacts à l’intérieur du bloc d’un même descripteur ignorés (--ignorer-blocs-internes) : "
                  f"{listed}. ScenarioWizard les compte.", file=notice)
        else:
            print(f"⚠ La matrice a des impacts à l’intérieur du bloc d’un même descripteur : {listed}. "
                  "Ils sont comptés dans les bilans d’impact, comme dans ScenarioWizard "
                  "(--ignorer-blocs-internes pour les ignorer).", file=notice)
    try:
        fixed = parse_fixed(args.fix)
        scenarios = consistent_scenarios(matrix, args.max_inconsistency, fixed or None,
                                         max_scenarios=args.max_scenarios, progress=True)
    except ValueError as error:
        raise AtelierError(f"{path} : {error}") from None
    if not scenarios.attrs["complete"]:
        share = scenarios.attrs["explored_share"]
        explored = "moins de 0,1 %" if share < 0.001 else f"{100 * share:.1f} %".replace(".", ",")
        print(f"⚠ {len(scenarios)} scénarios trouvés : la recherche s’arrête au plafond --max-scenarios "
              f"({args.max_scenarios}) après avoir exploré {explored} du champ. Le champ est sous-contraint "
              "(trop peu d’impacts pour départager les scénarios) : ceux-ci sont les premiers trouvés, pas les "
              "meilleurs. Complétez la matrice, fixez des descripteurs (--fix) ou relevez le plafond.", file=sys.stderr)
    if args.format == "csv":
        spreadsheet_safe(scenarios).to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    print(f"{len(scenarios)} scénario(s) d’incohérence au plus {args.max_inconsistency} parmi "
          f"{configurations(matrix):,} configurations".replace(",", "\u202f")
          + (f", avec {', '.join(f'{d} = {v}' for d, v in fixed.items())}" if fixed else "") + ".")
    print_table(scenarios.rename(columns={"inconsistency": "incohérence", "total_impact_score": "score d’impact total"}))
    if fixed or args.possible:
        print("\nCe qui reste possible pour chaque descripteur :")
        possible = possible_variants(matrix, fixed or None, args.max_inconsistency, args.max_scenarios)
        print_table(possible.rename(columns={"scenarios": "scénarios", "share": "part", "possible": "possible"}).round(2))
    return 0


def _present(_corpus: Corpus, args: argparse.Namespace) -> int:
    from ..widgets.presentation import build_presentation, export_views

    summary = build_presentation(args.folder, args.out)
    print(f"présentation écrite : {args.out} ({len(summary['built'])} vue(s) sur {len(summary['views'])})")
    if summary["illustrative"]:
        print(f"⚠ {ILLUSTRATIVE_NOTICE}")
    for view, error in summary["failed"].items():
        print(f"vue « {view} » à corriger : {error}")
    if args.export:
        files = export_views(args.out, args.export)
        print(f"{len(files)} image(s) PNG et SVG écrites dans {args.export}")
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"« {text} » : un entier positif est attendu")
    return int(text)


def add_scenario_commands(commands) -> None:
    present = commands.add_parser("present", help="présentation à projeter en atelier (un fichier HTML)",
                                  description="Écrit un fichier HTML autonome (sans réseau, pour une clé USB) : "
                                  "une vue par écran, navigation au clavier (flèches, chiffres, F : plein écran).")
    present.add_argument("folder", type=Path, metavar="DOSSIER")
    present.add_argument("--out", type=Path, required=True, metavar="FICHIER.html")
    present.add_argument("--export", type=Path, metavar="DOSSIER", help="exporter aussi chaque vue en PNG et SVG")
    present.set_defaults(handler=_present)

    cib = commands.add_parser("cib", help="scénarios cohérents (impacts croisés, CIB)",
                              description="Énumère exactement les scénarios cohérents d’une matrice d’impacts "
                              "croisés (CSV, XLSX ou fichier ScenarioWizard .scw).")
    cib.add_argument("file", type=Path, metavar="FICHIER")
    cib.add_argument("--max-inconsistency", type=int, default=0, metavar="N",
                     help="incohérence tolérée (défaut : 0, scénarios pleinement cohérents)")
    cib.add_argument("--fix", action="append", default=[], metavar="D=V",
                     help="fixer un descripteur à une variante (répétable) : que reste-t-il possible ?")
    cib.add_argument("--max-scenarios", type=_positive, default=MAX_SCENARIOS, metavar="N",
                     help=f"arrêter la recherche après N scénarios (défaut : {MAX_SCENARIOS})")
    cib.add_argument("--possible", action="store_true", help="afficher les variantes encore possibles")
    cib.add_argument("--format", choices=["table", "csv"], default="table", help="sortie (défaut : table)")
    cib.add_argument("--ignorer-blocs-internes", dest="ignore_within_descriptor", action="store_true",
                     help="ignorer les impacts entre variantes d’un même descripteur (ScenarioWizard les compte)")
    cib.set_defaults(handler=_cib)

    micmac = commands.add_parser("micmac", help="analyse structurelle (MICMAC) d’un exercice",
                                 description="Influences et dépendances directes et indirectes, plan "
                                 "influence/dépendance et glissements de rang.")
    micmac.add_argument("folder", type=Path, metavar="DOSSIER")
    micmac.add_argument("--potential", action="store_true", help="compter les influences potentielles P comme 3")
    micmac.add_argument("--csv", action="store_true", help="sortie CSV")
    micmac.set_defaults(handler=_micmac)

    mactor = commands.add_parser("mactor", help="stratégies d’acteurs (MACTOR)",
                                 description="Rapports de force, positions pondérées, mobilisation, coalitions.")
    mactor.add_argument("folder", type=Path, metavar="DOSSIER")
    mactor.set_defaults(handler=_mactor)

    aggregate = commands.add_parser("aggregate", help="agréger les notes individuelles des participants",
                                    description="Médiane, écart interquartile, part d’accord et consensus par "
                                    "case ; désaccords ; comparaison de deux tours Delphi.")
    aggregate.add_argument("folder", type=Path, metavar="DOSSIER")
    aggregate.add_argument("--ratings", default="ratings", help="sous-dossier des notes (défaut : ratings)")
    aggregate.add_argument("--compare", metavar="SOUS-DOSSIER", help="second tour à comparer (ex. ratings-tour2)")
    aggregate.add_argument("--top", type=int, default=10, help="nombre de désaccords affichés")
    aggregate.set_defaults(handler=_aggregate)

    live = commands.add_parser(
        "live", help="atelier en direct : les participants répondent depuis leur téléphone",
        description="Démarre le serveur local de l’atelier (sans internet) : les participants rejoignent par le QR "
        "code ou le code de salle affichés au projecteur et notent les cases de la matrice d’influence que "
        "l’animateur ouvre (tours Delphi) ; chaque réponse est écrite dans ratings/<tour>/ de l’exercice.")
    live.add_argument("folder", type=Path, metavar="DOSSIER")
    live.add_argument("--host", default="0.0.0.0", help="adresse d’écoute (défaut : 0.0.0.0, tout le réseau local)")
    live.add_argument("--port", type=int, default=8765, help="port (défaut : 8765)")
    live.add_argument("--url", help="adresse que les téléphones utilisent (défaut : l’adresse de cet ordinateur sur le réseau local)")
    live.set_defaults(handler=_live)
