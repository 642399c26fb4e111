// Extracts view: the coded extracts of a code, each opening its place in the annotator.
function render({model, el}) {
  const draw = () => {
    el.replaceChildren();
    const root = document.createElement("div");
    root.className = "atelier-extracts";
    const heading = document.createElement("div");
    heading.className = "at-title";
    heading.textContent = `Extraits codés « ${model.get("code")} » (${model.get("rows").length})`;
    root.append(heading);
    if (model.get("error")) {
      const error = document.createElement("div");
      error.className = "at-message";
      error.textContent = model.get("error");
      root.append(error);
    }
    for (const row of model.get("rows")) {
      const item = document.createElement("div");
      item.className = "at-extract";
      const meta = document.createElement("div");
      meta.className = "at-extract-meta";
      meta.textContent = `${row.title || row.doc_id} — ${row.coder} — ${row.code}`;
      const quote = document.createElement("div");
      quote.className = "at-quote";
      const before = document.createElement("span"); before.className = "at-context"; before.textContent = "…" + row.before;
      const mark = document.createElement("mark"); mark.textContent = row.text;
      const after = document.createElement("span"); after.className = "at-context"; after.textContent = row.after + "…";
      quote.append(before, mark, after);
      const open = document.createElement("button");
      open.className = "at-btn";
      open.textContent = "Ouvrir dans l’annotateur";
      open.addEventListener("click", () => model.send({action: "open", doc_id: row.doc_id, start: row.start, end: row.end}));
      item.append(meta, quote, open);
      root.append(item);
    }
    el.append(root);
  };
  draw();
  model.on("change:rows", draw);
  model.on("change:error", draw);
  const timer = setInterval(() => model.send({action: "sync"}), 2000);
  return () => clearInterval(timer);
}

export default {render};
