// Matrix editor view (anywidget). The grid shows what the kernel read from the file; typing a
// value sends it to the kernel, which checks the scale, writes the file and sends the grid back.
// Nothing is kept only here, except the selected cell and what is being typed.

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text != null) node.textContent = text;
  return node;
}

const shown = (v) => (v === "" ? "" : v.replace("-", "−"));

function shade(value, scale) {
  if (value === "") return "";
  if (/^[A-Za-z]$/.test(value)) return "background:#fde8c8;color:#8a4b00;font-weight:700";
  const n = Number(value);
  if (Number.isNaN(n) || n === 0) return "";
  if (scale.low < 0) {
    const t = Math.min(1, Math.abs(n) / Math.max(scale.high, -scale.low));
    return n > 0 ? `background:rgba(0,158,115,${0.15 + 0.55 * t})` : `background:rgba(213,94,0,${0.15 + 0.55 * t})`;
  }
  const t = n / scale.high;
  return `background:rgba(0,114,178,${0.12 + 0.6 * t});${t > 0.7 ? "color:#fff" : ""}`;
}

function render({model, el}) {
  const state = {row: 0, col: 0, typed: "", reasonFor: null};
  const root = h("div", {class: "atelier-matrix"});
  const title = h("div", {class: "me-title"});
  const fileLabel = h("span", {class: "me-file"});
  const undoButton = h("button", {class: "me-btn me-undo", title: "Annuler la dernière modification (Ctrl+Z)",
    onclick: () => model.send({action: "undo"})}, "↶ Annuler");
  const legend = h("div", {class: "me-legend"});
  const errorBox = h("div", {class: "me-error", role: "alert"});
  const messageBox = h("div", {class: "me-message", role: "status"});
  const current = h("div", {class: "me-current"});
  const reason = h("input", {class: "me-reason", type: "text", placeholder: "Pourquoi cette valeur ? (Entrée : noter la raison)"});
  const reasonButton = h("button", {class: "me-btn me-save-reason", onclick: () => saveReason()}, "Noter la raison");
  const grid = h("table", {class: "me-grid", tabindex: "0", "aria-label": "Matrice : flèches pour se déplacer, chiffre pour saisir"});
  const gridBox = h("div", {class: "me-grid-box"}, grid);
  const side = h("div", {class: "me-side"});
  root.append(
    h("div", {class: "me-header"}, title, fileLabel, undoButton),
    legend, errorBox, messageBox,
    h("div", {class: "me-body"},
      h("div", {class: "me-main"}, gridBox, current, h("div", {class: "me-reason-bar"}, reason, reasonButton)),
      side));
  el.append(root);

  const size = () => [model.get("rows").length, model.get("columns").length];
  const cellEl = (r, c) => grid.querySelector(`td[data-r="${r}"][data-c="${c}"]`);

  const drawGrid = () => {
    const rows = model.get("rows"), columns = model.get("columns"), cells = model.get("cells");
    const locked = model.get("locked"), groups = model.get("groups"), scale = model.get("scale");
    const reasons = model.get("reasons");
    const head = [];
    if (groups.length) {
      head.push(h("tr", {}, h("th", {class: "me-corner", colspan: "2"}),
        ...groups.map((g) => h("th", {class: "me-group", colspan: String(g.span), title: g.name}, `${g.letter} · ${g.name}`))));
    }
    head.push(h("tr", {}, h("th", {class: "me-corner", colspan: groups.length ? "2" : "1"}),
      ...columns.map((c, j) => h("th", {class: "me-col", "data-c": j, title: c.group ? `${c.group} : ${c.label}` : c.label}, c.code))));
    const body = rows.map((r, i) => h("tr", {},
      groups.length ? h("th", {class: "me-row-group", title: r.group}, i === 0 || rows[i - 1].group !== r.group ? r.group : "") : "",
      h("th", {class: "me-row", "data-r": i, title: r.group ? `${r.group} : ${r.label}` : r.label},
        groups.length ? `${r.code} ${r.label}` : r.code),
      ...columns.map((c, j) => {
        const value = cells[i][j];
        const edge = groups.length && j + 1 < columns.length && columns[j + 1].group !== c.group ? " me-edge" : "";
        const bottom = groups.length && i + 1 < rows.length && rows[i + 1].group !== r.group ? " me-bottom" : "";
        return h("td", {class: (locked[i][j] ? "me-cell me-locked" : "me-cell") + edge + bottom +
                          (reasons[`${i}:${j}`] ? " me-has-reason" : ""),
                        "data-r": i, "data-c": j, style: locked[i][j] ? "" : shade(value, scale),
                        onmousedown: (e) => { e.preventDefault(); select(i, j); grid.focus(); }}, shown(value));
      })));
    grid.replaceChildren(h("thead", {}, ...head), h("tbody", {}, ...body));
    root.dataset.revision = String(model.get("revision"));
    highlight();
  };

  const highlight = () => {
    const [nr, nc] = size();
    state.row = Math.max(0, Math.min(state.row, nr - 1));
    state.col = Math.max(0, Math.min(state.col, nc - 1));
    for (const node of grid.querySelectorAll(".me-selected, .me-cross")) node.classList.remove("me-selected", "me-cross");
    const cell = cellEl(state.row, state.col);
    if (cell) {
      cell.classList.add("me-selected");
      if (state.typed) cell.textContent = shown(state.typed) + "…";
      cell.scrollIntoView({block: "nearest", inline: "nearest"});
    }
    for (const node of grid.querySelectorAll(`th.me-row[data-r="${state.row}"], th.me-col[data-c="${state.col}"]`)) node.classList.add("me-cross");
    drawCurrent();
    drawSummaryMarks();
  };

  const drawCurrent = () => {
    const rows = model.get("rows"), columns = model.get("columns");
    if (!rows.length) { current.textContent = ""; return; }
    const r = rows[state.row], c = columns[state.col];
    const value = model.get("cells")[state.row][state.col];
    const verb = model.get("table") === "positions" ? "position de" : model.get("table") === "crossimpact" ? "impact de" : "influence de";
    const from = r.group ? `${r.group} : ${r.label}` : r.label, to = c.group ? `${c.group} : ${c.label}` : c.label;
    current.replaceChildren(
      h("b", {}, `${r.code} → ${c.code}`), ` ${verb} « ${from} » sur « ${to} » : `,
      h("span", {class: "me-current-value"}, model.get("locked")[state.row][state.col] ? "case non modifiable" : (shown(value) || "vide")));
    const key = `${state.row}:${state.col}`;
    if (state.reasonFor !== key) {
      state.reasonFor = key;
      reason.value = model.get("reasons")[key] || "";
      reason.dataset.saved = reason.value;
    }
  };

  const select = (r, c) => {
    state.typed = "";
    state.row = r; state.col = c;
    drawGridValues();
    highlight();
  };

  const drawGridValues = () => {
    const cells = model.get("cells");
    for (const td of grid.querySelectorAll("td.me-cell")) {
      const value = cells[Number(td.dataset.r)][Number(td.dataset.c)];
      if (td.textContent !== shown(value)) td.textContent = shown(value);
    }
  };

  const move = (dr, dc) => {
    const [nr, nc] = size();
    let r = state.row + dr, c = state.col + dc;
    if (c >= nc) { c = 0; r = Math.min(nr - 1, r + 1); }
    if (c < 0) { c = nc - 1; r = Math.max(0, r - 1); }
    select(Math.max(0, Math.min(r, nr - 1)), c);
  };

  const commit = (value) => {
    state.typed = "";
    const draft = reason.value.trim() !== (reason.dataset.saved || "").trim() ? reason.value : "";
    model.send({action: "set", row: state.row, column: state.col, value, reason: draft});
    root.dataset.pending = "1";
  };

  const saveReason = () => {
    if (!reason.value.trim()) return;
    model.send({action: "note", row: state.row, column: state.col, reason: reason.value});
    reason.dataset.saved = reason.value;
  };

  grid.addEventListener("keydown", (e) => {
    const key = e.key;
    if ((e.ctrlKey || e.metaKey) && key.toLowerCase() === "z") { e.preventDefault(); model.send({action: "undo"}); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const moves = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]};
    if (moves[key]) { e.preventDefault(); move(...moves[key]); return; }
    if (key === "Tab") { e.preventDefault(); move(0, e.shiftKey ? -1 : 1); return; }
    if (key === "Escape") { state.typed = ""; drawGridValues(); highlight(); return; }
    if (key === "Enter") {
      e.preventDefault();
      if (state.typed) commit(state.typed); else move(1, 0);
      return;
    }
    if (key === "Backspace") { e.preventDefault(); state.typed = state.typed.slice(0, -1); drawGridValues(); highlight(); return; }
    if (/^[0-9]$/.test(key)) { e.preventDefault(); commit(state.typed + key); return; }
    if (key === "-" || key === "+" || key === "−") { e.preventDefault(); state.typed = key === "−" ? "-" : key; highlight(); return; }
    if (/^\p{L}$/u.test(key)) { e.preventDefault(); commit(state.typed + key); }
  });
  reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); saveReason(); grid.focus(); }
    if (e.key === "Escape") grid.focus();
  });

  // The summary beside the grid: the plane, the positions or the scenarios.
  const drawSummary = () => {
    const summary = model.get("summary");
    side.replaceChildren();
    if (!summary || !summary.kind) return;
    if (summary.kind === "error") {
      side.append(h("div", {class: "me-side-title"}, "Résultat"), h("div", {class: "me-summary-error"}, summary.error));
      return;
    }
    side.append(h("div", {class: "me-side-title"}, summary.caption));
    if (summary.kind === "plane") side.append(plane(summary), quadrantList(summary));
    if (summary.kind === "bars") side.append(bars(summary));
    if (summary.kind === "scenarios") side.append(scenarios(summary));
    drawSummaryMarks();
  };

  const plane = (summary) => {
    const W = 340, H = 300, pad = 26, right = 70;
    const xs = summary.points.map((p) => p.x), ys = summary.points.map((p) => p.y);
    const maxX = Math.max(...xs, summary.mean_x * 2) * 1.08 || 1, maxY = Math.max(...ys, summary.mean_y * 2) * 1.08 || 1;
    const X = (x) => pad + (x / maxX) * (W - pad - right), Y = (y) => H - pad - (y / maxY) * (H - pad - 8);
    const svg = s("svg", {class: "me-plane", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
                          "aria-label": "Plan influence/dépendance"});
    svg.append(s("rect", {x: pad, y: 8, width: W - pad - 8, height: H - pad - 8, fill: "#fbfcfd", stroke: "#c9d1d9"}));
    svg.append(s("line", {x1: X(summary.mean_x), x2: X(summary.mean_x), y1: 8, y2: H - pad, stroke: "#9aa5b1", "stroke-dasharray": "4 3"}));
    svg.append(s("line", {x1: pad, x2: W - 8, y1: Y(summary.mean_y), y2: Y(summary.mean_y), stroke: "#9aa5b1", "stroke-dasharray": "4 3"}));
    const corner = (text, x, y, anchor, colour) => svg.append(s("text", {x, y, "text-anchor": anchor, class: "me-corner-label", fill: colour}, text));
    corner("déterminantes", pad + 4, 20, "start", summary.colours["déterminante"]);
    corner("relais", W - 12, 20, "end", summary.colours["relais"]);
    corner("autonomes", pad + 4, H - pad - 6, "start", summary.colours["autonome"]);
    corner("résultats", W - 12, H - pad - 6, "end", summary.colours["résultat"]);
    svg.append(s("text", {x: (W + pad) / 2, y: H - 6, "text-anchor": "middle", class: "me-axis"}, "dépendance →"));
    svg.append(s("text", {x: 12, y: (H - pad) / 2, "text-anchor": "middle", class: "me-axis",
                          transform: `rotate(-90 12 ${(H - pad) / 2})`}, "influence →"));
    // Points drawn at the same place share one dot and one label.
    const spots = new Map();
    for (const p of summary.points) {
      const key = `${Math.round(X(p.x) / 4)}:${Math.round(Y(p.y) / 4)}`;
      if (!spots.has(key)) spots.set(key, {x: X(p.x), y: Y(p.y), quadrant: p.quadrant, codes: []});
      spots.get(key).codes.push(p.code);
    }
    for (const spot of spots.values()) {
      const g = s("g", {class: "me-point"});
      spot.codes.forEach((code) => g.append(s("circle", {cx: spot.x, cy: spot.y, r: 4.5, "data-code": code,
                                                          fill: summary.colours[spot.quadrant] || "#555"})));
      g.append(s("text", {x: spot.x + 6, y: spot.y + 4, class: "me-point-label"}, spot.codes.join(", ")));
      svg.append(g);
    }
    return svg;
  };

  const quadrantList = (summary) => h("div", {class: "me-quadrants"}, ...summary.quadrants.map((q) => h("div", {class: "me-quadrant"},
    h("span", {class: "me-quadrant-name", style: `color:${summary.colours[q.name]}`}, q.name),
    h("span", {class: "me-quadrant-members", "data-quadrant": q.name}, q.members.length ? q.members.join(" · ") : "—"))));

  const bars = (summary) => {
    const most = Math.max(1, ...summary.bars.map((b) => Math.max(b.for, b.against)));
    return h("div", {class: "me-bars"}, ...summary.bars.map((b) => h("div", {class: "me-bar-row", "data-code": b.code},
      h("span", {class: "me-bar-code"}, b.code),
      h("span", {class: "me-bar-against"}, h("span", {style: `width:${(100 * b.against) / most}%`})),
      h("span", {class: "me-bar-for"}, h("span", {style: `width:${(100 * b.for) / most}%`})),
      h("span", {class: "me-bar-numbers"}, `+${b.for} / −${b.against}`))));
  };

  const scenarios = (summary) => h("ol", {class: "me-scenarios"}, ...summary.scenarios.map((sc) => h("li", {class: "me-scenario"},
    h("div", {class: "me-scenario-variants"}, ...sc.variants.map((v) => h("span", {class: "me-chip", "data-code": v.code, title: v.descriptor},
      h("b", {}, v.code), ` ${v.label}`))),
    h("div", {class: "me-scenario-meta"}, `score d’impact total ${sc.score}` + (sc.inconsistency ? ` · incohérence ${sc.inconsistency}` : "")))),
    summary.count > summary.scenarios.length ? h("li", {class: "me-more"}, `… et ${summary.count - summary.scenarios.length} autres`) : "");

  // Mark in the summary the two variables (or variants) of the selected cell.
  const drawSummaryMarks = () => {
    const rows = model.get("rows"), columns = model.get("columns");
    if (!rows.length) return;
    const codes = new Set([rows[state.row].code, columns[state.col].code]);
    for (const node of side.querySelectorAll("[data-code]")) node.classList.toggle("me-marked", codes.has(node.dataset.code));
  };

  const drawHeader = () => {
    title.textContent = model.get("title");
    fileLabel.textContent = model.get("file_name");
    const scale = model.get("scale");
    legend.textContent = scale.legend ? `Échelle ${scale.text} : ${scale.legend}` : "";
  };
  const drawStatus = () => {
    errorBox.textContent = model.get("error");
    errorBox.hidden = !model.get("error");
    messageBox.textContent = model.get("message");
    undoButton.disabled = model.get("undo_depth") === 0;
    delete root.dataset.pending;
  };

  drawHeader(); drawStatus(); drawGrid(); drawSummary();
  model.on("change:revision", () => { drawStatus(); drawGrid(); drawSummary(); });
  model.on("change:title", drawHeader);
  model.on("change:error", () => { drawStatus(); drawGridValues(); highlight(); });
  model.on("change:message", drawStatus);
  model.on("change:undo_depth", drawStatus);
  const timer = setInterval(() => model.send({action: "sync"}), 2000);
  return () => clearInterval(timer);
}

export default {render};
