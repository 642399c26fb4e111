"""A prospective exercise as one self-contained HTML presentation for the workshop room.

:func:`build_presentation` writes a single HTML file (CSS, JavaScript and figures inline, no
network access) with one 16:9 view per screen, in French:

=============  ==================================================================================
view id        content
=============  ==================================================================================
``titre``      title of the exercise, description, illustrative-values notice, list of views
``matrice``    direct influence matrix as a coloured grid (codes, 0–3 and P), legend of codes
``plan``       indirect influence/dependence plane (MICMAC, power used) with its four quadrants
``scenarios``  the consistent scenarios (CIB) side by side: one column per scenario
``boite``      morphological box, one consistent scenario highlighted (↑/↓ choose another)
``acteurs``    convergences between actors (3CAA, weighted by r*) and coalitions (MACTOR)
``leviers``    levers per scenario: stake, coalition, instruments, scales, local capacity
``consensus``  median of the individual ratings, cells where the group disagrees framed
=============  ==================================================================================

Keyboard: → ← PageDown PageUp Space (Shift+Space) move between views, 1–9 jump, Home/End, F
toggles full screen, ↑/↓ change the highlighted scenario on the morphological box.

Readability: ``1rem`` is 1/80 of the 16:9 stage width, 24 px at 1920×1080, and no text is
smaller than ``1rem``. Figures are hand-built SVG drawn at one user unit per 1/24 rem (so on a
1920×1080 screen one unit is one CSS pixel) with every font-size at least 24 units. Colours come
from the Okabe-Ito palette and a blue sequential scale; text on coloured cells is black or white,
whichever contrasts most.

A view that cannot be built (a missing or invalid table) shows, instead of its content, the
French error message naming the file and the place; the other views are built as usual.

:func:`export_views` opens the presentation in headless chromium (Playwright) and writes each
view as a 1920×1080 PNG screenshot and as SVG: the view's own figure when it has one, otherwise
(title, tables) the view's HTML wrapped in an SVG ``foreignObject`` with the presentation's CSS.
Those ``foreignObject`` SVGs display in web browsers; tools that do not render HTML in SVG
(Inkscape, most converters) show them empty: use the PNG there.
"""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd

from ..errors import AtelierError
from ..fsio import atomic_write_text
from ..prospective.exercise import ILLUSTRATIVE_NOTICE, Exercise
from ..prospective.micmac import AUTONOMOUS, DETERMINANT, QUADRANT_COLOURS, RELAY, RESULT, plane

__all__ = ["VIEWS", "build_presentation", "export_views"]

STATIC = Path(__file__).parent / "static"
VIEWS = ["titre", "matrice", "plan", "scenarios", "boite", "acteurs", "leviers", "consensus"]
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
TEXT_PX = 24  # smallest text, in SVG user units (1 unit = 1 CSS px at 1920×1080)
CELL = 44
VERMILLION, ORANGE = "#D55E00", "#E69F00"  # Okabe-Ito
SCALE_COLOURS = ["#FFFFFF", "#C6DBEF", "#6BAED6", "#08519C"]  # 0..3, sequential blues
POTENTIAL_COLOUR = ORANGE
DIAGONAL_COLOUR = "#BDBDBD"
_QUADRANT_PLACES = {  # micmac label -> (title, corner); colours from micmac.QUADRANT_COLOURS
    DETERMINANT: ("Déterminantes (motrices)", "top-left"),
    RELAY: ("Relais (enjeux)", "top-right"),
    RESULT: ("Résultats (dépendantes)", "bottom-right"),
    AUTONOMOUS: ("Autonomes (exclues)", "bottom-left"),
}


# --- small helpers ------------------------------------------------------------------------------

def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float, digits: int = 1) -> str:
    """A number the French way: 1,5 ; integers without decimals."""
    value = float(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.{digits}f}".replace(".", ",")


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _ink(background: str) -> str:
    """Black or white text, whichever contrasts most with the background."""
    light = _luminance(background)
    return "#000000" if (light + 0.05) / 0.05 >= 1.05 / (light + 0.05) else "#FFFFFF"


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(ca, cb))


def _scale_colour(value: float) -> str:
    value = min(max(float(value), 0.0), 3.0)
    low = int(math.floor(value))
    if low >= 3:
        return SCALE_COLOURS[3]
    return _mix(SCALE_COLOURS[low], SCALE_COLOURS[low + 1], value - low)


def _svg_open(width: float, height: float, label: str) -> str:
    return (f'<svg class="figure" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" style="width:{width / 24:.4f}rem;height:{height / 24:.4f}rem" '
            f'role="img" aria-label="{_e(label)}" font-family="{FONT}">')


def _text(x, y, text, size=TEXT_PX, anchor="start", fill="#000000", weight="normal", rotate=None,
          baseline="central") -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}" dominant-baseline="{baseline}"{transform}>{_e(text)}</text>')


def _short_path(message: str, folder: Path) -> str:
    """Error messages name files by their full path; show them relative to the exercise's parent."""
    base = str(folder.resolve().parent) + "/"
    message = message.replace(base, "")
    return message.replace(str(folder.parent) + "/", "") if str(folder.parent) not in ("", ".") else message


# --- grids (influence matrix, median ratings, actor convergences) -------------------------------

def _grid_svg(labels: list[str], cells: dict[tuple[int, int], tuple[str, str, bool]], label: str,
              cell: int = CELL, diagonal: bool = True) -> str:
    """A square grid: cells[(i, j)] = (text, background, marked); row and column labels are codes."""
    n = len(labels)
    left = max(len(code) for code in labels) * 16 + 20
    top = left
    width, height = left + n * cell + 8, top + n * cell + 8
    parts = [_svg_open(width, height, label)]
    for k, code in enumerate(labels):
        parts.append(_text(left - 10, top + k * cell + cell / 2, code, anchor="end", weight="bold"))
        x = left + k * cell + cell / 2
        parts.append(_text(x, top - 10, code, anchor="start", weight="bold", rotate=-90))
    marks = []
    for i in range(n):
        for j in range(n):
            x, y = left + j * cell, top + i * cell
            if i == j and diagonal:
                parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{DIAGONAL_COLOUR}" '
                             f'stroke="#555" stroke-width="1"/>')
                continue
            text, background, marked = cells.get((i, j), ("", "#FFFFFF", False))
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{background}" '
                         f'stroke="#555" stroke-width="1"/>')
            if text:
                parts.append(_text(x + cell / 2, y + cell / 2 + 1, text, anchor="middle", fill=_ink(background),
                                   weight="bold" if len(text) < 3 else "normal"))
            if marked:
                marks.append(f'<rect x="{x + 2.5}" y="{y + 2.5}" width="{cell - 5}" height="{cell - 5}" fill="none" '
                             f'stroke="{VERMILLION}" stroke-width="5"/>')
    parts.extend(marks)
    parts.append(f'<rect x="{left}" y="{top}" width="{n * cell}" height="{n * cell}" fill="none" stroke="#000" '
                 f'stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _scale_legend() -> str:
    items = [("", SCALE_COLOURS[0], "0 : aucune"), ("1", SCALE_COLOURS[1], "faible"),
             ("2", SCALE_COLOURS[2], "moyenne"), ("3", SCALE_COLOURS[3], "forte"),
             ("P", POTENTIAL_COLOUR, "potentielle")]
    chips = "".join(f'<span class="swatch"><span class="chip" style="background:{c};color:{_ink(c)}">{_e(t)}</span>'
                    f'{_e(name)}</span>' for t, c, name in items)
    return f'<div class="swatches">{chips}</div>'


def _code_legend(variables: pd.DataFrame) -> str:
    items = "".join(f'<li><span class="code">{_e(code)}</span>{_e(name)}</li>'
                    for code, name in zip(variables["code"], variables["name"]))
    return f'<ul class="legend">{items}</ul>'


# --- the views ----------------------------------------------------------------------------------

class _Context:
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
            from ..prospective.micmac import validate_influence
            raw = self.exercise.influence()
            validate_influence(raw, list(self.variables()["code"]))
            return raw
        return self.get("influence", compute)

    def scenarios(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        def compute():
            from ..prospective.cib import consistent_scenarios
            from ..prospective.cib_files import read_cross_impact
            descriptors = self.exercise.descriptors()
            path = self.exercise.crossimpact_path()
            matrix = read_cross_impact(path, descriptors)
            try:
                found = consistent_scenarios(matrix)
            except ValueError as error:
                raise AtelierError(f"{path} : {error}") from None
            return descriptors, found
        return self.get("scenarios", compute)


def _view_matrix(context: _Context) -> tuple[str, str]:
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
    figure = _grid_svg(codes, cells, "Matrice des influences directes")
    ordered = variables.set_index("code").loc[codes].reset_index()
    side = (f'<div class="side"><h3>Lecture : la ligne agit sur la colonne</h3>{_scale_legend()}'
            f'<h3 class="small-gap">Codes des variables</h3>{_code_legend(ordered)}</div>')
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


def _view_plane(context: _Context) -> tuple[str, str]:
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
    parts = [_svg_open(width, height, "Plan influence/dépendance indirectes")]
    x0, y0, x1, y1 = left, top, width - right, height - bottom
    for key, (title, corner) in _QUADRANT_PLACES.items():
        tint = _mix("#FFFFFF", QUADRANT_COLOURS[key], 0.12)
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
        parts.append(_text(tx, ty, title, size=26, anchor="start" if "left" in corner else "end",
                           fill="#000", weight="bold"))
    parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#000" '
                 f'stroke-width="2"/>')
    for k in range(0, int(x_max) + 1, max(1, int(x_max // 4) or 1)):
        parts.append(_text(sx(k), y1 + 22, str(k), anchor="middle"))
    for k in range(0, int(y_max) + 1, max(1, int(y_max // 4) or 1)):
        parts.append(_text(x0 - 10, sy(k), str(k), anchor="end"))
    parts.append(_text((x0 + x1) / 2, height - 22, "Dépendance indirecte (% du total) →", anchor="middle"))
    parts.append(_text(30, (y0 + y1) / 2, "Influence indirecte (% du total) →", anchor="middle", rotate=-90))
    points = [(code, sx(x), sy(y)) for code, x, y in zip(table.index, xs, ys)]
    for (code, px, py), quadrant in zip(points, table["quadrant"]):
        colour = QUADRANT_COLOURS[quadrant]
        parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="9" fill="{colour}" stroke="#000" stroke-width="2"/>')
    reserved = [(x0, y0, x0 + 300, y0 + 44), (x1 - 240, y0, x1, y0 + 44), (x0, y1 - 44, x0 + 300, y1),
                (x1 - 330, y1 - 44, x1, y1)]
    for (code, _, _), (lx, ly, anchor) in zip(points, _plane_labels(points, (x0, y0, x1, y1), reserved)):
        parts.append(_text(lx, ly, code, anchor=anchor, weight="bold"))
    parts.append("</svg>")
    names = variables.set_index("code")["name"]
    groups = []
    for key, (title, _) in _QUADRANT_PLACES.items():
        colour = QUADRANT_COLOURS[key]
        members = table.index[table["quadrant"] == key]
        if not len(members):
            continue
        items = "".join(f'<li><span class="code">{_e(c)}</span>{_e(names.get(c, ""))}</li>' for c in members)
        groups.append(f'<div class="group"><span class="mark" style="background:{colour}"></span>{_e(title)}</div>'
                      f'<ul class="legend">{items}</ul>')
    side = f'<div class="side">{"".join(groups)}</div>'
    title = f"Plan influence / dépendance indirectes (puissance {power}) : quatre quadrants"
    return title, "".join(parts) + side


def _view_scenarios(context: _Context) -> tuple[str, str]:
    descriptors, found = context.scenarios()
    if found.empty:
        raise AtelierError(f"{context.exercise.crossimpact_path()} : aucun scénario cohérent dans la matrice "
                           "d’impacts croisés")
    labels = {(d, v): label for d, v, label in zip(descriptors["descriptor"], descriptors["variant"],
                                                    descriptors["label"])}
    names = list(dict.fromkeys(descriptors["descriptor"]))
    shown = found.head(4)
    head = "".join(f"<th>Scénario {k + 1}<br>incohérence {int(row['inconsistency'])}, "
                   f"score {int(row['total_impact_score'])}</th>" for k, (_, row) in enumerate(shown.iterrows()))
    rows = []
    for d in names:
        cells = "".join(f'<td><span class="variant">{_e(row[d])}</span>'
                        f'{_e(labels.get((d, row[d]), "")) if labels.get((d, row[d]), "") != row[d] else ""}</td>'
                        for _, row in shown.iterrows())
        rows.append(f"<tr><th>{_e(d)}</th>{cells}</tr>")
    more = (f'<p>{len(found)} scénarios cohérents : les 4 premiers sont montrés.</p>' if len(found) > 4 else "")
    table = (f'<div class="side"><table class="grid scenarios"><thead><tr><th>Descripteur</th>{head}</tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>{more}</div>')
    title = f"Les {len(found)} scénarios cohérents (impacts croisés) côte à côte"
    if len(found) == 1:
        title = "Le scénario cohérent (impacts croisés)"
    return title, table


def _view_box(context: _Context) -> tuple[str, str]:
    descriptors, found = context.scenarios()
    names = list(dict.fromkeys(descriptors["descriptor"]))
    variants = {d: list(descriptors.loc[descriptors["descriptor"] == d, "variant"]) for d in names}
    labels = {(d, v): label for d, v, label in zip(descriptors["descriptor"], descriptors["variant"],
                                                    descriptors["label"])}
    chosen = [[variants[d].index(row[d]) for d in names] for _, row in found.iterrows()]
    columns = []
    for k, d in enumerate(names):
        cells = "".join(f'<div class="cell" data-d="{k}" data-v="{m}"><span class="variant">{_e(v)}</span>'
                        f'{_e(labels[(d, v)]) if labels[(d, v)] != v else ""}</div>'
                        for m, v in enumerate(variants[d]))
        columns.append(f'<div class="column"><div class="head">{_e(d)}</div>{cells}</div>')
    scenarios = _e(json.dumps(chosen))
    if chosen:
        chooser = (f'<div class="chooser">Scénario cohérent <span class="which">1</span> sur {len(chosen)} '
                   f'(encadré, ✔) — ↑ ↓ pour en montrer un autre</div>')
    else:
        chooser = '<div class="chooser">Aucun scénario cohérent : aucune case n’est surlignée.</div>'
    body = (f'<div class="side">{chooser}<div class="box small-gap" data-scenarios="{scenarios}" data-current="0">'
            f'{"".join(columns)}</div></div>')
    return "Boîte morphologique : les variantes de chaque descripteur, un scénario cohérent surligné", body


def _view_actors(context: _Context) -> tuple[str, str]:
    from ..prospective.mactor import balance_of_power, coalitions, convergences
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
                cells[(i, j)] = (_number(round(value)), _scale_colour(3 * value / top_value), False)
    figure = _grid_svg(codes, cells, "Convergences entre acteurs (3CAA)", cell=62)
    names = actors.set_index("code")["name"]
    legend = "".join(f'<li><span class="code">{_e(c)}</span>{_e(names.get(c, ""))} '
                     f'(r* {_number(power.loc[c, "r_star"], 2)})</li>' for c in codes)
    pairs = "".join(f'<li>{_e(p.actor_a)} + {_e(p.actor_b)} : {_number(p.weighted_convergence)}</li>'
                    for p in found.pairs.itertuples())
    against = []
    objective_names = objectives.set_index("code")["name"]
    for objective in positions.columns:
        column = positions[objective]
        opponents = [a for a in column.index if column[a] < 0]
        supporters = [a for a in column.index if column[a] > 0]
        if opponents:
            against.append(f'<li>{_e(objective)} ({_e(objective_names.get(objective, ""))}) : '
                           f'{len(supporters)} pour, contre : {_e(", ".join(opponents))}</li>')
    split = (f'<h3 class="small-gap">Objectifs qui divisent</h3><ul class="top">{"".join(against)}</ul>'
             if against else '<p class="small-gap">Aucun acteur n’est opposé à un objectif : une seule coalition '
                             'possible, elle les soutient tous.</p>')
    side = (f'<div class="side"><h3>Acteurs (r* : rapport de force, moyenne 1)</h3><ul class="legend">{legend}</ul>'
            f'<h3 class="small-gap">Paires les plus convergentes (3CAA)</h3><ul class="top">{pairs}</ul>{split}</div>')
    return "Convergences entre acteurs (3CAA, positions pondérées par r*) et coalitions", figure + side


def _view_levers(context: _Context) -> tuple[str, str]:
    levers = context.exercise.levers()
    rows = []
    for scenario, group in levers.groupby("scenario", sort=False):
        for k, row in enumerate(group.itertuples()):
            head = f'<th rowspan="{len(group)}">{_e(scenario)}</th>' if k == 0 else ""
            scales = ", ".join(s.strip() for s in row.scale.split(";") if s.strip())
            capacity = ('<span class="capacity act">▶ peut agir</span>' if row.local_capacity == "peut agir"
                        else '<span class="capacity new">✱ nouvelle stratégie</span>')
            rows.append(f"<tr>{head}<td>{_e(row.stake)}</td><td>{_e(row.coalition)}</td>"
                        f"<td>{_e(row.instruments)}</td><td>{_e(scales)}</td><td>{capacity}</td></tr>")
    table = ('<div class="side"><table class="grid levers"><thead><tr><th>Scénario</th><th>Enjeu</th>'
             '<th>Coalition</th><th>Instruments</th><th>Échelles</th><th>Capacité locale</th></tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table></div>')
    return "Leviers par scénario : enjeu, coalition, instruments, échelles, capacité locale", table


def _view_consensus(context: _Context) -> tuple[str, str]:
    from ..prospective.participation import aggregate_ratings, disagreements
    variables = context.variables()
    ratings = context.exercise.ratings()
    table = aggregate_ratings(ratings)
    codes = list(dict.fromkeys(list(table["source"]) + list(table["target"])))
    position = {code: k for k, code in enumerate(codes)}
    cells = {}
    for row in table.itertuples():
        text = "" if row.median == 0 else _number(row.median)
        cells[(position[row.source], position[row.target])] = (text, _scale_colour(row.median), not row.consensus)
    figure = _grid_svg(codes, cells, "Médiane des notes individuelles", cell=46)
    top = disagreements(table, 6)
    names = variables.set_index("code")["name"]
    items = "".join(f'<li><b>{_e(r["source"])} → {_e(r["target"])}</b> : médiane {_number(r["median"])}, '
                    f'notes de {_number(r["min"])} à {_number(r["max"])}, écart interquartile '
                    f'{_number(r["iqr"], 2)}</li>' for r in top.to_dict("records"))
    if not items:
        items = "<li>Aucun : le groupe est d’accord sur toutes les cases.</li>"
    n_open = int((~table["consensus"]).sum())
    involved = sorted(set(top["source"]) | set(top["target"]), key=position.get)
    legend = "".join(f'<li><span class="code">{_e(c)}</span>{_e(names.get(c, ""))}</li>' for c in involved)
    side = (f'<div class="side"><p>{len(ratings)} participants ; {int(table["consensus"].sum())} cases en consensus '
            f'sur {len(table)}, {n_open} en désaccord '
            f'(<span style="color:#8A2F00;font-weight:bold">cadre vermillon épais</span>).</p>'
            f'{_scale_legend()}<h3 class="small-gap">Les désaccords les plus marqués</h3><ol class="top">{items}</ol>'
            f'<ul class="legend small-gap">{legend}</ul></div>')
    return "Consensus du groupe : médiane des notes individuelles, désaccords encadrés", figure + side


TITLES_IF_FAILED = {
    "matrice": "Matrice des influences directes entre variables",
    "plan": "Plan influence / dépendance indirectes et ses quadrants",
    "scenarios": "Les scénarios cohérents (impacts croisés) côte à côte",
    "boite": "Boîte morphologique et scénario surligné",
    "acteurs": "Convergences entre acteurs et coalitions",
    "leviers": "Leviers par scénario",
    "consensus": "Consensus du groupe sur les notes individuelles",
}
BUILDERS = {"matrice": _view_matrix, "plan": _view_plane, "scenarios": _view_scenarios, "boite": _view_box,
            "acteurs": _view_actors, "leviers": _view_levers, "consensus": _view_consensus}


def _error_block(message: str) -> str:
    return ('<div class="side"><div class="error"><h3>Cette vue n’a pas pu être construite</h3>'
            f'<p class="message">{_e(message)}</p>'
            '<p>Corrigez le fichier indiqué, puis reconstruisez la présentation.</p></div></div>')


def _message(error: Exception, folder: Path) -> str:
    if isinstance(error, (AtelierError, ValueError)):
        text = str(error)
    else:
        text = f"erreur inattendue ({error.__class__.__name__} : {error})"
    return _short_path(text, folder)


def build_presentation(folder: Path | str, out_path: Path | str) -> dict:
    """Write the workshop presentation of the exercise in ``folder`` to ``out_path`` (one HTML file).

    Returns ``{"path", "title", "illustrative", "views", "built", "failed"}``: ``views`` lists
    ``{"id", "number", "title", "ok", "error"}`` in order, ``built`` the ids of the views built and
    ``failed`` maps the id of each view that could not be built to its French error message.
    Raises :class:`AtelierError` only when ``folder`` is not a directory.
    """
    exercise = Exercise.open(folder)
    folder = exercise.folder
    out_path = Path(out_path)
    context = _Context(exercise)
    meta_error = None
    try:
        meta = exercise.meta
        illustrative = exercise.illustrative
    except AtelierError as error:
        meta, illustrative, meta_error = {}, False, _message(error, folder)
    title = str(meta.get("title") or folder.name)
    notice = f'<div class="notice" data-notice="1">⚠ {_e(ILLUSTRATIVE_NOTICE)}</div>' if illustrative else ""

    records = []
    sections = []
    for number, view in enumerate(VIEWS[1:], start=2):
        try:
            view_title, body = BUILDERS[view](context)
            records.append({"id": view, "number": number, "title": view_title, "ok": True, "error": None})
        except Exception as error:  # every failure becomes a French message on its view
            message = _message(error, folder)
            view_title, body = TITLES_IF_FAILED[view], _error_block(message)
            records.append({"id": view, "number": number, "title": view_title, "ok": False, "error": message})
        sections.append(f'<section class="view" id="v-{view}" data-view="{view}" '
                        f'data-ok="{"1" if records[-1]["ok"] else "0"}"><h2>{_e(view_title)}</h2>{notice}'
                        f'<div class="content">{body}</div></section>')

    toc = "".join(f'<li><span class="key">{r["number"]}</span>{_e(r["title"])}'
                  f'{"" if r["ok"] else " — ⚠ à corriger"}</li>' for r in records)
    description = _e(str(meta.get("description", "")).strip())
    meta_block = _error_block(meta_error) if meta_error else ""
    title_view = (f'<section class="view title-view" id="v-titre" data-view="titre" data-ok="{"0" if meta_error else "1"}">'
                  f'<h1>{_e(title)}</h1><p class="lede">Exercice de prospective : présentation d’atelier. '
                  f'{description}</p>{notice}{meta_block}<h3>Les vues</h3><ol class="toc">{toc}</ol>'
                  '<p class="hint">→ ← ou espace : vue suivante ou précédente ; 1 à 9 : aller à une vue ; '
                  'F : plein écran.</p></section>')
    records.insert(0, {"id": "titre", "number": 1, "title": title, "ok": meta_error is None, "error": meta_error})

    css = (STATIC / "present.css").read_text(encoding="utf-8")
    script = (STATIC / "present.js").read_text(encoding="utf-8").replace("</", "<\\/")
    document = ("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
                f"<title>{_e(title)}</title><style>{css}</style></head><body>"
                f'<main class="deck">{title_view}{"".join(sections)}<div class="counter" aria-live="polite">'
                f'1 / {len(records)}</div></main><script>{script}</script></body></html>\n')
    atomic_write_text(out_path, document)
    return {"path": str(out_path), "title": title, "illustrative": illustrative, "views": records,
            "built": [r["id"] for r in records if r["ok"]],
            "failed": {r["id"]: r["error"] for r in records if not r["ok"]}}


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def export_views(html_path: Path | str, out_dir: Path | str, chromium: str | None = None) -> list[Path]:
    """Each view of a presentation as ``NN-<id>.png`` (1920×1080 screenshot) and ``NN-<id>.svg``.

    The SVG is the view's own figure where it has one (matrix, plane, actors, consensus), else the
    view's HTML in an SVG ``foreignObject`` (see the module docstring). Needs Playwright and
    chromium (``chromium``, default ``/usr/bin/chromium`` or ``chromium`` on the PATH). Returns
    the files written, in view order.
    """
    from playwright.sync_api import sync_playwright

    html_path, out_dir = Path(html_path).resolve(), Path(out_dir)
    executable = chromium or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium"))
    if not executable:
        raise AtelierError("export des vues : chromium est introuvable (paquet Debian « chromium »)")
    out_dir.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(html_path.as_uri())
            ids = page.evaluate("Array.from(document.querySelectorAll('.view')).map(v => v.dataset.view)")
            for index, view in enumerate(ids):
                page.evaluate(f"window.presentation.show({index})")
                stem = f"{index + 1:02d}-{re.sub(r'[^a-z0-9-]', '', view)}"
                png = out_dir / f"{stem}.png"
                page.screenshot(path=str(png))
                svg = out_dir / f"{stem}.svg"
                svg.write_text('<?xml version="1.0" encoding="UTF-8"?>\n'
                               + page.evaluate(f"window.presentation.svgOf({index})"), encoding="utf-8")
                files += [png, svg]
        finally:
            browser.close()
    return files
