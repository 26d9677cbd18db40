/* The search page of the Cảnh giác book: three changes to Sphinx's searchtools.js (7.4).
 *
 * 1. Numbers are found.  Sphinx indexes "113" and "0918", but its query parser drops
 *    every term made only of digits, so "113", "170" or "0918.340.491" found nothing.
 *    Those terms are put back.
 * 2. Quiz pages come after the chapters, and the appendix between them, for the same
 *    match: a learner looking for "113" wants the chapter that teaches it first.
 * 3. Each result shows the heading of the section where the words are, and the sentence
 *    around them, rather than 240 characters cut anywhere (often a citation's web address).
 *
 * Loaded on the search page only, deferred: after searchtools.js and language_data.js
 * (canhgiacFold, splitQuery) and before the search runs on DOMContentLoaded. */
(() => {
  "use strict";

  if (typeof Search === "undefined" || typeof Scorer === "undefined") return;

  // ---------------------------------------------------------------- 1. numbers

  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    const parsed = parseQuery(query);
    const [, searchTerms, , highlightTerms] = parsed;
    for (const term of splitQuery(query.trim())) {
      if (/^\d+$/.test(term)) {
        searchTerms.add(term);
        highlightTerms.add(term);
      }
    }
    return parsed;
  };

  // ---------------------------------------------------------------- 2. ranking

  // Points taken off a result's score, by the folder of its page.
  const LOWER = [
    ["book/kiem-tra/", 30],
    ["book/phu-luc/", 15],
  ];
  const score = Scorer.score;
  Scorer.score = (result) => {
    const base = score ? score(result) : result[4];
    const docname = result[0];
    const lower = LOWER.find(([prefix]) => docname.startsWith(prefix));
    return lower ? base - lower[1] : base;
  };

  // ---------------------------------------------------------------- 3. heading + sentence

  // Where a sentence is: a heading is used only when no sentence has the words.
  const BLOCKS = "p, li, td, th, dd, dt, legend, label";
  const HEADINGS = "h1, h2, h3, h4";
  // Not where a reader would read the match: the page's own table of contents (printed
  // pages only), footnotes (citations, web addresses), the time line, hidden explanations.
  const SKIPPED = ["#print-main-content", "nav", ".headerlink", "script", "style", "aside.footnote",
    ".footnote-list", "section.footnotes", ".cg-reading-time", ".cg-explanation", "noscript"];

  /** The sentence of `text` around position `at` (sentences end with . ! ? or ; followed by a space). */
  function sentenceAround(text, at) {
    const before = text.slice(0, at);
    const ends = [". ", "! ", "? ", "; "].map((end) => before.lastIndexOf(end)).filter((i) => i >= 0);
    const start = ends.length ? Math.max(...ends) + 2 : 0;
    const rest = text.slice(at);
    const found = rest.search(/[.!?;](\s|$)/);
    const end = found < 0 ? text.length : at + found + 1;
    let sentence = text.slice(start, end).trim();
    if (sentence.length > 260) sentence = `${sentence.slice(0, 257).trim()}…`;
    return sentence;
  }

  /** The first innermost block with the most of the words, its text and where the words are. */
  function bestBlock(main, selector, wanted) {
    let best = null;
    for (const block of main.querySelectorAll(selector)) {
      if (block.querySelector(BLOCKS)) continue; // the innermost block: a list item, not its list
      const text = block.textContent.replace(/\s+/g, " ").trim();
      const folded = canhgiacFold(text);
      const hits = wanted.filter((k) => folded.includes(k)).length;
      if (hits && (!best || hits > best.hits)) {
        best = { block, text, hits, at: Math.max(0, ...wanted.map((k) => folded.indexOf(k)).filter((i) => i >= 0)) };
        if (hits === wanted.length) break;
      }
    }
    return best;
  }

  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    const html = new DOMParser().parseFromString(htmlText, "text/html");
    const main = html.querySelector('[role="main"]');
    if (!main) return null;
    for (const selector of SKIPPED) main.querySelectorAll(selector).forEach((el) => el.remove());
    const wanted = [...keywords].map((k) => canhgiacFold(k)).filter(Boolean);
    const best = bestBlock(main, BLOCKS, wanted) || bestBlock(main, HEADINGS, wanted);
    if (!best) return null;
    let heading = null;
    // The page's title (h1) is the result's link already: only a section's heading is added.
    const headings = [...main.querySelectorAll("h2, h3, h4")];
    for (const h of headings) {
      if (h === best.block || h.compareDocumentPosition(best.block) & Node.DOCUMENT_POSITION_FOLLOWING) heading = h;
    }
    const summary = document.createElement("p");
    summary.classList.add("context");
    if (heading && heading !== best.block) {
      const strong = document.createElement("strong");
      strong.className = "cg-search-heading";
      strong.textContent = heading.textContent.replace(/\s+/g, " ").trim();
      summary.append(strong, document.createElement("br"));
    }
    summary.append(sentenceAround(best.text, best.at));
    return summary;
  };
})();
