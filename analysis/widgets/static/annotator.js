// Annotator view (anywidget). Offsets here are UTF-16 code units, as the browser counts;
// the kernel converts them to code points. Every action is a message to the kernel, which
// writes it to the coder's log and sends back the codings: nothing is kept only here.

const esc = (s) => s.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

const quote = (s) => (s.length > 160 ? s.slice(0, 160) + "…" : s);

// The text without accents or case, one UTF-16 unit for one (as analysis.text.french.fold_for_search):
// a match's offsets are offsets in the text.
const APOSTROPHES = {"’": "'", "‘": "'", "ʼ": "'", "′": "'", "`": "'", "´": "'"};
function fold(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const base = c.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    out += APOSTROPHES[c] || (base.length === 1 ? base : (c.toLowerCase().length === 1 ? c.toLowerCase() : c));
  }
  return out;
}

// Each code and its ancestors: a coding counts for all of them.
const ancestors = (path) => path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// Pieces of text between every boundary of codings and decorations, each with what covers it.
function pieces(text, codings, decorations) {
  const cuts = new Set([0, text.length]);
  for (const s of codings) { cuts.add(s.start); cuts.add(s.end); }
  for (const s of decorations) { cuts.add(s.start); cuts.add(s.end); }
  const sorted = [...cuts].filter((c) => c >= 0 && c <= text.length).sort((a, b) => a - b);
  const startsAt = new Map();
  const add = (map, key, item) => { if (!map.has(key)) map.set(key, []); map.get(key).push(item); };
  codings.forEach((c, i) => add(startsAt, c.start, {type: "c", i, end: c.end}));
  decorations.forEach((d) => add(startsAt, d.start, {type: "d", kind: d.kind, end: d.end}));
  const open = [];
  const out = [];
  for (let k = 0; k < sorted.length - 1; k++) {
    const from = sorted[k], to = sorted[k + 1];
    for (let j = open.length - 1; j >= 0; j--) if (open[j].end <= from) open.splice(j, 1);
    for (const item of startsAt.get(from) || []) open.push(item);
    out.push({from, to, codings: open.filter((o) => o.type === "c").map((o) => o.i),
              kinds: open.filter((o) => o.type === "d").map((o) => o.kind)});
  }
  return out;
}

// The text is drawn in chunks of whole paragraphs; after a change only the chunks whose
// highlights changed are drawn again, so an action on a long document stays fast.
const CHUNK = 4000;

function chunkBounds(text) {
  const bounds = [0];
  let next = CHUNK;
  while (next < text.length) {
    const cut = text.indexOf("\n\n", next);
    if (cut < 0) break;
    bounds.push(cut + 2);
    next = cut + 2 + CHUNK;
  }
  bounds.push(text.length);
  return bounds;
}

function chunkIndex(bounds, offset) {
  let low = 0, high = bounds.length - 2;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (bounds[mid] <= offset) low = mid; else high = mid - 1;
  }
  return low;
}

function chunkHtml(text, from, to, codings, decorations) {
  const clip = (s) => ({...s, start: Math.max(s.start, from) - from, end: Math.min(s.end, to) - from});
  const local = text.slice(from, to);
  const visible = codings.map(clip);
  const html = [];
  for (const p of pieces(local, visible, decorations.map(clip))) {
    const classes = p.kinds.map((k) => "at-" + k);
    let style = "";
    if (p.codings.length) {
      const covering = p.codings.map((i) => codings[i]);
      const mine = covering.filter((c) => c.mine);
      const others = covering.filter((c) => !c.mine);
      classes.push("at-hl");
      if (mine.length) style += `background:${withAlpha(mine[0].colour, 0.32)};`;
      const lines = [...mine.slice(1), ...others].slice(0, 3).map((c, n) => `inset 0 -${3 * (n + 1)}px 0 ${c.colour}`);
      if (lines.length) style += `box-shadow:${lines.join(",")};`;
      if (covering.length > 1) classes.push("at-overlap");
      if (covering.length > 3) style += "text-decoration:underline dotted;";
    }
    const title = p.codings.length > 1 ? ` title="${esc(`${p.codings.length} codages : ` + p.codings.map((i) => codings[i].code).join(", "))}"` : "";
    html.push(`<span data-o="${from + p.from}" class="${classes.join(" ")}"${style ? ` style="${style}"` : ""}${title}>${esc(local.slice(p.from, p.to))}</span>`);
  }
  return html.join("");
}

// The codings: the last full list (one JSON string, parsed once) with the changes since
// (Annotator.codings_base and codings_changes); kept in the view's state.
function codingsOf(model, state) {
  const base = model.get("codings_base"), changes = model.get("codings_changes");
  const cache = state.codings || (state.codings = {});
  if (cache.base !== base) { cache.base = base; cache.parsed = JSON.parse(base || "[]"); cache.changes = null; }
  if (cache.changes !== changes) {
    cache.changes = changes;
    const upsert = changes.upsert || [];
    const replaced = new Set([...(changes.remove || []), ...upsert.map((c) => c.id)]);
    cache.current = [...cache.parsed.filter((c) => !replaced.has(c.id)), ...upsert];
  }
  return cache.current;
}

function renderText(model, state) {
  const started = performance.now();
  const text = model.get("text");
  const shown = new Set(model.get("shown_coders"));
  const filter = model.get("code_filter");
  const visible = [...codingsOf(model, state), ...state.pending].filter((c) => shown.has(c.coder) &&
    (!filter || c.code === filter || c.code.startsWith(filter + "/")));
  state.visible = visible;
  state.labels = new Map(model.get("codebook").map((c) => [c.path, c.label]));
  if (state.renderedText !== text) {
    state.renderedText = text;
    state.bounds = chunkBounds(text);
    state.signatures = [];
    state.textEl.replaceChildren(...state.bounds.slice(0, -1).map(() => {
      const chunk = document.createElement("div");
      chunk.className = "at-chunk";
      return chunk;
    }));
  }
  const perChunk = state.bounds.slice(0, -1).map(() => ({codings: [], decorations: []}));
  const spread = (items, key) => items.forEach((item) => {
    const last = chunkIndex(state.bounds, Math.max(item.start, item.end - 1));
    for (let k = chunkIndex(state.bounds, item.start); k <= last; k++) perChunk[k][key].push(item);
  });
  spread(visible, "codings");
  spread(model.get("decorations"), "decorations");
  perChunk.forEach((parts, k) => {
    // What the HTML shows of each coding (not its id): the kernel's answer to a coding drawn before
    // it leaves the chunk, and the reader's next selection in it, as they are.
    const signature = parts.codings.map((c) => `${c.start}:${c.end}:${c.code}:${c.colour}:${c.mine}`).join("|");
    if (state.signatures[k] === signature) return;
    state.signatures[k] = signature;
    state.textEl.children[k].innerHTML = chunkHtml(text, state.bounds[k], state.bounds[k + 1], parts.codings, parts.decorations);
  });
  void state.textEl.offsetHeight;  // force layout, so that the time measured is the time seen
  const elapsed = performance.now() - started;
  state.root.dataset.renderMs = elapsed.toFixed(1);
  if (state.pendingSince && state.pending.length) {  // the coding drawn before the kernel's answer
    state.root.dataset.feedbackMs = (performance.now() - state.pendingSince).toFixed(1);
  } else if (state.pendingSince) {
    state.root.dataset.roundtripMs = (performance.now() - state.pendingSince).toFixed(1);
    state.pendingSince = null;
  }
  state.root.dataset.revision = model.get("revision");
  requestAnimationFrame(() => {  // the stripes follow the drawn text, in the next frame
    const begun = performance.now();
    drawStripes(state);
    state.root.dataset.stripesMs = (performance.now() - begun).toFixed(1);
  });
}

// The DOM position (text node, offset) of a UTF-16 offset of the text; ``spans`` are the text's
// pieces (``[data-o]``), in order.
function domPosition(textEl, offset, spans = textEl.querySelectorAll("[data-o]")) {
  let low = 0, high = spans.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (Number(spans[mid].dataset.o) <= offset) low = mid; else high = mid - 1;
  }
  const span = spans[low];
  if (!span) return null;
  const node = span.firstChild || span;
  return {node, offset: Math.min(offset - Number(span.dataset.o), node.textContent.length)};
}

// The coding stripes, for the lines in view (as NVivo and MAXQDA show them): one bar per coding
// shown, from its first line to its last, in as few columns as possible, with its code's label;
// a click on a bar selects its coding.
const STRIPE_COLUMNS = 6;
function drawStripes(state) {
  const {stripesEl, textEl, visible, bounds} = state;
  if (!stripesEl || !bounds) return;
  const view = textEl.getBoundingClientRect();
  stripesEl.style.height = `${textEl.clientHeight}px`;
  let from = Infinity, to = -Infinity;
  [...textEl.children].forEach((chunk, k) => {
    const rect = chunk.getBoundingClientRect();
    if (rect.bottom >= view.top && rect.top <= view.bottom) { from = Math.min(from, bounds[k]); to = Math.max(to, bounds[k + 1]); }
  });
  const spans = textEl.querySelectorAll("[data-o]");
  const columnsEnd = [];
  const bars = [];
  const hidden = [];  // codings beyond the columns: counted, listed in the marker's bubble
  const inView = visible.filter((c) => c.end > from && c.start < to).sort((a, b) => a.start - b.start || b.end - a.end);
  for (const c of inView) {
    const first = domPosition(textEl, c.start, spans), last = domPosition(textEl, Math.max(c.start, c.end - 1), spans);
    if (!first || !last) continue;
    const top = Math.max(0, (first.node.parentElement || first.node).getBoundingClientRect().top - view.top);
    const bottom = Math.min(view.height, (last.node.parentElement || last.node).getBoundingClientRect().bottom - view.top);
    if (bottom <= 0 || top >= view.height) continue;
    let column = columnsEnd.findIndex((end) => end <= top);
    if (column < 0) column = columnsEnd.length;
    if (column >= STRIPE_COLUMNS) { hidden.push({...c, top}); continue; }
    columnsEnd[column] = bottom + 2;
    const label = state.labels.get(c.code) || c.code;
    bars.push(h("div", {class: "at-stripe", "data-id": c.id, title: `${label} — ${c.coder}`,
      style: `top:${top}px;height:${Math.max(8, bottom - top)}px;left:${column * 1.15}rem;border-color:${c.colour}`},
      h("span", {class: "at-stripe-label", style: `color:${c.colour}`}, label)));
  }
  if (hidden.length) {
    bars.push(h("div", {class: "at-stripe-more", style: `top:${hidden[0].top}px`,
      title: hidden.map((c) => `${state.labels.get(c.code) || c.code} — ${c.coder}`).join("\n")},
      `+${hidden.length}`));
  }
  stripesEl.replaceChildren(...bars);
}

// The UTF-16 offset in the text of a DOM position inside the text panel.
function offsetOf(textEl, node, offset) {
  if (node.nodeType === Node.TEXT_NODE) {
    const host = node.parentElement.closest("[data-o]");
    return host && textEl.contains(host) ? Number(host.dataset.o) + offset : null;
  }
  if (!textEl.contains(node)) return null;
  const child = node.childNodes[offset];
  if (child) {
    const piece = child.nodeType === Node.ELEMENT_NODE
      ? (child.matches("[data-o]") ? child : child.querySelector("[data-o]"))
      : child.parentElement.closest("[data-o]");
    if (piece) return Number(piece.dataset.o);
  }
  const pieces = node.querySelectorAll("[data-o]");
  const last = pieces[pieces.length - 1] || node.closest("[data-o]");
  return last ? Number(last.dataset.o) + last.textContent.length : null;
}

function render({model, el}) {
  // pending: the codings just asked for, drawn until the kernel's answer
  const state = {selection: null, visible: [], pending: [], pendingSince: null};
  const root = h("div", {class: "atelier-annotator"});
  state.root = root;
  const send = (message) => {
    state.pendingSince = performance.now();
    model.send(message);
  };

  const title = h("div", {class: "at-title"});
  const docSelect = h("select", {class: "at-doc", "aria-label": "Document", onchange: (e) => model.send({action: "open", doc_id: e.target.value})});
  const header = h("div", {class: "at-header"},
    h("button", {class: "at-btn", title: "Document précédent", onclick: () => model.send({action: "previous"})}, "◀"),
    docSelect,
    h("button", {class: "at-btn", title: "Document suivant", onclick: () => model.send({action: "next"})}, "▶"),
    h("span", {class: "at-coder"}),
    h("button", {class: "at-btn at-done", title: "Marquer le document comme entièrement codé : il compte alors dans l’accord entre codeurs",
      onclick: () => send({action: "done"})}),
    h("button", {class: "at-btn at-undo", title: "Annuler (Ctrl+Z)", onclick: () => send({action: "undo"})}, "↶ Annuler"),
    h("button", {class: "at-btn at-redo", title: "Rétablir (Ctrl+Maj+Z)", onclick: () => send({action: "redo"})}, "↷ Rétablir"));
  const errorBox = h("div", {class: "at-error", role: "alert"});
  const messageBox = h("div", {class: "at-message", role: "status"});
  const selectionBar = h("div", {class: "at-selection"}, "Sélectionnez un passage du texte, puis un code.");
  // Editable only so that the keyboard can move a caret and extend a selection: every edit is refused.
  const textEl = h("div", {class: "at-text", tabindex: "0", contenteditable: "true", spellcheck: "false",
    role: "textbox", "aria-multiline": "true", "aria-readonly": "true", "aria-label": "Texte du document",
    onbeforeinput: (e) => e.preventDefault(), onpaste: (e) => e.preventDefault(), ondrop: (e) => e.preventDefault(),
    oncut: (e) => e.preventDefault()});
  state.textEl = textEl;
  const stripesEl = h("div", {class: "at-stripes", "aria-hidden": "true"});
  state.stripesEl = stripesEl;
  const searchBox = h("input", {class: "at-search", type: "search", placeholder: "Chercher dans le texte (sans accents)",
    "aria-label": "Chercher dans le texte"});
  const searchCount = h("span", {class: "at-search-count", role: "status"});
  const codingList = h("ol", {class: "at-coding-list"});
  const codingsBox = h("details", {class: "at-codings-box"}, h("summary", {}, "Codages du document"), codingList);
  const tools = h("div", {class: "at-tools"},
    searchBox,
    h("button", {class: "at-btn at-search-prev", title: "Occurrence précédente (Maj+Entrée)", onclick: () => findNext(-1)}, "▲"),
    h("button", {class: "at-btn at-search-next", title: "Occurrence suivante (Entrée)", onclick: () => findNext(1)}, "▼"),
    searchCount,
    h("button", {class: "at-btn at-coding-prev", title: "Codage précédent (Alt+↑)", onclick: () => jumpCoding(-1)}, "◀ codage"),
    h("button", {class: "at-btn at-coding-next", title: "Codage suivant (Alt+↓)", onclick: () => jumpCoding(1)}, "codage ▶"));
  // Auto-coding: a search, its passages to untick, then one code for those kept.
  const option = (value, label) => h("option", {value}, label);
  const autoMode = h("select", {class: "at-auto-mode", "aria-label": "Chercher par"},
    option("keyword", "mot-clé (sans accents)"), option("stems", "mot-clé par racines"),
    option("regex", "expression régulière"), option("speaker", "locuteur (ses tours)"),
    option("attribute", "documents entiers par attribut (genre=entretien, year=2022)"),
    option("suggest", "segments semblables aux codages du code choisi"));
  const autoQuery = h("input", {class: "at-auto-query", type: "search", placeholder: "ex. commande publique", "aria-label": "Recherche"});
  const autoExtent = h("select", {class: "at-auto-extent", "aria-label": "Coder"},
    option("match", "les mots trouvés"), option("sentence", "la phrase"), option("paragraph", "le paragraphe"), option("turn", "le tour de parole"));
  const autoEverywhere = h("input", {type: "checkbox", class: "at-auto-everywhere"});
  const autoList = h("ol", {class: "at-auto-list"});
  const autoCode = h("select", {class: "at-auto-code", "aria-label": "Code à appliquer"});
  const autoApply = h("button", {class: "at-btn at-auto-apply", onclick: () => send({action: "autocode_apply", code: autoCode.value,
    keep: [...autoList.querySelectorAll("input:checked")].map((box) => Number(box.dataset.index))})}, "Coder les passages cochés");
  const autoBox = h("details", {class: "at-auto"}, h("summary", {}, "Codage automatique"),
    autoMode, autoQuery, autoExtent, h("label", {}, autoEverywhere, " tout le corpus"),
    h("button", {class: "at-btn at-auto-preview", onclick: () => send({action: "autocode_preview", mode: autoMode.value,
      query: autoQuery.value, extent: autoExtent.value, everywhere: autoEverywhere.checked, code: autoCode.value})}, "Aperçu"),
    autoList, autoCode, autoApply);
  const filterBox = h("input", {class: "at-filter", type: "search", placeholder: "Filtrer les codes… (↑↓, Entrée : appliquer)",
    "aria-label": "Filtrer les codes"});
  const newCodeButton = h("button", {class: "at-btn at-new-code", title: "Créer un code du libellé tapé dans le filtre (sous le code filtré s’il y en a un)",
    onclick: () => createCode(false)}, "+ Nouveau code");
  // A right click on a code opens its form, not JupyterLab's context menu.
  const codeList = h("ul", {class: "at-codes", "data-jp-suppress-context-menu": "true"});
  const codersBox = h("div", {class: "at-coders"});
  const codeFilter = h("select", {class: "at-code-filter", "aria-label": "Afficher seulement le code",
    onchange: (e) => { model.set("code_filter", e.target.value); model.save_changes(); }});
  const side = h("div", {class: "at-side"},
    h("div", {class: "at-side-title"}, "Livre de codes"), filterBox, newCodeButton, codeList,
    h("div", {class: "at-side-title"}, "Afficher"), codeFilter, codersBox,
    h("div", {class: "at-legend"}, "Surligné : mes codages. Souligné : les codages des autres codeurs affichés, de la couleur "
      + "de leur code (trois au plus par passage ; pointillés : plus de trois, voir la bulle ou les barres)."),
    codingsBox, autoBox);
  const popup = h("div", {class: "at-popup", hidden: true});
  const inVivo = h("button", {class: "at-btn at-in-vivo", title: "Créer un code dont le libellé est le passage sélectionné, et l’appliquer",
    onclick: () => createCode(true)}, "Code in vivo");
  const panel = h("div", {class: "at-panel"}, stripesEl, textEl);
  root.append(title, header, errorBox, messageBox, h("div", {class: "at-selection-row"}, selectionBar, inVivo), tools,
    h("div", {class: "at-body"}, panel, side), popup);
  el.append(root);

  const visibleCodes = () => {
    const needle = filterBox.value.trim().toLowerCase();
    return model.get("codebook").filter((c) => !c.retired && (!needle || c.label.toLowerCase().includes(needle) || c.path.includes(needle)));
  };
  const apply = (codes) => {
    if (!state.selection) { messageBox.textContent = "Sélectionnez d’abord un passage du texte (souris, ou Maj+flèches dans le texte)."; return; }
    send({action: "add", start: state.selection.start, end: state.selection.end, codes});
    // Drawn at once, as the kernel will draw it; the kernel's answer replaces it (or the error removes it).
    const colour = (path) => (model.get("codebook").find((c) => c.path === path) || {colour: "#888888"}).colour;
    state.pending = codes.map((code, n) => ({...state.selection, id: `pending-${n}`, code, colour: colour(code),
      coder: model.get("coder"), memo: "", mine: true}));
    state.selection = null;
    selectionBar.textContent = "Sélectionnez un passage du texte, puis un code.";
    window.getSelection().removeAllRanges();
    renderText(model, state);
  };

  const createCode = (inVivoCode) => {
    const label = inVivoCode ? "" : filterBox.value.trim();
    if (!inVivoCode && !label) { messageBox.textContent = "Tapez le libellé du nouveau code dans le filtre."; return; }
    if (inVivoCode && !state.selection) { messageBox.textContent = "Sélectionnez d’abord les mots du code in vivo."; return; }
    const chosen = state.selection || {start: 0, end: 0};
    send({action: "new_code", in_vivo: inVivoCode, label, parent: model.get("code_filter"), start: chosen.start, end: chosen.end});
    if (inVivoCode) clearSelection();
    filterBox.value = "";
  };
  // Changing a code: a form in the widget (rename, move, merge, split, retire), with the codebook
  // as the list to choose a parent or a target from; Entrée applies, Échap closes.
  // JupyterLab's own shortcuts (Échap, Entrée) are kept out of the form.
  const codeDialog = h("form", {class: "at-dialog", role: "dialog", "aria-label": "Modifier le code", hidden: true,
    "data-lm-suppress-shortcuts": "true"});
  const closeDialog = () => { codeDialog.hidden = true; (state.dialogReturn || filterBox).focus(); };
  const codePicker = (name, label, codes, chosen, topLevel) => h("label", {}, label, h("select", {name, class: `at-dialog-${name}`},
    ...(topLevel ? [h("option", {value: ""}, "(premier niveau)")] : []),
    ...codes.map((k) => h("option", {value: k.path, selected: k.path === chosen}, "· ".repeat(k.depth) + k.label))));
  const field = (name, label, value, placeholder = "") => h("label", {}, label,
    h("input", {name, class: `at-dialog-${name}`, type: "text", value, placeholder}));
  const openCodeDialog = (c, returnTo) => {
    state.dialogReturn = returnTo;
    const others = model.get("codebook").filter((k) => !k.retired && k.path !== c.path && !k.path.startsWith(c.path + "/"));
    const parent = c.path.split("/").slice(0, -1).join("/");
    const fields = {
      rename_code: () => [field("value", "Nouveau nom (dernier segment, ou chemin complet)", c.path.split("/").pop())],
      move_code: () => [codePicker("value", "Nouveau parent", others, parent, true)],
      merge_code: () => [codePicker("value", "Fusionner dans", others, "", false),
        h("p", {}, "Tous les codages de ce code, de tous les codeurs, passent au code choisi.")],
      split_code: () => [field("value", "Nom du nouveau code", "", "ex. marches-publics"),
        field("keyword", "Les codages dont le texte contient ce mot y passent (vide : tous)", "", "ex. marché"),
        h("p", {}, "Les codages de tous les codeurs sont concernés ; Ctrl+Z annule.")],
      retire_code: () => [h("p", {}, "Le code est masqué ; ses codages sont gardés (atelier codebook retire --restore le rétablit).")],
      edit_code: () => [field("label", "Libellé", c.label),
        h("label", {}, "Couleur", h("input", {name: "colour", class: "at-dialog-colour", type: "color", value: c.colour})),
        h("label", {}, "Définition", h("textarea", {name: "definition", class: "at-dialog-definition", rows: "3"}, c.definition || ""))],
    };
    const action = h("select", {name: "action", class: "at-dialog-action", "aria-label": "Modification"},
      option("rename_code", "Renommer"), option("move_code", "Déplacer sous un autre code"), option("merge_code", "Fusionner dans un autre code"),
      option("split_code", "Scinder"), option("edit_code", "Modifier le libellé, la couleur, la définition"), option("retire_code", "Retirer"));
    const body = h("div", {class: "at-dialog-fields"});
    const drawFields = () => { body.replaceChildren(...fields[action.value]()); };
    action.addEventListener("change", drawFields);
    codeDialog.replaceChildren(h("div", {class: "at-dialog-title"}, `Code « ${c.label} » (${c.path})`), action, body,
      h("div", {class: "at-popup-actions"}, h("button", {class: "at-btn at-dialog-apply", type: "submit"}, "Appliquer"),
        h("button", {class: "at-btn at-dialog-cancel", type: "button", onclick: closeDialog}, "Annuler")));
    drawFields();
    state.applyDialog = () => {
      const data = Object.fromEntries(new FormData(codeDialog));
      if (["rename_code", "split_code"].includes(data.action) && !data.value.trim()) { messageBox.textContent = "Donnez le nom du code."; return; }
      if (data.action === "edit_code" && !data.label.trim()) { messageBox.textContent = "Donnez le libellé du code."; return; }
      const trimmed = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, value.trim()]));
      if (data.action === "edit_code") {  // only what changed: a colour left alone stays inherited
        trimmed.colour = trimmed.colour.toUpperCase();
        const before = {label: c.label, colour: (c.colour || "").toUpperCase(), definition: c.definition || ""};
        for (const name of Object.keys(before)) if (trimmed[name] === before[name]) delete trimmed[name];
      }
      send({value: "", keyword: "", ...trimmed, code: c.path});
      closeDialog();
    };
    codeDialog.hidden = false;
    action.focus();
  };
  codeList.after(codeDialog);
  codeDialog.addEventListener("submit", (e) => { e.preventDefault(); state.applyDialog(); });
  // Entrée applies from any field (JupyterLab keeps the form from submitting by itself).
  codeDialog.addEventListener("keydown", (e) => {
    if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closeDialog(); }
    else if (e.key === "Enter" && e.target.tagName === "INPUT") { e.preventDefault(); state.applyDialog(); }
  });
  const drawCodebook = () => {
    const shown = new Set(model.get("shown_coders"));
    const counts = {};
    for (const c of codingsOf(model, state)) {
      if (shown.has(c.coder)) for (const path of ancestors(c.code)) counts[path] = (counts[path] || 0) + 1;
    }
    const codes = visibleCodes();
    state.activeCode = Math.min(state.activeCode || 0, Math.max(0, codes.length - 1));
    const needle = filterBox.value.trim();
    codeList.replaceChildren(...codes.map((c, n) => h("li", {
        class: "at-code" + (needle && n === state.activeCode ? " at-active" : ""), "data-path": c.path,
        title: `${c.definition || c.path}\n(clic droit ou ✎ : renommer, déplacer, fusionner, scinder, retirer)`,
        style: `padding-left:${0.4 + c.depth * 1.1}em`,
        onmousedown: (e) => e.preventDefault(), onclick: () => apply([c.path]),
        oncontextmenu: (e) => { e.preventDefault(); openCodeDialog(c, filterBox); }},
      h("span", {class: "at-swatch", style: `background:${c.colour}`}),
      h("span", {class: "at-label"}, c.label),
      h("button", {class: "at-edit-code", type: "button", title: `Modifier le code « ${c.label} » (renommer, déplacer, fusionner, scinder, retirer)`,
        "aria-label": `Modifier le code ${c.label}`, onclick: (e) => { e.stopPropagation(); openCodeDialog(c, e.currentTarget); }}, "✎"),
      n < 9 ? h("kbd", {title: `raccourci : touche ${n + 1}`}, String(n + 1)) : "",
      h("span", {class: "at-count", title: "codages affichés, sous-codes compris"}, counts[c.path] ? `(${counts[c.path]})` : ""))),
      ...(codes.length ? [] : [h("li", {class: "at-no-code"}, needle
        ? `Aucun code ne contient « ${needle} » : « + Nouveau code » le crée.` : "Le livre de codes est vide.")]));
    codeFilter.replaceChildren(h("option", {value: ""}, "Tous les codes"),
      ...model.get("codebook").map((c) => h("option", {value: c.path, selected: c.path === model.get("code_filter")}, "· ".repeat(c.depth) + c.label)));
  };
  const drawCoders = () => {
    const shown = new Set(model.get("shown_coders"));
    codersBox.replaceChildren(...model.get("coders").map((coder) => h("label", {class: "at-coder-toggle"},
      h("input", {type: "checkbox", checked: shown.has(coder), onchange: (e) => {
        const next = new Set(model.get("shown_coders"));
        e.target.checked ? next.add(coder) : next.delete(coder);
        model.set("shown_coders", [...next]); model.save_changes();
      }}), coder === model.get("coder") ? `${coder} (moi)` : coder)));
  };
  const drawHeader = () => {
    title.textContent = model.get("title") || model.get("doc_id");
    header.querySelector(".at-coder").textContent = model.get("coder") ? `Codeur : ${model.get("coder")}` : "";
    const done = header.querySelector(".at-done");
    done.textContent = model.get("finished") ? "✓ Terminé (reprendre)" : "Marquer terminé";
    done.setAttribute("aria-pressed", String(model.get("finished")));
    docSelect.replaceChildren(...model.get("documents").map((d) => h("option", {value: d.doc_id, selected: d.doc_id === model.get("doc_id")}, d.title.slice(0, 80))));
    textEl.dataset.length = String(model.get("text").length);
  };
  const drawStatus = () => {
    errorBox.textContent = model.get("error");
    errorBox.hidden = !model.get("error");
    messageBox.textContent = model.get("message");
  };
  const labelOf = (path) => (model.get("codebook").find((c) => c.path === path) || {label: path}).label;

  const showPopup = (offset, x, y) => {
    const here = state.visible.filter((c) => c.start <= offset && offset < c.end);
    if (!here.length) { popup.hidden = true; return; }
    popup.replaceChildren(...here.map((c) => {
      const box = h("div", {class: "at-popup-item", "data-id": c.id},
        h("div", {}, h("span", {class: "at-swatch", style: `background:${c.colour}`}), h("b", {}, labelOf(c.code)), ` — ${c.coder}`),
        h("div", {class: "at-quote"}, `« ${quote(model.get("text").slice(c.start, c.end))} »`));
      if (c.mine) {
        const memo = h("textarea", {class: "at-memo", rows: "2", placeholder: "Mémo sur ce codage…"});
        memo.value = c.memo || "";
        const recode = h("select", {class: "at-recode", "aria-label": "Changer de code"},
          ...model.get("codebook").filter((k) => !k.retired || k.path === c.code)
            .map((k) => h("option", {value: k.path, selected: k.path === c.code}, "· ".repeat(k.depth) + k.label)));
        box.append(memo, h("div", {class: "at-popup-actions"},
          h("button", {class: "at-btn at-save-memo", onclick: () => { send({action: "memo", id: c.id, memo: memo.value}); popup.hidden = true; }}, "Enregistrer le mémo"),
          recode,
          h("button", {class: "at-btn", onclick: () => { send({action: "recode", id: c.id, code: recode.value}); popup.hidden = true; }}, "Changer"),
          h("button", {class: "at-btn at-danger at-remove", onclick: () => { send({action: "remove", id: c.id}); popup.hidden = true; }}, "Retirer")));
      } else if (c.memo) {
        box.append(h("div", {class: "at-memo-read"}, c.memo));
      }
      return box;
    }), h("button", {class: "at-btn at-close", onclick: () => { popup.hidden = true; }}, "Fermer"));
    const bounds = root.getBoundingClientRect();
    popup.style.left = `${Math.max(0, x - bounds.left)}px`;
    popup.style.top = `${y - bounds.top + 12}px`;
    popup.hidden = false;
  };

  // The text position under the pointer: the standard API, or Chromium's older one.
  const caretAt = (x, y) => {
    if (document.caretPositionFromPoint) {
      const position = document.caretPositionFromPoint(x, y);
      return position && {node: position.offsetNode, offset: position.offset};
    }
    const range = document.caretRangeFromPoint && document.caretRangeFromPoint(x, y);
    return range && {node: range.startContainer, offset: range.startOffset};
  };
  const clearSelection = () => {
    state.selection = null;
    selectionBar.textContent = "Sélectionnez un passage du texte, puis un code.";
  };
  const readSelection = () => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed || !textEl.contains(selection.anchorNode)) return false;
    const range = selection.getRangeAt(0);
    let start = offsetOf(textEl, range.startContainer, range.startOffset);
    let end = offsetOf(textEl, range.endContainer, range.endOffset);
    if (start == null || end == null || start === end) return false;
    if (start > end) [start, end] = [end, start];
    state.selection = {start, end};
    selectionBar.textContent = `Sélection : « ${quote(model.get("text").slice(start, end))} » — choisissez un code (clic, 1–9, ou filtre puis Entrée)`;
    popup.hidden = true;
    return true;
  };
  const select = (start, end, scroll = true) => {
    const from = domPosition(textEl, start), to = domPosition(textEl, end);
    if (!from || !to) return;
    const range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (scroll) (from.node.parentElement || textEl).scrollIntoView({block: "center"});
    readSelection();
  };
  // The popup belongs to the lines it was opened on: it closes when they scroll away.
  textEl.addEventListener("scroll", () => { popup.hidden = true; drawStripesLater(); });
  document.addEventListener("scroll", () => { popup.hidden = true; }, {capture: true, passive: true});
  let stripesFrame = 0;
  const drawStripesLater = () => { cancelAnimationFrame(stripesFrame); stripesFrame = requestAnimationFrame(() => drawStripes(state)); };
  stripesEl.addEventListener("click", (event) => {
    const bar = event.target.closest(".at-stripe");
    const coding = bar && state.visible.find((c) => c.id === bar.dataset.id);
    if (coding) { select(coding.start, coding.end, false); const r = bar.getBoundingClientRect(); showPopup(coding.start, r.right, r.top); }
  });
  textEl.addEventListener("keyup", (event) => { if (event.shiftKey || event.key.startsWith("Arrow")) readSelection(); });
  textEl.addEventListener("mouseup", (event) => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) {
      const span = event.target.closest && event.target.closest(".at-hl");
      if (span) {
        const position = caretAt(event.clientX, event.clientY);
        const offset = position ? offsetOf(textEl, position.node, position.offset) : null;
        showPopup(offset, event.clientX, event.clientY);
      } else {
        popup.hidden = true;
      }
      return;
    }
    readSelection();
  });

  // Search in the text, accents and case ignored: each match becomes the selection, ready to code.
  const findNext = (step) => {
    const needle = fold(searchBox.value.trim());
    if (!needle) { searchCount.textContent = ""; return; }
    const folded = state.foldedFor === model.get("text") ? state.folded : (state.folded = fold(model.get("text")));
    state.foldedFor = model.get("text");
    const matches = [];
    for (let at = folded.indexOf(needle); at >= 0; at = folded.indexOf(needle, at + 1)) matches.push(at);
    if (!matches.length) { searchCount.textContent = `« ${searchBox.value.trim()} » : aucune occurrence`; return; }
    const here = state.selection ? state.selection.start : -1;
    let index = step > 0 ? matches.findIndex((m) => m > here) : matches.map((m) => m < here).lastIndexOf(true);
    if (index < 0) index = step > 0 ? 0 : matches.length - 1;
    select(matches[index], matches[index] + needle.length);
    searchCount.textContent = `${index + 1} / ${matches.length}`;
  };
  searchBox.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); findNext(e.shiftKey ? -1 : 1); } });
  // Next or previous coding among those shown (of the code chosen in « Afficher », or any).
  const jumpCoding = (step) => {
    const sorted = [...state.visible].sort((a, b) => a.start - b.start || a.end - b.end);
    if (!sorted.length) { messageBox.textContent = "Aucun codage affiché dans ce document."; return; }
    const here = state.selection ? state.selection.start : -1;
    let index = step > 0 ? sorted.findIndex((c) => c.start > here) : sorted.map((c) => c.start < here).lastIndexOf(true);
    if (index < 0) index = step > 0 ? 0 : sorted.length - 1;
    select(sorted[index].start, sorted[index].end);
    messageBox.textContent = `Codage ${index + 1} / ${sorted.length} : ${labelOf(sorted[index].code)} (${sorted[index].coder})`;
  };
  const drawCodingList = () => {  // built only while open: a long document may have thousands
    codingsBox.querySelector("summary").textContent = `Codages du document (${state.visible.length})`;
    if (!codingsBox.open) { codingList.replaceChildren(); return; }
    const sorted = [...state.visible].sort((a, b) => a.start - b.start || a.end - b.end);
    codingList.replaceChildren(...sorted.map((c) => h("li", {},
      h("button", {class: "at-coding-link", onclick: () => select(c.start, c.end)},
        h("span", {class: "at-swatch", style: `background:${c.colour}`}), `${labelOf(c.code)} — ${c.coder} : `,
        h("i", {}, quote(model.get("text").slice(c.start, c.end)).slice(0, 80))))));
  };
  filterBox.addEventListener("input", () => { state.activeCode = 0; drawCodebook(); });
  filterBox.addEventListener("keydown", (e) => {
    const codes = visibleCodes();
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      state.activeCode = Math.max(0, Math.min(codes.length - 1, (state.activeCode || 0) + (e.key === "ArrowDown" ? 1 : -1)));
      drawCodebook();
    } else if (e.key === "Enter") {
      e.preventDefault();
      const chosen = codes[state.activeCode || 0];
      if (chosen) apply([chosen.path]);
      else messageBox.textContent = `Aucun code ne contient « ${filterBox.value.trim()} » : « + Nouveau code » le crée.`;
    } else if (e.key === "F2" && codes[state.activeCode || 0]) {
      e.preventDefault(); openCodeDialog(codes[state.activeCode || 0], filterBox);
    } else if (e.key === "Escape") {
      textEl.focus();
    }
  });
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName === "TEXTAREA" || e.target.tagName === "SELECT" || (e.target.tagName === "INPUT" && e.target !== filterBox)
        || codeDialog.contains(e.target)) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault(); send({action: e.shiftKey ? "redo" : "undo"});
    } else if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault(); jumpCoding(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.target !== filterBox && e.key === "/") {
      e.preventDefault(); filterBox.focus();  // then type, ↑↓ and Entrée: any code from the keyboard
    } else if (e.target !== filterBox && /^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      const code = visibleCodes()[Number(e.key) - 1];
      if (!state.selection) messageBox.textContent = `Touche ${e.key} : sélectionnez d’abord un passage (souris, ou Maj+flèches dans le texte).`;
      else if (!code) messageBox.textContent = `Touche ${e.key} : la liste n’a que ${visibleCodes().length} code(s) ; « / » pour chercher un code.`;
      else apply([code.path]);
    }
  });

  const scrollToFocus = () => {
    const focus = model.get("focus");
    if (focus == null || focus.start == null) return;
    const spans = [...textEl.querySelectorAll("[data-o]")];
    const target = spans.find((s) => Number(s.dataset.o) >= focus.start);
    if (target) { target.scrollIntoView({block: "center"}); target.classList.add("at-focus"); }
  };

  const drawProposals = () => {
    const proposals = model.get("proposals");
    autoList.replaceChildren(...proposals.map((p, index) => h("li", {},
      h("label", {}, h("input", {type: "checkbox", checked: true, "data-index": String(index)}), " ",
        p.here ? h("button", {class: "at-coding-link", onclick: () => select(p.start, p.end)}, quote(p.text))
               : `${p.doc_id} : ${quote(p.text)}`))));
    const chosen = autoCode.value;  // kept: a suggestion search is made for the chosen code
    autoCode.replaceChildren(...model.get("codebook").filter((c) => !c.retired)
      .map((c) => h("option", {value: c.path, selected: c.path === chosen}, "· ".repeat(c.depth) + c.label)));
    autoApply.disabled = !proposals.length;
  };
  model.on("change:proposals", drawProposals);
  model.on("change:codebook", drawProposals);
  drawProposals();
  const drawText = () => { renderText(model, state); drawCodingList(); };
  codingsBox.addEventListener("toggle", drawCodingList);
  const drawAll = () => { drawHeader(); drawStatus(); drawCodebook(); drawCoders(); drawText(); scrollToFocus(); };
  drawAll();
  model.on("change:text", drawAll);
  model.on("change:revision", () => { state.pending = []; drawCodebook(); drawCoders(); drawText(); });
  model.on("change:shown_coders", () => { drawCodebook(); drawText(); });
  model.on("change:code_filter", drawText);
  const resize = new ResizeObserver(drawStripesLater);
  resize.observe(textEl);
  model.on("change:focus", scrollToFocus);
  model.on("change:finished", drawHeader);
  model.on("change:error", drawStatus);
  model.on("change:message", drawStatus);
  model.on("change:codebook", drawCodebook);
  const timer = setInterval(() => model.send({action: "sync"}), 2000);
  return () => { clearInterval(timer); resize.disconnect(); };
}

export default {render};
