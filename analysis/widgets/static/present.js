// Workshop presentation (analysis/widgets/presentation/): keyboard navigation between views.
(function () {
  "use strict";
  var views = Array.prototype.slice.call(document.querySelectorAll(".view"));
  var counter = document.querySelector(".counter");
  var current = 0;

  function show(index) {
    if (!views.length) { return; }
    current = Math.max(0, Math.min(views.length - 1, index));
    views.forEach(function (view, i) { view.classList.toggle("active", i === current); });
    var id = views[current].dataset.view;
    document.body.dataset.view = id;
    if (counter) { counter.textContent = (current + 1) + " / " + views.length; }
    if (window.history && window.history.replaceState) { window.history.replaceState(null, "", "#" + id); }
  }

  function setScenario(box, k) {
    var scenarios = JSON.parse(box.dataset.scenarios || "[]");
    if (!scenarios.length) { return; }
    k = (k + scenarios.length) % scenarios.length;
    box.dataset.current = String(k);
    var chosen = scenarios[k];
    box.querySelectorAll(".cell").forEach(function (cell) {
      var on = chosen[Number(cell.dataset.d)] === Number(cell.dataset.v);
      cell.classList.toggle("chosen", on);
    });
    var label = box.parentNode.querySelector(".chooser .which");
    if (label) { label.textContent = String(k + 1); }
    var chooser = box.parentNode.querySelector(".chooser[data-names]");
    if (chooser) { chooser.querySelector(".name").textContent = JSON.parse(chooser.dataset.names)[k] || ""; }
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      if (document.exitFullscreen) { document.exitFullscreen(); }
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () {});
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var key = event.key;
    var box = views[current] && views[current].querySelector(".box[data-scenarios]");
    if (key === "ArrowRight" || key === "PageDown" || (key === " " && !event.shiftKey) || key === "Enter") {
      show(current + 1);
    } else if (key === "ArrowLeft" || key === "PageUp" || (key === " " && event.shiftKey) || key === "Backspace") {
      show(current - 1);
    } else if (key === "Home") {
      show(0);
    } else if (key === "End") {
      show(views.length - 1);
    } else if (/^[1-9]$/.test(key)) {
      if (Number(key) <= views.length) { show(Number(key) - 1); }
    } else if (key === "f" || key === "F") {
      toggleFullscreen();
    } else if (key === "?") {
      document.body.classList.toggle("show-help");
    } else if (key === "Escape" && document.body.classList.contains("show-help")) {
      document.body.classList.remove("show-help");
    } else if (box && (key === "ArrowDown" || key === "ArrowUp")) {
      setScenario(box, Number(box.dataset.current || 0) + (key === "ArrowDown" ? 1 : -1));
    } else {
      return;
    }
    event.preventDefault();
  });

  // A click advances, as a clicker does (not on the lexicon, so that it can be read).
  document.addEventListener("click", function (event) {
    if (event.button !== 0 || (event.target.closest && event.target.closest(".help, a, button"))) { return; }
    show(current + 1);
  });

  // For the export: the view's own SVG figure, or the view wrapped in an SVG foreignObject.
  function svgOf(index) {
    var view = views[index];
    var figures = view.querySelectorAll("svg.figure");
    if (figures.length === 1) {  // a view of several figures is exported whole, as below
      var figure = figures[0];
      var copy = figure.cloneNode(true);
      copy.removeAttribute("style");
      copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
      return new XMLSerializer().serializeToString(copy);
    }
    var css = document.querySelector("style").textContent;
    var clone = view.cloneNode(true);
    clone.classList.add("active");
    var wrapper = document.createElement("div");
    wrapper.className = "deck export";
    var style = document.createElement("style");
    style.textContent = css;
    wrapper.appendChild(style);
    wrapper.appendChild(clone);
    var inner = new XMLSerializer().serializeToString(wrapper);
    return '<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080" viewBox="0 0 1920 1080" ' +
      'style="font-size:24px"><foreignObject x="0" y="0" width="1920" height="1080">' + inner +
      "</foreignObject></svg>";
  }

  window.presentation = { show: show, count: views.length, svgOf: svgOf,
                          current: function () { return current; } };
  var start = 0;
  var hash = window.location.hash.replace("#", "");
  views.forEach(function (view, i) { if (view.dataset.view === hash) { start = i; } });
  document.querySelectorAll(".box[data-scenarios]").forEach(function (box) { setScenario(box, 0); });
  show(start);
})();
