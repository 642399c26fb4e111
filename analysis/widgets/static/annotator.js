// Annotator view (anywidget). Offsets here are UTF-16 code units, as the browser counts;
// the kernel converts them to code points. Every action is a message to the kernel, which
// writes it to the coder's log and sends back the codings: nothing is kept only here.

const esc = (s) => s.replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));

const quote = (s) => (s.length > 160 ? s.slice(0, 160) + "…" : s);

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
    }
    html.push(`<span data-o="${from + p.from}" class="${classes.join(" ")}"${style ? ` style="${style}"` : ""}>${esc(local.slice(p.from, p.to))}</span>`);
  }
  return html.join("");
}

function renderText(model, state) {
  const started = performance.now();
  const text = model.get("text");
  const shown = new Set(model.get("shown_coders"));
  const filter = model.get("code_filter");
  const visible = model.get("codings").filter((c) => shown.has(c.coder) &&
    (!filter || c.code === filter || c.code.startsWith(filter + "/")));
  state.visible = visible;
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
    const signature = parts.codings.map((c) => `${c.id}:${c.start}:${c.end}:${c.colour}:${c.mine}`).join("|");
    if (state.signatures[k] === signature) return;
    state.signatures[k] = signature;
    state.textEl.children[k].innerHTML = chunkHtml(text, state.bounds[k], state.bounds[k + 1], parts.codings, parts.decorations);
  });
  void state.textEl.offsetHeight;  // force layout, so that the time measured is the time seen
  const elapsed = performance.now() - started;
  state.root.dataset.renderMs = elapsed.toFixed(1);
  if (state.pendingSince) {
    state.root.dataset.roundtripMs = (performance.now() - state.pendingSince).toFixed(1);
    state.pendingSince = null;
  }
  state.root.dataset.revision = model.get("revision");
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
  const state = {selection: null, visible: [], pendingSince: null};
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
  const textEl = h("div", {class: "at-text", tabindex: "0"});
  state.textEl = textEl;
  const filterBox = h("input", {class: "at-filter", type: "search", placeholder: "Filtrer les codes… (Entrée : appliquer)"});
  const codeList = h("ul", {class: "at-codes"});
  const codersBox = h("div", {class: "at-coders"});
  const codeFilter = h("select", {class: "at-code-filter", "aria-label": "Afficher seulement le code",
    onchange: (e) => { model.set("code_filter", e.target.value); model.save_changes(); }});
  const side = h("div", {class: "at-side"},
    h("div", {class: "at-side-title"}, "Livre de codes"), filterBox, codeList,
    h("div", {class: "at-side-title"}, "Afficher"), codeFilter, codersBox);
  const popup = h("div", {class: "at-popup", hidden: true});
  root.append(title, header, errorBox, messageBox, selectionBar, h("div", {class: "at-body"}, textEl, side), popup);
  el.append(root);

  const visibleCodes = () => {
    const needle = filterBox.value.trim().toLowerCase();
    return model.get("codebook").filter((c) => !c.retired && (!needle || c.label.toLowerCase().includes(needle) || c.path.includes(needle)));
  };
  const apply = (codes) => {
    if (!state.selection) { messageBox.textContent = "Sélectionnez d’abord un passage du texte."; return; }
    send({action: "add", start: state.selection.start, end: state.selection.end, codes});
    state.selection = null;
    selectionBar.textContent = "Sélectionnez un passage du texte, puis un code.";
    window.getSelection().removeAllRanges();
  };

  const drawCodebook = () => {
    const counts = {};
    for (const c of model.get("codings")) counts[c.code] = (counts[c.code] || 0) + 1;
    codeList.replaceChildren(...visibleCodes().map((c, n) => h("li", {
        class: "at-code", "data-path": c.path, title: c.definition || c.path, style: `padding-left:${0.4 + c.depth * 1.1}em`,
        onmousedown: (e) => e.preventDefault(), onclick: () => apply([c.path])},
      h("span", {class: "at-swatch", style: `background:${c.colour}`}),
      h("span", {class: "at-label"}, c.label),
      n < 9 ? h("kbd", {}, String(n + 1)) : "",
      h("span", {class: "at-count"}, counts[c.path] ? String(counts[c.path]) : ""))));
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

  textEl.addEventListener("mouseup", (event) => {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) {
      const span = event.target.closest && event.target.closest(".at-hl");
      if (span) {
        const range = document.caretRangeFromPoint ? document.caretRangeFromPoint(event.clientX, event.clientY) : null;
        const offset = range ? offsetOf(textEl, range.startContainer, range.startOffset) : Number(span.dataset.o);
        showPopup(offset, event.clientX, event.clientY);
      } else {
        popup.hidden = true;
      }
      return;
    }
    const range = selection.getRangeAt(0);
    let start = offsetOf(textEl, range.startContainer, range.startOffset);
    let end = offsetOf(textEl, range.endContainer, range.endOffset);
    if (start == null || end == null || start === end) return;
    if (start > end) [start, end] = [end, start];
    state.selection = {start, end};
    const chosen = model.get("text").slice(start, end);
    selectionBar.textContent = `Sélection : « ${quote(chosen)} » — choisissez un code`;
    popup.hidden = true;
  });
  filterBox.addEventListener("input", drawCodebook);
  filterBox.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { const first = visibleCodes()[0]; if (first) apply([first.path]); }
  });
  root.addEventListener("keydown", (e) => {
    if (e.target.tagName === "TEXTAREA" || (e.target.tagName === "INPUT" && e.target !== filterBox)) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
      e.preventDefault(); send({action: e.shiftKey ? "redo" : "undo"});
    } else if (e.target !== filterBox && /^[1-9]$/.test(e.key) && state.selection) {
      const code = visibleCodes()[Number(e.key) - 1];
      if (code) { e.preventDefault(); apply([code.path]); }
    }
  });

  const scrollToFocus = () => {
    const focus = model.get("focus");
    if (focus == null || focus.start == null) return;
    const spans = [...textEl.querySelectorAll("[data-o]")];
    const target = spans.find((s) => Number(s.dataset.o) >= focus.start);
    if (target) { target.scrollIntoView({block: "center"}); target.classList.add("at-focus"); }
  };

  const drawAll = () => { drawHeader(); drawStatus(); drawCodebook(); drawCoders(); renderText(model, state); scrollToFocus(); };
  drawAll();
  model.on("change:text", drawAll);
  model.on("change:revision", () => { drawCodebook(); drawCoders(); renderText(model, state); });
  model.on("change:shown_coders", () => renderText(model, state));
  model.on("change:code_filter", () => renderText(model, state));
  model.on("change:focus", scrollToFocus);
  model.on("change:finished", drawHeader);
  model.on("change:error", drawStatus);
  model.on("change:message", drawStatus);
  model.on("change:codebook", drawCodebook);
  const timer = setInterval(() => model.send({action: "sync"}), 2000);
  return () => clearInterval(timer);
}

export default {render};
