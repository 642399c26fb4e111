"""The views of the presentation, one function each, from the tables of an exercise."""

from __future__ import annotations

import json
import math

import pandas as pd

from ...errors import AtelierError
from ...palette import BLUISH_GREEN, VERMILLION
from ...prospective.exercise import Exercise, table_path
from ...prospective.micmac import AUTONOMOUS, DETERMINANT, QUADRANT_COLOURS, RELAY, RESULT, plane
from .drawing import (
    POTENTIAL_COLOUR, SCALE_COLOURS, code_legend, escape, french_number, grid_svg, ink, mix, scale_colour,
    scale_legend,
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
            return descriptors, found, matrix
        return self.get("scenarios", compute)[:2]

    def windtunnel(self) -> pd.DataFrame:
        return self.get("windtunnel", self.exercise.windtunnel)

    def cross_impact(self) -> pd.DataFrame:
        self.scenarios()
        return self.get("scenarios", lambda: None)[2]


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
    """Place each code near its point without overlapping the labels already placed, the points
    or the reserved boxes; a label pushed away from its point gets a leader line (see the caller)."""
    x0, y0, x1, y1 = bounds
    placed: list[tuple[float, float, float, float]] = list(reserved)
    result = []
    for code, px, py in points:
        w, h = len(code) * 16 + 4, 28
        candidates = [(px + 14, py, "start"), (px - 14, py, "end"), (px, py - 26, "middle"), (px, py + 28, "middle"),
                      (px + 14, py - 26, "start"), (px + 14, py + 26, "start"), (px - 14, py - 26, "end"),
                      (px - 14, py + 26, "end")]
        candidates += [(px + dx, py + dy, anchor) for radius in (55, 85, 120, 160)
                       for dx, dy, anchor in ((radius, 0, "start"), (-radius, 0, "end"), (0, -radius, "middle"),
                                              (0, radius, "middle"), (radius * .7, -radius * .7, "start"),
                                              (-radius * .7, -radius * .7, "end"), (radius * .7, radius * .7, "start"),
                                              (-radius * .7, radius * .7, "end"))]
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


def _leader(px: float, py: float, lx: float, ly: float, anchor: str, width: float) -> str:
    """A thin line from a point to its label when the label had to move away from it."""
    if abs(lx - px) + abs(ly - py) < 50:
        return ""
    end_x = lx if anchor == "start" else lx - width if anchor == "end" else lx - width / 2
    end_x = min(max(px, end_x), end_x + width)
    end_y = ly if abs(ly - py) < 14 else ly - 14 if py < ly else ly + 14
    return f'<line x1="{px:.1f}" y1="{py:.1f}" x2="{end_x:.1f}" y2="{end_y:.1f}" stroke="#555" stroke-width="2"/>'


def _quadrant_legend(table: pd.DataFrame, names: pd.Series, after: str = "") -> str:
    groups = []
    for key, (title, _) in _QUADRANT_PLACES.items():
        members = table.index[table["quadrant"] == key]
        if not len(members):
            continue
        items = "".join(f'<li><span class="code">{escape(c)}</span>{escape(names.get(c, ""))}</li>' for c in members)
        groups.append(f'<div class="group"><span class="mark" style="background:{QUADRANT_COLOURS[key]}"></span>'
                      f'{escape(title)}</div><ul class="legend">{items}</ul>')
    return f'<div class="side">{"".join(groups)}{after}</div>'


def _plane_figure(table: pd.DataFrame, kind: str) -> str:
    """The influence/dependence plane (``kind``: « directes » or « indirectes ») with its quadrants."""
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
    parts = [svg_open(width, height, f"Plan influence/dépendance {kind}")]
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
    parts.append(svg_text((x0 + x1) / 2, height - 22, f"Dépendance {kind[:-1]} (% du total) →", anchor="middle"))
    parts.append(svg_text(30, (y0 + y1) / 2, f"Influence {kind[:-1]} (% du total) →", anchor="middle", rotate=-90))
    points = [(code, sx(x), sy(y)) for code, x, y in zip(table.index, xs, ys)]
    reserved = [(x0, y0, x0 + 300, y0 + 44), (x1 - 240, y0, x1, y0 + 44), (x0, y1 - 44, x0 + 300, y1),
                (x1 - 330, y1 - 44, x1, y1)]
    labels = _plane_labels(points, (x0, y0, x1, y1), reserved)
    for (code, px, py), (lx, ly, anchor) in zip(points, labels):
        parts.append(_leader(px, py, lx, ly, anchor, len(code) * 16 + 4))
    for (code, px, py), quadrant in zip(points, table["quadrant"]):
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="9" fill="{QUADRANT_COLOURS[quadrant]}" stroke="#000" '
                     'stroke-width="2"/>')
    for (code, _, _), (lx, ly, anchor) in zip(points, labels):
        parts.append(svg_text(lx, ly, code, anchor=anchor, weight="bold"))
    parts.append("</svg>")
    return "".join(parts)


def _view_plane_direct(context: Context) -> tuple[str, str]:
    direct_plane = plane(context.influence(), indirect_plane=False)
    names = context.variables().set_index("code")["name"]
    return ("Plan influence / dépendance directes : quatre quadrants",
            _plane_figure(direct_plane.table, "directes") + _quadrant_legend(direct_plane.table, names))


def _view_plane(context: Context) -> tuple[str, str]:
    indirect_plane = plane(context.influence())
    names = context.variables().set_index("code")["name"]
    title = f"Plan influence / dépendance indirectes (puissance {indirect_plane.power}) : quatre quadrants"
    return title, _plane_figure(indirect_plane.table, "indirectes") + _quadrant_legend(indirect_plane.table, names)


def _circle_layout(codes: list[str], centre: tuple[float, float], radius: float) -> dict[str, tuple[float, float]]:
    """Nodes evenly on a circle, the first at the top, clockwise."""
    count = max(len(codes), 1)
    return {code: (centre[0] + radius * math.sin(2 * math.pi * k / count),
                   centre[1] - radius * math.cos(2 * math.pi * k / count)) for k, code in enumerate(codes)}


def _arrow(a: tuple[float, float], b: tuple[float, float], gap: float, width: float, colour: str, marker: str = "",
           bend: float = 0.0) -> str:
    """A (slightly bent) line from node ``a`` to node ``b``, stopping ``gap`` short of each."""
    (ax, ay), (bx, by) = a, b
    length = math.hypot(bx - ax, by - ay) or 1.0
    ux, uy = (bx - ax) / length, (by - ay) / length
    sx, sy, ex, ey = ax + ux * gap, ay + uy * gap, bx - ux * gap, by - uy * gap
    cx, cy = (sx + ex) / 2 - uy * bend * length, (sy + ey) / 2 + ux * bend * length
    end = f' marker-end="url(#{marker})"' if marker else ""
    return (f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" fill="none" stroke="{colour}" '
            f'stroke-width="{width:.1f}" stroke-opacity="0.8"{end}/>')


def _node(x: float, y: float, code: str, colour: str, radius: float = 30) -> str:
    return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" stroke="#000" stroke-width="2"/>'
            + svg_text(x, y + 1, code, anchor="middle", fill=ink(colour), weight="bold", size=24))


GRAPH_THRESHOLD = 3


def _view_graph(context: Context) -> tuple[str, str]:
    """The strongest direct influences as a graph, variables grouped by quadrant of the indirect plane."""
    from ...prospective.micmac import influence_graph
    matrix = context.influence()
    table = plane(matrix).table
    graph = influence_graph(matrix, threshold=GRAPH_THRESHOLD)
    order = [code for key in _QUADRANT_PLACES for code in table.index[table["quadrant"] == key]]
    width, height = 1000, 800
    at = _circle_layout(order, (width / 2, height / 2), 340)
    parts = [svg_open(width, height, f"Graphe des influences directes fortes (au moins {GRAPH_THRESHOLD})"),
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>']
    for source, target in graph.edges:
        mutual = graph.has_edge(target, source)
        parts.append(_arrow(at[source], at[target], 34, 3, "#333", "arrow", bend=0.08 if mutual else 0.0))
    for code in order:
        parts.append(_node(*at[code], code, QUADRANT_COLOURS[table.loc[code, "quadrant"]]))
    parts.append("</svg>")
    degree = sorted(graph.nodes, key=lambda c: (-graph.out_degree(c), c))[:3]
    names = context.variables().set_index("code")["name"]
    side = _quadrant_legend(table, names, after=(
        f'<p class="small-gap">{graph.number_of_edges()} influences fortes (note {GRAPH_THRESHOLD}) ; agissent '
        f'le plus : {escape(", ".join(degree))}. Flèche : la variable de départ agit sur celle d’arrivée.</p>'))
    return (f"Graphe des influences directes fortes (seuil {GRAPH_THRESHOLD}) : qui agit sur qui", "".join(parts) + side)


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


def _signed(value: int) -> str:
    return f"+{value}" if value > 0 else f"−{-value}" if value < 0 else "0"


def _view_balances(context: Context) -> tuple[str, str]:
    """Why each consistent scenario holds: in every descriptor, its variant receives from the
    others' variants a balance of impacts at least as high as any other variant would."""
    from ...prospective.cib import impact_balances
    descriptors, found = context.scenarios()
    if found.empty:
        raise AtelierError(f"{context.exercise.crossimpact_path()} : aucun scénario cohérent dans la matrice "
                           "d’impacts croisés")
    matrix = context.cross_impact()
    names = list(dict.fromkeys(descriptors["descriptor"]))
    shown = found.head(3)
    titles = context.exercise.scenario_names(shown)
    columns = []
    for row in shown.to_dict("records"):
        balances = impact_balances(matrix, {d: row[d] for d in names})
        cells = {}
        for d, group in balances.groupby("descriptor", sort=False):
            own = int(group.loc[group["chosen"], "balance"].iloc[0])
            others = group.loc[~group["chosen"]]
            best = others.loc[others["balance"].idxmax()]
            cells[d] = (f'<span class="variant">{escape(row[d])} {_signed(own)}</span>'
                        f'<span class="other">au mieux {_signed(int(best["balance"]))} pour « {escape(best["variant"])} »</span>')
        columns.append(cells)
    head = "".join(f"<th>{escape(title)}</th>" for title in titles)
    body = "".join(f"<tr><th>{escape(d)}</th>" + "".join(f"<td>{cells[d]}</td>" for cells in columns) + "</tr>"
                   for d in names)
    table = (f'<div class="side"><table class="grid scenarios balances"><thead><tr><th>Descripteur</th>{head}</tr>'
             f'</thead><tbody>{body}</tbody></table><p class="small-gap">Chaque case : la variante du scénario et le '
             'bilan des impacts qu’elle reçoit des variantes choisies ailleurs, puis la meilleure autre variante. '
             'Le scénario est cohérent : aucune autre variante n’est mieux soutenue.</p></div>')
    return "Pourquoi ces scénarios tiennent : les bilans d’impacts de chaque descripteur", table


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


CONVERGENCE_COLOUR, DIVERGENCE_COLOUR = BLUISH_GREEN, VERMILLION


def _actor_graph(matrix: pd.DataFrame, colour: str, label: str) -> tuple[str, float]:
    """Actors on a circle, a line between two actors as thick as their (3CAA or 3DAA) value; only
    values of at least half the strongest are drawn. Returns the SVG and that threshold."""
    codes = list(matrix.index)
    size = 680
    at = _circle_layout(codes, (size / 2, size / 2), 270)
    strongest = float(matrix.to_numpy().max()) or 1.0
    threshold = strongest / 2
    parts = [svg_open(size, size, label)]
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            value = float(matrix.loc[a, b])
            if value >= threshold and value > 0:
                parts.append(_arrow(at[a], at[b], 32, 2 + 10 * value / strongest, colour))
    for code in codes:
        parts.append(_node(*at[code], code, "#FFFFFF", radius=32))
    parts.append("</svg>")
    return "".join(parts), threshold


def _view_alliances(context: Context) -> tuple[str, str]:
    from ...prospective.mactor import convergences, divergences
    exercise = context.exercise
    positions, mid = exercise.positions(), exercise.actor_influence()
    together, against = convergences(positions, mid, level=3), divergences(positions, mid, level=3)
    figures, notes = [], []
    for matrix, colour, title in ((together, CONVERGENCE_COLOUR, "Convergences (3CAA)"),
                                  (against, DIVERGENCE_COLOUR, "Divergences (3DAA)")):
        figure, threshold = _actor_graph(matrix, colour, title)
        figures.append(f'<figure class="graph"><figcaption>{escape(title)}</figcaption>{figure}</figure>')
        notes.append(f"{escape(title)} : traits à partir de {french_number(threshold)} (la moitié de la plus forte), "
                     "épais selon la valeur")
    names = exercise.actors().set_index("code")["name"]
    legend = "".join(f'<li><span class="code">{escape(c)}</span>{escape(names.get(c, ""))}</li>' for c in together.index)
    side = (f'<div class="side"><ul class="legend">{legend}</ul><p class="small-gap">{"<br>".join(notes)}.</p>'
            '<p>Convergence : deux acteurs du même côté sur des objectifs ; divergence : de côtés opposés.</p></div>')
    return ("Alliances et conflits entre acteurs : convergences et divergences (MACTOR)",
            f'<div class="pair">{"".join(figures)}</div>' + side)


def _view_levers(context: Context) -> tuple[str, str]:
    from ...prospective.strategy import robustness
    levers = context.exercise.levers()
    assessed = table_path(context.exercise.folder, "windtunnel") is not None
    robust = robustness(context.windtunnel())["robustness"] if assessed else pd.Series(dtype=str)
    rows = []
    for scenario, group in levers.groupby("scenario", sort=False):
        for k, row in enumerate(group.itertuples()):
            head = f'<th rowspan="{len(group)}">{escape(scenario)}</th>' if k == 0 else ""
            scales = ", ".join(s.strip() for s in row.scale.split(";") if s.strip())
            capacity = ('<span class="capacity act">▶ peut agir</span>' if row.local_capacity == "peut agir"
                        else '<span class="capacity new">✱ nouvelle stratégie</span>')
            robustness_cell = f"<td>{_ROBUSTNESS_MARKS[robust.get(row.stake, 'à évaluer')]}</td>" if assessed else ""
            rows.append(f"<tr>{head}<td>{escape(row.stake)}</td><td>{escape(row.coalition)}</td>"
                        f"<td>{escape(row.instruments)}</td><td>{escape(scales)}</td><td>{capacity}</td>{robustness_cell}</tr>")
    robustness_head = "<th>Robuste ?</th>" if assessed else ""
    table = ('<div class="side"><table class="grid levers"><thead><tr><th>Scénario</th><th>Enjeu</th>'
             '<th>Coalition</th><th>Instruments</th><th>Échelles</th><th>Capacité locale</th>'
             f'{robustness_head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    return "Leviers par scénario : enjeu, coalition, instruments, échelles, capacité locale", table


_ROBUSTNESS_MARKS = {"tous": "✔ tous", "certains": "◐ certains", "aucun": "✘ aucun",
                     "à évaluer": "? à évaluer"}
_WORKS_MARKS = {2: ("✔ fonctionne", "works"), 1: ("◐ en partie", "partly"), 0: ("✘ ne fonctionne pas", "fails")}


def _view_windtunnel(context: Context) -> tuple[str, str]:
    """Wind-tunnelling: each lever tested in every named scenario, and its robustness."""
    from ...prospective.strategy import robustness
    windtunnel = context.windtunnel()
    robust = robustness(windtunnel)
    head = "".join(f"<th>{escape(name)}</th>" for name in windtunnel.columns)
    rows = []
    for lever, values in windtunnel.iterrows():
        cells = "".join('<td class="verdict unknown">? à évaluer</td>' if pd.isna(v) else
                        f'<td class="verdict {_WORKS_MARKS[int(v)][1]}">{_WORKS_MARKS[int(v)][0]}</td>' for v in values)
        rows.append(f"<tr><th>{escape(lever)}</th>{cells}<td>{_ROBUSTNESS_MARKS[robust.loc[lever, 'robustness']]}</td></tr>")
    counts = robust["robustness"].value_counts()
    table = (f'<div class="side"><table class="grid windtunnel"><thead><tr><th>Levier</th>{head}<th>Robuste ?</th></tr>'
             f'</thead><tbody>{"".join(rows)}</tbody></table><p class="small-gap">{int(counts.get("tous", 0))} levier(s) '
             f'robuste(s) sur {len(robust)} (✔ tous) : ils fonctionnent quel que soit le scénario, ils peuvent être engagés '
             'sans attendre. Rempli en direct par le groupe (atelier live, tour « leviers »).</p></div>')
    return "Soufflerie : chaque levier fonctionne-t-il dans chaque scénario ?", table


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
    "plan-direct": "Plan influence / dépendance directes et ses quadrants",
    "plan": "Plan influence / dépendance indirectes et ses quadrants",
    "deplacements": "Du classement direct au classement indirect",
    "graphe": "Graphe des influences directes fortes",
    "scenarios": "Les scénarios cohérents (impacts croisés) côte à côte",
    "bilans": "Les bilans d’impacts des scénarios cohérents",
    "boite": "Boîte morphologique et scénario surligné",
    "acteurs": "Convergences entre acteurs et coalitions",
    "alliances": "Convergences et divergences entre acteurs",
    "leviers": "Leviers par scénario",
    "soufflerie": "Soufflerie : les leviers dans chaque scénario",
    "consensus": "Consensus du groupe sur les notes individuelles",
}


BUILDERS = {"matrice": _view_matrix, "plan-direct": _view_plane_direct, "plan": _view_plane,
            "deplacements": _view_shifts, "graphe": _view_graph, "scenarios": _view_scenarios,
            "bilans": _view_balances, "boite": _view_box, "acteurs": _view_actors, "alliances": _view_alliances,
            "leviers": _view_levers, "soufflerie": _view_windtunnel, "consensus": _view_consensus}
