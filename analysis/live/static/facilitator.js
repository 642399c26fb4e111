import {call} from "/static/common.js";

const key = new URLSearchParams(location.search).get("cle") || "";
const withKey = (url) => `${url}?cle=${encodeURIComponent(key)}`;
const errorEl = document.getElementById("error");
document.getElementById("screen").href = withKey("/projecteur");
const act = async (url, body) => {
  try { await call(withKey(url), body); errorEl.textContent = ""; } catch (problem) { errorEl.textContent = problem.message; }
};
document.getElementById("open").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  act("/api/tour/ouvrir", {name: form.get("name"), kind: form.get("kind"), cells: form.get("cells")});
});
document.getElementById("close").addEventListener("click", () => act("/api/tour/fermer", {}));
const events = new EventSource(withKey("/api/evenements"));
events.addEventListener("resume", (event) => {
  const summary = JSON.parse(event.data);
  document.getElementById("status").textContent = summary.round
    ? `Tour « ${summary.round} » ${summary.closed ? "fermé" : "ouvert"} : ${summary.respondents} participant(s) sur ${summary.participants} ont répondu.`
    : `${summary.participants} participant(s) connecté(s) ; aucun tour ouvert.`;
});
