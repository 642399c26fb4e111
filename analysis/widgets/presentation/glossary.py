"""The method's terms, each explained in one French line, and the terms each view uses: the
presentation shows them on its view when the facilitator presses « ? »."""

from __future__ import annotations

TERMS = {
    "influence directe": "Note de 0 à 3 : combien la variable de la ligne agit sur celle de la colonne, sans intermédiaire.",
    "P": "Influence potentielle : elle n’existe pas aujourd’hui mais pourrait apparaître ; comptée comme 3 si on le demande.",
    "MICMAC": "Méthode de l’analyse structurelle : classe les variables par leur influence et leur dépendance, directes et indirectes.",
    "influence / dépendance": "Influence : combien une variable agit sur les autres ; dépendance : combien elle en subit.",
    "puissance": "Les influences indirectes sont celles de la matrice élevée à cette puissance : les chaînes de cette longueur.",
    "quadrants": "Déterminantes (influentes, peu dépendantes), relais (les deux), résultats (dépendantes), autonomes (ni l’un ni l’autre).",
    "glissement": "Rang direct moins rang indirect : positif, la variable pèse plus par les chaînes d’influence que directement.",
    "CIB": "Analyse d’impacts croisés : chaque variante d’un descripteur favorise ou freine les variantes des autres.",
    "scénario cohérent": "Une variante par descripteur, telle qu’aucune ne serait mieux soutenue par les autres que celle choisie.",
    "incohérence": "De combien, au pire, une autre variante serait mieux soutenue que celle du scénario ; 0 : parfaitement cohérent.",
    "score d’impact total": "Somme des soutiens que les variantes du scénario se donnent : plus il est grand, plus le scénario se tient.",
    "boîte morphologique": "Le tableau des descripteurs et de leurs variantes possibles ; un scénario en prend une par colonne.",
    "MACTOR": "Méthode des jeux d’acteurs : rapports de force, positions sur les objectifs, alliances et conflits.",
    "r*": "Rapport de force d’un acteur (influences reçues et données, directes et indirectes) ; 1 en moyenne.",
    "3CAA": "Convergences entre acteurs : les objectifs sur lesquels deux acteurs sont d’accord, pondérés par r* et les priorités.",
    "coalition": "Acteurs qui convergent sur les mêmes objectifs et peuvent agir ensemble.",
    "levier": "Ce qu’une collectivité peut faire dans un scénario : enjeu, alliés, instruments, échelle.",
    "capacité locale": "« Peut agir » : avec ses compétences actuelles ; « nouvelle stratégie » : il lui faut d’autres moyens ou alliés.",
    "médiane": "La note du milieu : la moitié des participants a noté moins, l’autre moitié plus.",
    "écart interquartile": "L’écart entre les notes qui encadrent la moitié centrale du groupe : grand, le groupe est divisé.",
    "consensus": "Au moins deux tiers des notes à un point de la médiane et un écart interquartile d’au plus 1.",
    "Delphi": "Tours successifs : chacun voit le résultat anonyme du groupe et peut réviser sa note.",
    "seuil": "Seules les influences au moins égales au seuil sont dessinées : le graphe montre les plus fortes.",
    "bilan d’impact": "Somme des impacts qu’une variante reçoit des variantes choisies pour les autres descripteurs.",
    "divergence": "Deux acteurs de côtés opposés sur des objectifs (3DAA : pondéré par r* et les priorités).",
    "soufflerie": "Tester chaque levier dans chaque scénario : fonctionne-t-il, en partie, ou pas ?",
    "robustesse": "Un levier robuste fonctionne dans tous les scénarios : on peut l’engager sans savoir lequel adviendra.",
}

VIEW_TERMS = {
    "titre": ["MICMAC", "CIB", "MACTOR", "Delphi"],
    "matrice": ["influence directe", "P", "MICMAC"],
    "plan-direct": ["MICMAC", "influence directe", "influence / dépendance", "quadrants"],
    "plan": ["MICMAC", "influence / dépendance", "puissance", "quadrants"],
    "deplacements": ["influence / dépendance", "puissance", "glissement"],
    "graphe": ["influence directe", "seuil", "quadrants"],
    "scenarios": ["CIB", "scénario cohérent", "incohérence", "score d’impact total"],
    "bilans": ["CIB", "bilan d’impact", "scénario cohérent", "incohérence"],
    "boite": ["boîte morphologique", "scénario cohérent", "CIB"],
    "acteurs": ["MACTOR", "r*", "3CAA", "coalition"],
    "alliances": ["MACTOR", "3CAA", "divergence", "seuil"],
    "leviers": ["levier", "capacité locale", "coalition", "robustesse"],
    "soufflerie": ["soufflerie", "robustesse", "levier", "scénario cohérent"],
    "consensus": ["médiane", "écart interquartile", "consensus", "Delphi"],
}
