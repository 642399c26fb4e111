/* Search results with an excerpt of the page, for a French book.
 *
 * Sphinx's search (searchtools.js) shows, under each page found, the text around the first place
 * of a searched word. It looks for the stemmed word in the page's text as written: the French
 * stemmer drops accents ("coopération" gives "cooper"), so a page that says "coopérative" is found
 * but the place is not, and Sphinx then shows the first characters of the theme's main block,
 * which are its download buttons (".md", ".pdf"). Here the excerpt is taken from the article
 * alone, the word is looked for with accents and case set aside, and a page where it is still
 * not found shows the beginning of its article.
 *
 * Jupyter Book loads every script of _static/ on every page; this one only changes the `Search`
 * object of searchtools.js where the page has it.
 */
(() => {
  "use strict";

  const CONTEXT = 120;  // characters shown before the word; the excerpt is twice as long

  /* Lower case without accents, one character for one character, so that a position in the
     folded text is the same position in the text. */
  const fold = (text) =>
    text.split("").map((c) => c.normalize("NFD").charAt(0).toLowerCase().charAt(0)).join("");

  const articleText = (htmlString, anchor) => {
    const page = new DOMParser().parseFromString(htmlString, "text/html");
    page.querySelectorAll(".headerlink, script, style").forEach((element) => element.remove());
    const main = page.querySelector('[role="main"]');
    if (!main) return "";
    const article = main.querySelector("article") || main;
    // The page is parsed, not laid out: a space after each block and cell keeps words apart.
    article.querySelectorAll("p, li, td, th, dt, dd, h1, h2, h3, h4, h5, h6, div, summary, caption, br")
      .forEach((element) => element.after(" "));
    let block = null;
    if (anchor) {
      try {
        block = article.querySelector(anchor);
      } catch (error) {
        block = null;  // an anchor that is not a valid selector: the whole article
      }
    }
    return (block || article).textContent.replace(/\s+/g, " ").trim();
  };

  const summary = (htmlString, keywords, anchor) => {
    const text = articleText(htmlString, anchor);
    if (!text) return null;
    const folded = fold(text);
    const places = [...keywords].map((word) => folded.indexOf(fold(word))).filter((at) => at > -1);
    const start = places.length ? Math.max(Math.min(...places) - CONTEXT, 0) : 0;
    let from = start;
    if (start > 0) {  // begin with a whole word
      const space = text.indexOf(" ", start);
      if (space > -1 && space < start + 20) from = space + 1;
    }
    const end = start + 2 * CONTEXT;
    const excerpt = document.createElement("p");
    excerpt.classList.add("context");
    excerpt.textContent = (from > 0 ? "… " : "") + text.substring(from, end).trim() + (end < text.length ? " …" : "");
    return excerpt;
  };

  const install = () => {
    if (typeof Search === "undefined" || Search.atelierExcerpts) return;
    Search.htmlToText = articleText;
    Search.makeSearchSummary = summary;
    Search.atelierExcerpts = true;
  };

  install();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", install);
})();
