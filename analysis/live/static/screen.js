import {call, cellTitle, h, number} from "/static/common.js";

// The projector: who answered is never shown, only how many, and the group's answer.
const key = new URLSearchParams(location.search).get("cle") || "";
const bar = (cell) => {
  if (cell.median === undefined) return h("span", {class: "status"}, "—");
  const at = (value) => `${(value / 3) * 100}%`;
  const spread = h("span"), median = h("b");  // positioned through the CSSOM: the page allows no inline style
  spread.style.left = at(cell.q1);
  spread.style.width = `calc(${at(cell.q3)} - ${at(cell.q1)})`;
  median.style.left = `calc(${at(cell.median)} - 0.15em)`;
  return h("div", {class: "bar", title: `médiane ${number(cell.median)}, de ${number(cell.q1)} à ${number(cell.q3)}`}, spread, median);
};

function draw(summary) {
  document.getElementById("code").textContent = summary.room_code;
  document.getElementById("title").textContent = summary.round ? `Tour « ${summary.round} »${summary.closed ? " (fermé)" : ""}` : "Atelier : en attente du premier tour";
  document.getElementById("count").textContent = summary.round
    ? `${summary.respondents} participant(s) sur ${summary.participants} ont répondu` : `${summary.participants} participant(s) connecté(s)`;
  const convergence = summary.convergence;
  document.getElementById("convergence").textContent = convergence ? `Par rapport au tour « ${convergence.previous} » : le groupe s’est `
    + `rapproché sur ${convergence.converged} case(s) sur ${convergence.cells}, ${convergence.median_changes} médiane(s) ont changé.` : "";
  document.getElementById("cells").replaceChildren(...(summary.cells || []).map((cell) => h("tr", {"data-cell": `${cell.source}>${cell.target}`},
    h("td", {}, cellTitle(summary.names, cell)), h("td", {class: "answers"}, String(cell.answers)),
    h("td", {}, bar(cell), cell.consensus ? h("span", {class: "consensus"}, " consensus") : ""))));
  document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
}

call(`/api/salle?cle=${encodeURIComponent(key)}`).then((room) => {
  document.getElementById("qr").src = room.qr;
  document.getElementById("url").textContent = `${room.url} — code ${room.code}`;
});
const events = new EventSource(`/api/evenements?cle=${encodeURIComponent(key)}`);
events.addEventListener("resume", (event) => draw(JSON.parse(event.data)));
// A click or a clicker's page-down shows the next page of cells when they do not fit.
const next = () => window.scrollBy({top: window.innerHeight * 0.8, behavior: "smooth"});
document.addEventListener("click", next);
document.addEventListener("keydown", (event) => { if (["PageDown", "ArrowRight", " "].includes(event.key)) { event.preventDefault(); next(); } });
