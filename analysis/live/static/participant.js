import {call, h, number} from "/static/common.js";

const cellsEl = document.getElementById("cells");
const statusEl = document.getElementById("status");
const errorEl = document.getElementById("error");

function drawCell(view, cell) {
  const reason = h("textarea", {maxlength: "500", placeholder: "Pourquoi ? (facultatif)", "aria-label": "Raison", disabled: view.closed});
  reason.value = cell.reason;
  const send = async (value) => {
    try {
      await call("/api/reponse", {source: cell.source, target: cell.target, value, reason: reason.value});
      errorEl.textContent = "";
      await load();
    } catch (problem) { errorEl.textContent = problem.message; }
  };
  const buttons = view.scale.map(([value, label]) => h("button", {type: "button", "aria-pressed": String(cell.value === value),
    "data-value": value, disabled: view.closed, onclick: () => send(value)}, value, h("small", {}, label)));
  reason.addEventListener("change", () => { if (cell.value) send(cell.value); });
  const group = cell.group ? h("p", {class: "group"}, `Groupe : médiane ${number(cell.group.median)}, la moitié des réponses entre `
    + `${number(cell.group.q1)} et ${number(cell.group.q3)}` + (cell.value ? ` ; vous : ${cell.value}` : "")) : "";
  return h("section", {class: "cell", "data-cell": `${cell.source}>${cell.target}`}, h("h2", {}, cell.text),
    h("div", {class: "scale", role: "group", "aria-label": "Votre réponse", "data-values": String(view.scale.length)}, buttons), reason, group);
}

async function load() {
  try {
    const view = await call("/api/participant");
    document.getElementById("title").textContent = view.round ? `Atelier — ${view.round}` : "Atelier";
    const done = view.round ? view.cells.filter((c) => c.value).length : 0;
    statusEl.textContent = !view.round ? `Vous êtes ${view.participant}. Attendez que l’animateur ouvre un tour.`
      : view.closed ? "Tour fermé : voici le résultat du groupe, anonyme. Vous pourrez réviser au tour suivant."
      : `Vous êtes ${view.participant} : ${done} réponse(s) sur ${view.cells.length}. ${view.title}`;
    cellsEl.replaceChildren(...(view.round ? view.cells.map((cell) => drawCell(view, cell)) : []));
  } catch (problem) { errorEl.textContent = problem.message; }
}

load();
const events = new EventSource("/api/participant/evenements");
events.addEventListener("tour", load);
