"""``atelier themes``: cluster the corpus into themes, write tables and figures."""

from __future__ import annotations

import argparse

import pandas as pd

from ..corpus.store import Corpus
from ..errors import AtelierError
from ..fsio import atomic_write_bytes
from ..themes.outputs import output_folder, write_outputs
from ..themes.topics import METHODS
from .table import print_table


def _themes(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..themes.pipeline import compare_numbers_of_themes, run_themes

    if args.choose_k:
        themes = run_themes(corpus, args.method, args.k, args.segment_size, args.random_state,
                            exclude_person_names=not args.keep_names)
        low, high = args.choose_k
        table = compare_numbers_of_themes(themes, range(low, high + 1), random_state=args.random_state)
        print_table(table.rename(columns={"themes_found": "thèmes trouvés", "npmi": "cohérence NPMI",
                                          "stability_ari": "stabilité (ARI)", "stability_ari_sd": "écart-type"}).round(3))
        return 0
    themes = run_themes(corpus, args.method, args.k, args.segment_size, args.random_state,
                        exclude_person_names=not args.keep_names, keyness=args.keyness)
    out_dir = output_folder(corpus, args.method, args.k, args.segment_size)
    written = write_outputs(corpus, themes, out_dir)
    classified = (themes.segments["theme"] > 0).mean() * 100
    print(f"{args.method} : {len(themes.sizes)} thèmes sur {len(themes.segments)} segments "
          f"({classified:.1f} % classés), {themes.matrix.shape[1]} formes.")
    if args.keep_names:
        print("Noms de personnes conservés (--keep-names).")
    else:
        print(f"{len(themes.person_names)} mentions de noms de personnes retirées avant la classification "
              f"({themes.person_names['name'].nunique()} noms différents).")
    names = themes.labels_of_themes(6)
    for row in themes.sizes.itertuples():
        print(f"  thème {row.theme} ({row.segments} segments, {100 * row.share:.1f} %) : {names.get(row.theme, '')}")
    print(f"{len(written)} fichiers écrits dans {out_dir}")
    return 0


def _suggest(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..coding.codebook import known_code
    from ..coding.store import CodingStore, accept_suggestion
    from ..themes.pipeline import suggestions_for

    code = known_code(corpus.codebook_path, args.code)
    try:
        suggestions = suggestions_for(corpus, code, args.n, args.method, args.k, args.random_state)
    except ValueError as error:
        raise AtelierError(str(error)) from None
    shown = suggestions.assign(n=range(1, len(suggestions) + 1), text=suggestions["text"].str.slice(0, 70),
                               probability=suggestions["probability"].round(2))
    if len(shown):
        print_table(shown[["n", "doc_id", "start", "end", "probability", "text"]])
    accepted, rejected = _numbers(args.accept, "--accept", len(suggestions)), _numbers(args.reject, "--reject", len(suggestions))
    if not accepted and not rejected:
        print(f"{len(suggestions)} segment(s) proposé(s) pour « {code} » (rien n’est écrit) ; pour en accepter ou en "
              "rejeter : --accept 1,3 --reject 2 --coder NOM (un rejet n’est plus proposé).")
        return 0
    if not args.coder:
        raise AtelierError("--coder est obligatoire avec --accept ou --reject")
    both = sorted(set(accepted) & set(rejected))
    if both:
        raise AtelierError(f"la proposition {both[0]} est à la fois acceptée et rejetée")
    store = CodingStore.of(corpus)
    for number in accepted:
        accept_suggestion(corpus, args.coder, suggestions.iloc[number - 1])
    for number in rejected:
        row = suggestions.iloc[number - 1]
        store.reject(args.coder, row["doc_id"], row["start"], row["end"], code)
    print(f"{len(accepted)} proposition(s) acceptée(s), {len(rejected)} rejetée(s) : « {code} », codeur {args.coder}.")
    return 0


def _numbers(listed: str | None, option: str, count: int) -> list[int]:
    """The proposal numbers of ``--accept 1,3`` (1 to ``count``)."""
    parts = [part for part in (listed or "").replace(" ", "").split(",") if part]
    wrong = [part for part in parts if not part.isdigit() or not 1 <= int(part) <= count]
    if wrong:
        raise AtelierError(f"{option} : « {wrong[0]} » n’est pas un numéro de proposition (1 à {count})")
    return sorted({int(part) for part in parts})


ANALYSES = ("specificites", "afc", "similitudes", "frequences", "segments", "concordances")


def _textometry(corpus: Corpus, args: argparse.Namespace) -> int:
    from ..themes import textometry

    if args.analysis == "concordances":
        if not args.motif:
            raise AtelierError("concordances : indiquez le mot cherché avec --motif")
        lines = textometry.concordances(corpus, args.motif, args.par)
        print_table(lines)
        print(f"{len(lines)} occurrence(s) de « {args.motif} » dans les documents publics, par {args.par}.")
        return 0
    parts = textometry.parts_of_corpus(corpus, args.par, include_private=False)
    folder = corpus.derived_dir / "textometrie"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{args.analysis}-{args.par}"
    figure = None
    if args.analysis == "segments":
        table = textometry.repeated_segments(parts["counted"], min_frequency=args.min_frequence).head(args.n)
        print_table(table.rename(columns={"length": "longueur", "frequency": "fréquence"}))
    elif args.analysis == "similitudes":
        result = textometry.similitudes(parts["counted"], n_forms=args.formes, index=args.indice)
        table = pd.DataFrame([(a, b, round(data["weight"], 3)) for a, b, data in result["graph"].edges(data=True)],
                             columns=["forme 1", "forme 2", args.indice])
        for number, group in enumerate(result["communities"], start=1):
            print(f"communauté {number} : {', '.join(group)}")
        figure = textometry.similitudes_figure(result)
    else:
        lexical = textometry.lexical_table(parts["counted"], parts["part"])
        if args.analysis == "frequences":
            table = textometry.frequencies(lexical, args.n).reset_index(names="forme")
            print("Fréquences totales, puis pour mille occurrences de chaque partie :")
            print_table(table)
        elif args.analysis == "afc":
            result = textometry.correspondence_analysis_of_parts(lexical, args.formes)
            table = pd.concat([result["parts"].assign(type="partie"), result["forms"].assign(type="forme")]).round(4)
            table = table.reset_index(names="élément")
            print(f"Inertie : axe 1 {100 * result['inertia'][0]:.1f} %, axe 2 {100 * result['inertia'][1]:.1f} %")
            print_table(table)
            figure = textometry.afc_figure(result, args.par)
        else:
            scores = textometry.specificities(lexical, args.methode)
            table = textometry.specific_forms(lexical, scores, args.n, method=args.methode)
            print_table(table.assign(score=table["score"].round(2)).rename(columns={
                "part": args.par, "form": "forme", "frequency": "fréquence", "total": "total", "sign": "signe"}))
            figure = textometry.specificities_figure(table, args.par, args.methode)
    atomic_write_bytes(folder / f"{name}.csv", table.to_csv(index=False).encode("utf-8"))
    print(f"Tableau : {folder / f'{name}.csv'}")
    if figure is not None:
        figure.savefig(folder / f"{name}.png", dpi=150)
        print(f"Figure : {folder / f'{name}.png'}")
    return 0


def add_theme_commands(commands) -> None:
    textometry = commands.add_parser(
        "textometrie", help="statistiques textuelles par attribut (spécificités, AFC, similitudes…)",
        description="Statistiques textuelles des documents publics (noms de personnes retirés), le corpus étant "
        "découpé en parties par un attribut des documents : specificites (formes sur- et sous-employées de chaque "
        "partie : modèle hypergéométrique de Lafon comme Lexico et TXM, ou khi-deux comme IRaMuTeQ), afc (analyse "
        "factorielle des correspondances formes × parties), similitudes (arbre maximum des cooccurrences et ses "
        "communautés, comme IRaMuTeQ), frequences, segments (segments répétés), concordances (--motif). "
        "Tableaux et figures dans corpus/derived/textometrie/.")
    textometry.add_argument("analysis", choices=ANALYSES, metavar="ANALYSE", help=", ".join(ANALYSES))
    textometry.add_argument("--par", required=True, metavar="ATTRIBUT",
                            help="attribut des documents qui découpe le corpus (year, genre, territory, level…)")
    textometry.add_argument("--methode", choices=["lafon", "chi2"], default="lafon",
                            help="spécificités : lafon (Lexico, TXM ; défaut) ou chi2 (IRaMuTeQ)")
    textometry.add_argument("--n", type=int, default=10, help="formes ou segments montrés par partie (défaut : 10)")
    textometry.add_argument("--formes", type=int, default=40, help="afc, similitudes : nombre de formes (défaut : 40)")
    textometry.add_argument("--indice", choices=["cooccurrence", "jaccard"], default="cooccurrence",
                            help="similitudes : indice de cooccurrence (défaut : cooccurrence)")
    textometry.add_argument("--min-frequence", type=int, default=3, help="segments : fréquence minimale (défaut : 3)")
    textometry.add_argument("--motif", help="concordances : le mot ou l’expression cherchés")
    textometry.set_defaults(handler=_textometry)

    parser = commands.add_parser(
        "themes", help="thèmes du corpus (méthode Reinert, NMF, LDA, k-means)",
        description="Classe les segments du corpus en thèmes et écrit tableaux et figures dans "
        "corpus/derived/themes/. Résultats identiques pour un même --random-state.")
    parser.add_argument("--method", choices=METHODS, default="reinert", help="méthode (défaut : reinert)")
    parser.add_argument("--k", type=int, default=8, help="nombre de thèmes (défaut : 8)")
    parser.add_argument("--segment-size", type=int, default=40, help="taille des segments en mots (défaut : 40)")
    parser.add_argument("--random-state", type=int, default=0, help="graine (défaut : 0)")
    parser.add_argument("--keep-names", action="store_true",
                        help="garder les noms de personnes (par défaut ils sont retirés des textes avant la classification)")
    parser.add_argument("--keyness", choices=["segments", "tokens"], default="segments",
                        help="termes caractéristiques comptés en segments qui les contiennent (IRaMuTeQ, défaut) "
                        "ou en occurrences (tokens, comme rainette_stats)")
    parser.add_argument("--choose-k", type=int, nargs=2, metavar=("MIN", "MAX"),
                        help="comparer la cohérence et la stabilité pour k de MIN à MAX")
    parser.set_defaults(handler=_themes)

    suggest = commands.add_parser(
        "suggest", help="segments proposés pour un code, à accepter ou non",
        description="Entraîne un classifieur sur les segments déjà codés (le code et ses sous-codes contre les "
        "autres codes) et propose les segments non codés qui leur ressemblent ; rien n’est écrit sans --accept.")
    suggest.add_argument("code", metavar="CODE")
    suggest.add_argument("--n", type=int, default=10, help="nombre de propositions (défaut : 10)")
    suggest.add_argument("--method", choices=METHODS, default="nmf", help="représentation des segments (défaut : nmf)")
    suggest.add_argument("--k", type=int, default=8, help="nombre de thèmes de la représentation (défaut : 8)")
    suggest.add_argument("--random-state", type=int, default=0, help="graine (défaut : 0)")
    suggest.add_argument("--accept", help="numéros des propositions acceptées, ex. 1,3")
    suggest.add_argument("--reject", help="numéros des propositions rejetées (plus proposées ensuite), ex. 2")
    suggest.add_argument("--coder", help="codeur qui accepte ou rejette")
    suggest.set_defaults(handler=_suggest)
