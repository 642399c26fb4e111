"""``atelier themes``: cluster the corpus into themes, write tables and figures."""

from __future__ import annotations

import argparse

from ..corpus.store import Corpus
from ..errors import AtelierError
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


def add_theme_commands(commands) -> None:
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
