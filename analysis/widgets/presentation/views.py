"""The views of the presentation, one function each, from the tables of an exercise."""

from __future__ import annotations

import json

import pandas as pd

from ...errors import AtelierError
from ...prospective.exercise import Exercise
from ...prospective.micmac import AUTONOMOUS, DETERMINANT, QUADRANT_COLOURS, RELAY, RESULT, plane
from .drawing import (
    POTENTIAL_COLOUR, SCALE_COLOURS, code_legend, escape, french_number, grid_svg, mix, scale_colour, scale_legend,
    svg_open, svg_text,
)

_QUADRANT_PLACES = {  # micmac label -> (title, corner); colours from micmac.QUADRANT_COLOURS
    DETERMINANT: ("Déterminantes (motrices)", "top-left"),
    RELAY: ("Relais (enjeux)", "top-right"),
    RESULT: ("Résultats (dépendantes)", "bottom-right"),
    AUTONOMOUS: ("Autonomes (exclues)", "bottom-left"),
}


class Context:
    """What the views share, each piece computed once; errors propagate to the view asking."""

    def __init__(self, exercise: Exercise):
        self.exercise = exercise
        self._cache: dict[str, object] = {}

    def get(self, key: str, compute):
        if key not in self._cache:
            try:
                self._cache[key] = ("ok", compute())
            except Exception as error:  # remembered and raised again for every view that needs it
                self._cache[key] = ("error", error)
        state, value = self._cache[key]
        if state == "error":
            raise value
        return value

    def variables(self) -> pd.DataFrame:
        return self.get("variables", self.exercise.variables)

    def influence(self) -> pd.DataFrame:
        def compute():
            from ...prospective.micmac import validate_influence
            raw = self.exercise.influence()
            validate_influence(raw, list(self.variables()["code"]))
            return raw
        return self.get("influence", compute)

    def scenarios(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        def compute():
            from ...prospective.cib import consistent_scenarios
            from ...prospective.cib_files import read_cross_impact
            descriptors = self.exercise.descriptors()
            path = self.exercise.crossimpact_path()
            matrix = read_cross_impact(path, descriptors)
            try:
                found = consistent_scenarios(matrix)
            except ValueError as error:
                raise AtelierError(f"{path} : {error}") from None
            return descriptors, found
        return self.get("scenarios", compute)


def _view_matrix(context: Context) -> tuple[str, str]:
    variables = context.variables()
    raw = context.influence()
    codes = list(raw.index)
    cells = {}
    for i, row in enumerate(codes):
        for j, column in enumerate(raw.columns):
            value = str(raw.loc[row, column]).strip()
            if i == j or value in ("", "0"):
                continue
            if value.upper() == "P":
                cells[(i, j)] = ("P", POTENTIAL_COLOUR, False)
            else:
                cells[(i, j)] = (value, SCALE_COLOURS[int(value)], False)
    figure = grid_svg(codes, cells, "Matrice des influences directes")
    ordered = variables.set_index("code").loc[codes].reset_index()
    side = (f'<div class="side"><h3>Lecture : la ligne agit sur la colonne</h3>{scale_legend()}'
            f'<h3 class="small-gap">Codes des variables</h3>{code_legend(ordered)}</div>')
    return "Matrice des influences directes entre variables (0 à 3, P : potentielle)", figure + side


def _plane_labels(points: list[tuple[str, float, float]], bounds, reserved) -> list[tuple[float, float, str]]:
    """Place each code near its point without overlapping the labels already placed."""
    x0, y0, x1, y1 = bounds
    placed: list[tuple[float, float, float, float]] = list(reserved)
    result = []
    for code, px, py in points:
        w, h = len(code) * 16 + 4, 28
        candidates = [(px + 14, py, "start"), (px - 14, py, "end"), (px, py - 26, "middle"), (px, py + 28, "middle"),
                      (px + 14, py - 26, "start"), (px + 14, py + 26, "start"), (px - 14, py - 26, "end"),
                      (px - 14, py + 26, "end")]
        candidates += [(px + dx, py + dy, "start") for dy in (-50, 50, -75, 75, 0) for dx in (14, 40, 70)]
        chosen = None
        for x, y, anchor in candidates:
            left = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
            box = (left, y - h / 2, left + w, y + h / 2)
            inside = box[0] >= x0 and box[2] <= x1 and box[1] >= y0 and box[3] <= y1
            clear = all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3] for b in placed)
            clear = clear and all(not (box[0] - 9 <= qx <= box[2] + 9 and box[1] - 9 <= qy <= box[3] + 9)
                                  for _, qx, qy in points)
            if inside and clear:
                chosen = (x, y, anchor, box)
                break
        if chosen is None:
            x, y, anchor = candidates[0]
            chosen = (x, y, anchor, (x, y - h / 2, x + w, y + h / 2))
        placed.append(chosen[3])
        result.append((chosen[0], chosen[1], chosen[2]))
    return result


def _view_plane(context: Context) -> tuple[str, str]:
    variables = context.variables()
    indirect_plane = plane(context.influence())
    table, power = indirect_plane.table, indirect_plane.power
    xs = table["dependence_norm"].to_numpy() * 100
    ys = table["influence_norm"].to_numpy() * 100
    width, height = 1120, 800
    left, right, top, bottom = 100, 30, 20, 90
    x_max = max(float(xs.max()) * 1.08, 1e-9)
    y_max = max(float(ys.max()) * 1.08, 1e-9)
    x_min, y_min = -0.06 * x_max, -0.06 * y_max

    def sx(v):
        return left + (v - x_min) / (x_max - x_min) * (width - left - right)

    def sy(v):
        return height - bottom - (v - y_min) / (y_max - y_min) * (height - top - bottom)

    mx, my = sx(100 / len(table)), sy(100 / len(table))
    parts = [svg_open(width, height, "Plan influence/dépendance indirectes")]
    x0, y0, x1, y1 = left, top, width - right, height - bottom
    for key, (title, corner) in _QUADRANT_PLACES.items():
        tint = mix("#FFFFFF", QUADRANT_COLOURS[key], 0.12)
        qx0, qx1 = (x0, mx) if "left" in corner else (mx, x1)
        qy0, qy1 = (y0, my) if "top" in corner else (my, y1)
        parts.append(f'<rect x="{qx0:.1f}" y="{qy0:.1f}" width="{qx1 - qx0:.1f}" height="{qy1 - qy0:.1f}" fill="{tint}"/>')
    parts.append(f'<line x1="{mx:.1f}" y1="{y0}" x2="{mx:.1f}" y2="{y1}" stroke="#333" stroke-width="2" '
                 f'stroke-dasharray="8 6"/>')
    parts.append(f'<line x1="{x0}" y1="{my:.1f}" x2="{x1}" y2="{my:.1f}" stroke="#333" stroke-width="2" '
                 f'stroke-dasharray="8 6"/>')
    for title, corner in _QUADRANT_PLACES.values():
        tx = x0 + 12 if "left" in corner else x1 - 12
        ty = y0 + 22 if "top" in corner else y1 - 22
        parts.append(svg_text(tx, ty, title, size=26, anchor="start" if "left" in corner else "end",
                           fill="#000", weight="bold"))
    parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#000" '
                 f'stroke-width="2"/>')
    for k in range(0, int(x_max) + 1, max(1, int(x_max // 4) or 1)):
        parts.append(svg_text(sx(k), y1 + 22, str(k), anchor="middle"))
    for k in range(0, int(y_max) + 1, max(1, int(y_max // 4) or 1)):
        parts.append(svg_text(x0 - 10, sy(k), str(k), anchor="end"))
    parts.append(svg_text((x0 + x1) / 2, height - 22, "Dépendance indirecte (% du total) →", anchor="middle"))
    parts.append(svg_text(30, (y0 + y1) / 2, "Influence indirecte (% du total) →", anchor="middle", rotate=-90))
    points = [(code, sx(x), sy(y)) for code, x, y in zip(table.index, xs, ys)]
    for (code, px, py), quadrant in zip(points, table["quadrant"]):
        colour = QUADRANT_COLOURS[quadrant]
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="9" fill="{colour}" stroke="#000" stroke-width="2"/>')
    reserved = [(x0, y0, x0 + 300, y0 + 44), (x1 - 240, y0, x1, y0 + 44), (x0, y1 - 44, x0 + 300, y1),
                (x1 - 330, y1 - 44, x1, y1)]
    for (code, _, _), (lx, ly, anchor) in zip(points, _plane_labels(points, (x0, y0, x1, y1), reserved)):
        parts.append(svg_text(lx, ly, code, anchor=anchor, weight="bold"))
    parts.append("</svg>")
    names = variables.set_index("code")["name"]
    groups = []
    for key, (title, _) in _QUADRANT_PLACES.items():
        colour = QUADRANT_COLOURS[key]
        members = table.index[table["quadrant"] == key]
        if not len(members):
            continue
        items = "".join(f'<li><span class="code">{escape(c)}</span>{escape(names.get(c, ""))}</li>' for c in members)
        groups.append(f'<div class="group"><span class="mark" style="background:{colour}"></span>{escape(title)}</div>'
                      f'<ul class="legend">{items}</ul>')
    side = f'<div class="side">{"".join(groups)}</div>'
    title = f"Plan influence / dépendance indirectes (puissance {power}) : quatre quadrants"
    return title, "".join(parts) + side


def _shift_mark(shift: int) -> str:
    return f"▲ {shift}" if shift > 0 else f"▼ {-shift}" if shift < 0 else "="


def _view_shifts(context: Context) -> tuple[str, str]:
    """Each variable's rank of influence and of dependence, direct then indirect: the variables
    that climb once the chains of influence are counted are those MICMAC reveals."""
    from ...prospective.micmac import direct, rank_shifts
    matrix = context.influence()
    indirect_plane = plane(matrix)
    shifts = rank_shifts(direct(matrix), indirect_plane.table)
    names = context.variables().set_index("code")["name"]
    order = shifts.sort_values(["influence_rank_indirect", "dependence_rank_indirect"]).index
    rows = "".join(
        f'<tr><th>{escape(code)}</th><td>{escape(names.get(code, ""))}</td>'
        f'<td>{int(shifts.loc[code, "influence_rank_direct"])} → {int(shifts.loc[code, "influence_rank_indirect"])}</td>'
        f'<td class="shift">{_shift_mark(int(shifts.loc[code, "influence_shift"]))}</td>'
        f'<td>{int(shifts.loc[code, "dependence_rank_direct"])} → {int(shifts.loc[code, "dependence_rank_indirect"])}</td>'
        f'<td class="shift">{_shift_mark(int(shifts.loc[code, "dependence_shift"]))}</td></tr>' for code in order)
    table = ('<div class="side"><table class="grid shifts"><thead><tr><th>Code</th><th>Variable</th>'
             '<th>Rang d’influence, direct → indirect</th><th>Glissement</th><th>Rang de dépendance, direct → indirect</th>'
             f'<th>Glissement</th></tr></thead><tbody>{rows}</tbody></table>'
             '<p>▲ : la variable monte quand on compte les influences indirectes ; ▼ : elle descend.</p></div>')
    return (f"Du direct à l’indirect (puissance {indirect_plane.power}) : les rangs qui changent", table)


def _view_scenarios(context: Context) -> tuple[str, str]:
    descriptors, found = context.scenarios()
    if found.empty:
        raise AtelierError(f"{context.exercise.crossimpact_path()} : aucun scénario cohérent dans la matrice "
                           "d’impacts croisés")
    labels = {(d, v): label for d, v, label in zip(descriptors["descriptor"], descriptors["variant"],
                                                    descriptors["label"])}
    names = list(dict.fromkeys(descriptors["descriptor"]))
    shown = found.head(4)
    titles = context.exercise.scenario_names(shown)
    head = "".join(f"<th>{escape(title)}<br>incohérence {int(row['inconsistency'])}, "
                   f"score {int(row['total_impact_score'])}</th>" for title, (_, row) in zip(titles, shown.iterrows()))
    rows = []
    for d in names:
        cells = "".join(f'<td><span class="variant">{escape(row[d])}</span>'
                        f'{escape(labels.get((d, row[d]), "")) if labels.get((d, row[d]), "") != row[d] else ""}</td>'
                        for _, row in shown.iterrows())
        rows.append(f"<tr><th>{escape(d)}</th>{cells}</tr>")
    more = (f'<p>{len(found)} scénarios cohérents : les 4 premiers sont montrés.</p>' if len(found) > 4 else "")
    table = (f'<div class="side"><table class="grid scenarios"><thead><tr><th>Descripteur</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>{more}</div>')
    title = f"Les {len(found)} scénarios cohérents (impacts croisés) côte à côte"
    if len(found) == 1:
        title = "Le scénario cohérent (impacts croisés)"
    return title, table


def _view_box(context: Context) -> tuple[str, str]:
    descriptors, found = context.scenarios()
    names = list(dict.fromkeys(descriptors["descriptor"]))
    variants = {d: list(descriptors.loc[descriptors["descriptor"] == d, "variant"]) for d in names}
    labels = {(d, v): label for d, v, label in zip(descriptors["descriptor"], descriptors["variant"],
                                                    descriptors["label"])}
    chosen = [[variants[d].index(row[d]) for d in names] for _, row in found.iterrows()]
    columns = []
    for k, d in enumerate(names):
        cells = "".join(f'<div class="cell" data-d="{k}" data-v="{m}"><span class="variant">{escape(v)}</span>'
                        f'{escape(labels[(d, v)]) if labels[(d, v)] != v else ""}</div>'
                        for m, v in enumerate(variants[d]))
        columns.append(f'<div class="column"><div class="head">{escape(d)}</div>{cells}</div>')
    scenarios = escape(json.dumps(chosen))
    titles = escape(json.dumps(context.exercise.scenario_names(found), ensure_ascii=False))
    if chosen:
        chooser = (f'<div class="chooser" data-names="{titles}">Scénario cohérent <span class="which">1</span> sur '
                   f'{len(chosen)} : <span class="name"></span> (encadré, ✔) — ↑ ↓ pour en montrer un autre</div>')
    else:
        chooser = '<div class="chooser">Aucun scénario cohérent : aucune case n’est surlignée.</div>'
    body = (f'<div class="side">{chooser}<div class="box small-gap" data-scenarios="{scenarios}" data-current="0">'
            f'{"".join(columns)}</div></div>')
    return "Boîte morphologique : les variantes de chaque descripteur, un scénario cohérent surligné", body


def _view_actors(context: Context) -> tuple[str, str]:
    from ...prospective.mactor import balance_of_power, coalitions, convergences
    exercise = context.exercise
    actors = exercise.actors()
    objectives = exercise.objectives()
    mid = exercise.actor_influence()
    positions = exercise.positions()
    matrix = convergences(positions, mid, level=3)
    power = balance_of_power(mid)
    found = coalitions(positions, mid, top=4)
    codes = list(matrix.index)
    top_value = float(matrix.to_numpy().max()) or 1.0
    cells = {}
    for i in range(len(codes)):
        for j in range(len(codes)):
            if i != j:
                value = float(matrix.iat[i, j])
                cells[(i, j)] = (french_number(round(value)), scale_colour(3 * value / top_value), False)
    figure = grid_svg(codes, cells, "Convergences entre acteurs (3CAA)", cell=62)
    names = actors.set_index("code")["name"]
    legend = "".join(f'<li><span class="code">{escape(c)}</span>{escape(names.get(c, ""))} '
                     f'(r* {french_number(power.loc[c, "r_star"], 2)})</li>' for c in codes)
    pairs = "".join(f'<li>{escape(p.actor_a)} + {escape(p.actor_b)} : {french_number(p.weighted_convergence)}</li>'
                    for p in found.pairs.itertuples())
    against = []
    objective_names = objectives.set_index("code")["name"]
    for objective in positions.columns:
        column = positions[objective]
        opponents = [a for a in column.index if column[a] < 0]
        supporters = [a for a in column.index if column[a] > 0]
        if opponents:
            against.append(f'<li>{escape(objective)} ({escape(objective_names.get(objective, ""))}) : '
                           f'{len(supporters)} pour, contre : {escape(", ".join(opponents))}</li>')
    split = (f'<h3 class="small-gap">Objectifs qui divisent</h3><ul class="top">{"".join(against)}</ul>'
             if against else '<p class="small-gap">Aucun acteur n’est opposé à un objectif : une seule coalition '
                             'possible, elle les soutient tous.</p>')
    side = (f'<div class="side"><h3>Acteurs (r* : rapport de force, moyenne 1)</h3><ul class="legend">{legend}</ul>'
            f'<h3 class="small-gap">Paires les plus convergentes (3CAA)</h3><ul class="top">{pairs}</ul>{split}</div>')
    return "Convergences entre acteurs (3CAA, positions pondérées par r*) et coalitions", figure + side


def _view_levers(context: Context) -> tuple[str, str]:
    levers = context.exercise.levers()
    rows = []
    for scenario, group in levers.groupby("scenario", sort=False):
        for k, row in enumerate(group.itertuples()):
            head = f'<th rowspan="{len(group)}">{escape(scenario)}</th>' if k == 0 else ""
            scales = ", ".join(s.strip() for s in row.scale.split(";") if s.strip())
            capacity = ('<span class="capacity act">▶ peut agir</span>' if row.local_capacity == "peut agir"
                        else '<span class="capacity new">✱ nouvelle stratégie</span>')
            rows.append(f"<tr>{head}<td>{escape(row.stake)}</td><td>{escape(row.coalition)}</td>"
                        f"<td>{escape(row.instruments)}</td><td>{escape(scales)}</td><td>{capacity}</td></tr>")
    table = ('<div class="side"><table class="grid levers"><thead><tr><th>Scénario</th><th>Enjeu</th>'
             '<th>Coalition</th><th>Instruments</th><th>Échelles</th><th>Capacité locale</th></tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    return "Leviers par scénario : enjeu, coalition, instruments, échelles, capacité locale", table


def _view_consensus(context: Context) -> tuple[str, str]:
    from ...prospective.participation import aggregate_ratings, disagreements
    variables = context.variables()
    ratings = context.exercise.ratings()
    table = aggregate_ratings(ratings)
    codes = list(dict.fromkeys(list(table["source"]) + list(table["target"])))
    position = {code: k for k, code in enumerate(codes)}
    cells = {}
    for row in table.itertuples():
        text = "" if row.median == 0 else french_number(row.median)
        cells[(position[row.source], position[row.target])] = (text, scale_colour(row.median), not row.consensus)
    figure = grid_svg(codes, cells, "Médiane des notes individuelles", cell=46)
    top = disagreements(table, 6)
    names = variables.set_index("code")["name"]
    items = "".join(f'<li><b>{escape(r["source"])} → {escape(r["target"])}</b> : médiane {french_number(r["median"])}, '
                    f'notes de {french_number(r["min"])} à {french_number(r["max"])}, écart interquartile '
                    f'{french_number(r["iqr"], 2)}</li>' for r in top.to_dict("records"))
    if not items:
        items = "<li>Aucun : le groupe est d’accord sur toutes les cases.</li>"
    n_open = int((~table["consensus"]).sum())
    involved = sorted(set(top["source"]) | set(top["target"]), key=position.get)
    legend = "".join(f'<li><span class="code">{escape(c)}</span>{escape(names.get(c, ""))}</li>' for c in involved)
    side = (f'<div class="side"><p>{len(ratings)} participants ; {int(table["consensus"].sum())} cases en consensus '
            f'sur {len(table)}, {n_open} en désaccord '
            f'(<span style="color:#8A2F00;font-weight:bold">cadre vermillon épais</span>).</p>'
            f'{scale_legend(halves=True)}<h3 class="small-gap">Les désaccords les plus marqués</h3><ol class="top">{items}</ol>'
            f'<ul class="legend small-gap">{legend}</ul></div>')
    return "Consensus du groupe : médiane des notes individuelles, désaccords encadrés", figure + side


TITLES_IF_FAILED = {
    "matrice": "Matrice des influences directes entre variables",
    "plan": "Plan influence / dépendance indirectes et ses quadrants",
    "deplacements": "Du classement direct au classement indirect",
    "scenarios": "Les scénarios cohérents (impacts croisés) côte à côte",
    "boite": "Boîte morphologique et scénario surligné",
    "acteurs": "Convergences entre acteurs et coalitions",
    "leviers": "Leviers par scénario",
    "consensus": "Consensus du groupe sur les notes individuelles",
}


BUILDERS = {"matrice": _view_matrix, "plan": _view_plane, "deplacements": _view_shifts, "scenarios": _view_scenarios,
            "boite": _view_box, "acteurs": _view_actors, "leviers": _view_levers, "consensus": _view_consensus}
