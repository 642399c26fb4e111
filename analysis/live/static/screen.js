import {call, h, number} from "/static/common.js";

// The projector: who answered is never shown, only how many, and the group's answer.
const key = new URLSearchParams(location.search).get("cle") || "";
const bar = (summary, cell) => {
  if (cell.median === undefined) return h("span", {class: "status"}, "—");
  const [low, high] = summary.bounds;
  const at = (value) => `${((value - low) / (high - low)) * 100}%`;
  const spread = h("span"), median = h("b");  // positioned through the CSSOM: the page allows no inline style
  spread.style.left = at(cell.q1);
  spread.style.width = `calc(${at(cell.q3)} - ${at(cell.q1)})`;
  median.style.left = `calc(${at(cell.median)} - 0.15em)`;
  return h("div", {class: "bar", title: `médiane ${number(cell.median)}, de ${number(cell.q1)} à ${number(cell.q3)}`}, spread, median);
};

// Positions and levers fill a small table: the group fills it live, one cell per item.
function matrix(summary) {
  const byCell = new Map(summary.cells.map((cell) => [`${cell.source}\u0000${cell.target}`, cell]));
  const [low, high] = summary.bounds;
  const level = (cell) => String(Math.round(((cell.median - low) / (high - low)) * 4));
  const head = h("tr", {}, h("th", {}, ""), summary.columns.map((column) => h("th", {scope: "col"}, column)));
  const rows = summary.rows.map((row) => h("tr", {}, h("th", {scope: "row"}, row), summary.columns.map((column) => {
    const cell = byCell.get(`${row}\u0000${column}`);
    if (!cell) return h("td", {}, "");
    if (cell.median === undefined) return h("td", {"data-cell": `${row}>${column}`}, "—", h("small", {}, "0 réponse"));
    return h("td", {"data-cell": `${row}>${column}`, "data-level": level(cell)}, number(cell.median),
      h("small", {}, `${cell.answers} réponse(s)${cell.consensus ? ", consensus" : ""}`));
  })));
  return h("table", {class: "matrix"}, h("thead", {}, head), h("tbody", {}, rows));
}

function list(summary) {
  return h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "Question"), h("th", {}, "Réponses"),
    h("th", {}, `Médiane et dispersion (${summary.bounds[0]} à ${summary.bounds[1]})`))),
  h("tbody", {}, summary.cells.map((cell) => h("tr", {"data-cell": `${cell.source}>${cell.target}`},
    h("td", {}, cell.text), h("td", {class: "answers"}, String(cell.answers)),
    h("td", {}, bar(summary, cell), cell.consensus ? h("span", {class: "consensus"}, " consensus") : "")))));
}

function draw(summary) {
  document.getElementById("code").textContent = summary.room_code;
  document.getElementById("title").textContent = summary.round ? `Tour « ${summary.round} »${summary.closed ? " (fermé)" : ""} : ${summary.title}`
    : "Atelier : en attente du premier tour";
  document.getElementById("count").textContent = summary.round
    ? `${summary.respondents} participant(s) sur ${summary.participants} ont répondu` : `${summary.participants} participant(s) connecté(s)`;
  const convergence = summary.convergence;
  document.getElementById("convergence").textContent = convergence ? `Par rapport au tour « ${convergence.previous} » : le groupe s’est `
    + `rapproché sur ${convergence.converged} case(s) sur ${convergence.cells}, ${convergence.median_changes} médiane(s) ont changé.` : "";
  document.getElementById("answers").replaceChildren(summary.round ? (summary.rows ? matrix(summary) : list(summary)) : "");
  document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
}

call(`/api/salle?cle=${encodeURIComponent(key)}`).then((room) => {
  document.getElementById("qr").src = room.qr;
  document.getElementById("url").textContent = `${room.url} — code ${room.code}`;
});
const events = new EventSource(`/api/evenements?cle=${encodeURIComponent(key)}`);
events.addEventListener("resume", (event) => draw(JSON.parse(event.data)));
// A click or a clicker's page-down shows the next page of items when they do not fit.
const next = () => window.scrollBy({top: window.innerHeight * 0.8, behavior: "smooth"});
document.addEventListener("click", next);
document.addEventListener("keydown", (event) => { if (["PageDown", "ArrowRight", " "].includes(event.key)) { event.preventDefault(); next(); } });
