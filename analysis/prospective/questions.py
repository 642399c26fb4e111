"""What a workshop round can ask participants to rate, each read from the exercise's tables.

A question is a list of items, each named by two coordinates (``source``, ``target``: the row and
the column of the table it fills), one French sentence per item, and the scale every answer is
checked against. The kinds follow the methods' own scales:

===============  ==============================================  =============================================
kind             items                                           scale
===============  ==============================================  =============================================
``influence``    variable → variable (MICMAC)                    0, 1, 2, 3, P (potential)
``impacts``      « descriptor : variant » → « descriptor :        −3 … +3 (CIB: hinders strongly … favours
                 variant », across descriptors                   strongly)
``positions``    actor × objective (MACTOR)                      −4 … +4 (against / for; 1 processes,
                                                                 2 projects, 3 missions, 4 existence)
``enjeux``       variable × importance / incertitude             1 … 5
``leviers``      lever (its stake) × named scenario              0 does not work, 1 partly, 2 works
                 (wind-tunnelling)
===============  ==============================================  =============================================
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AtelierError
from .exercise import Exercise

INFLUENCE_SCALE = [("0", "aucune"), ("1", "faible"), ("2", "moyenne"), ("3", "forte"), ("P", "potentielle")]
IMPACT_SCALE = [("-3", "freine fort"), ("-2", "freine"), ("-1", "freine un peu"), ("0", "sans effet"),
                ("1", "favorise un peu"), ("2", "favorise"), ("3", "favorise fort")]
_INTENSITY = {1: "procédures", 2: "projets", 3: "missions", 4: "existence"}
POSITION_SCALE = ([(str(-k), f"contre ({_INTENSITY[k]})") for k in (4, 3, 2, 1)] + [("0", "neutre")]
                  + [(str(k), f"pour ({_INTENSITY[k]})") for k in (1, 2, 3, 4)])
STAKE_SCALE = [("1", "très faible"), ("2", "faible"), ("3", "moyenne"), ("4", "forte"), ("5", "très forte")]
#: Wind-tunnelling: does a lever still work in a scenario?
LEVER_SCALE = [("0", "ne fonctionne pas"), ("1", "en partie"), ("2", "fonctionne")]
STAKE_AXES = {"importance": "Importance de « {name} » pour l’avenir des politiques locales de l’ESS",
              "incertitude": "Incertitude sur l’évolution de « {name} »"}
#: What a potential influence counts for in the group's median (as ``atelier aggregate``).
POTENTIAL_AS = 3


@dataclass(frozen=True)
class Question:
    kind: str
    title: str
    scale: list[tuple[str, str]]
    #: (source, target) → the sentence a participant reads
    items: dict[tuple[str, str], str]
    rows: list[str]
    columns: list[str]

    def check(self, value) -> str:
        """``value`` as written in the files, or a French error naming the scale."""
        text = str(value).strip().upper().removeprefix("+")
        if text not in dict(self.scale):
            raise AtelierError(f"valeur « {str(value)[:20]} » hors de l’échelle ({', '.join(v for v, _ in self.scale)})")
        return text

    def number(self, value: str) -> int:
        return POTENTIAL_AS if value == "P" else int(value)

    @property
    def bounds(self) -> tuple[int, int]:
        numbers = [self.number(value) for value, _ in self.scale]
        return min(numbers), max(numbers)


def _influence(exercise: Exercise) -> Question:
    variables = exercise.variables()
    codes, names = list(variables["code"]), dict(zip(variables["code"], variables["name"]))
    items = {(s, t): f"Influence de « {names[s]} » sur « {names[t]} »" for s in codes for t in codes if s != t}
    return Question("influence", "Influences directes entre variables (0 à 3, P potentielle)", INFLUENCE_SCALE, items,
                    codes, codes)


def variant_key(descriptor: str, variant: str) -> str:
    return f"{descriptor} : {variant}"


def _impacts(exercise: Exercise) -> Question:
    descriptors = exercise.descriptors()
    keys = [(d, v, label) for d, v, label in zip(descriptors["descriptor"], descriptors["variant"], descriptors["label"])]
    items = {(variant_key(d, v), variant_key(e, w)): f"Si « {d} » est « {label} », cela favorise-t-il « {e} » : « {other} » ?"
             for d, v, label in keys for e, w, other in keys if d != e}
    labels = [variant_key(d, v) for d, v, _ in keys]
    return Question("impacts", "Impacts croisés entre variantes (−3 freine fort … +3 favorise fort)", IMPACT_SCALE, items,
                    labels, labels)


def _positions(exercise: Exercise) -> Question:
    actors, objectives = exercise.actors(), exercise.objectives()
    actor_names = dict(zip(actors["code"], actors["name"]))
    objective_names = dict(zip(objectives["code"], objectives["name"]))
    items = {(a, o): f"Position de « {actor_names[a]} » sur l’objectif « {objective_names[o]} »"
             for a in actor_names for o in objective_names}
    return Question("positions", "Positions des acteurs sur les objectifs (−4 contre … +4 pour)", POSITION_SCALE, items,
                    list(actor_names), list(objective_names))


def _stakes(exercise: Exercise) -> Question:
    variables = exercise.variables()
    items = {(code, axis): sentence.format(name=name) for code, name in zip(variables["code"], variables["name"])
             for axis, sentence in STAKE_AXES.items()}
    return Question("enjeux", "Importance et incertitude des variables (1 à 5)", STAKE_SCALE, items,
                    list(variables["code"]), list(STAKE_AXES))


def _levers(exercise: Exercise) -> Question:
    stakes = list(dict.fromkeys(exercise.levers()["stake"]))
    scenarios = list(exercise.named_scenarios()["name"])
    if not scenarios:
        raise AtelierError(f"{exercise.folder}/scenarios.csv : aucun scénario nommé, la soufflerie teste chaque levier "
                           "dans chaque scénario")
    items = {(stake, scenario): f"Le levier « {stake} » fonctionne-t-il dans le scénario « {scenario} » ?"
             for stake in stakes for scenario in scenarios}
    return Question("leviers", "Soufflerie : chaque levier fonctionne-t-il dans chaque scénario ?", LEVER_SCALE, items,
                    stakes, scenarios)


BUILDERS = {"influence": _influence, "impacts": _impacts, "positions": _positions, "enjeux": _stakes,
            "leviers": _levers}


def question(exercise: Exercise, kind: str) -> Question:
    if kind not in BUILDERS:
        raise AtelierError(f"type de tour inconnu : « {str(kind)[:30]} » (types : {', '.join(BUILDERS)})")
    return BUILDERS[kind](exercise)
