/* The book on the hosted course (JupyterHub): a bar at the top of every page with the hub's home,
 * the learner's own JupyterLab and their results; a direct link to a lesson's notebook.
 *
 * The course service (canhgiac.service) marks its pages with the cookie `canhgiac_hosted=1`;
 * without it (the static book, `canhgiac serve`, a saved page) this script asks nothing and
 * adds nothing.  Where JupyterLab lives comes from the service's api/me ("jupyterlab":
 * <hub>/user-redirect/lab/tree/bai-kiem-tra); every link goes through the hub's spawn page,
 * which starts the learner's server when it is not running and then opens the page asked for.
 * Text only (textContent), no inline code: the book's Content-Security-Policy stays strict. */
(() => {
  "use strict";

  if (!/(?:^|;\s*)canhgiac_hosted=1/.test(document.cookie)) return;

  const contentRoot = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  const RESULTS_ID = "ket-qua-cua-toi";
  const STATUS = {
    "cho-cham": "Đang chấm",
    loi: "Chưa chấm được: cán bộ phụ trách sẽ xem lại",
  };

  function xsrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(path) {
    const response = await window.fetch(new URL(`api/${path}`, contentRoot).href, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-XSRFToken": xsrfToken() },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok || !type.includes("json")) throw new Error(String(response.status));
    return response.json();
  }

  function link(text, href, className) {
    const a = document.createElement("a");
    a.textContent = text;
    a.href = href;
    if (className) a.className = className;
    return a;
  }

  /** A page of the learner's JupyterLab, started first when it is not running. */
  function labLink(hub, path) {
    const next = `${hub}user-redirect/lab${path ? `/tree/${path}` : ""}`;
    return `${hub}spawn?next=${encodeURIComponent(next)}`;
  }

  /** The page's own name for a quiz, from the book's table of contents; else its short name. */
  function quizTitle(assignment) {
    const found = [...document.querySelectorAll(".bd-sidebar-primary a.reference")].find((a) =>
      a.getAttribute("href")?.endsWith(`kiem-tra/${assignment}.html`),
    );
    return found ? found.textContent.trim() : assignment;
  }

  function showResults(box, results) {
    box.replaceChildren();
    const latest = new Map();
    for (const r of results) latest.set(r.assignment, r); // the API sorts by time: the last one wins
    if (!latest.size) {
      box.textContent = "Anh, chị chưa nộp bài kiểm tra nào.";
      return;
    }
    const list = document.createElement("ul");
    list.className = "cg-hosted-results";
    for (const r of latest.values()) {
      const item = document.createElement("li");
      item.append(link(quizTitle(r.assignment), new URL(`book/kiem-tra/${r.assignment}.html`, contentRoot).href));
      item.append(": ");
      if (r.status === "da-cham") {
        item.append(`${r.score}/${r.max_score} điểm, ${r.passed ? "Đạt" : "Chưa đạt"}`);
      } else {
        item.append(STATUS[r.status] || "Đang chấm");
      }
      list.append(item);
    }
    box.append(list);
  }

  function bar(me) {
    const hub = me.jupyterlab.replace(/user-redirect\/.*$/, "");
    const nav = document.createElement("nav");
    nav.className = "cg-hosted-bar";
    nav.setAttribute("aria-label", "Khóa học trực tuyến");
    const who = document.createElement("span");
    who.className = "cg-hosted-who";
    who.textContent = me.name ? `${me.name} (${me.learner})` : me.learner;
    nav.append(who);
    nav.append(link("Trang chủ", `${hub}home`));
    nav.append(link("JupyterLab", labLink(hub, ""), "cg-hosted-lab"));
    if (me.trainer) nav.append(link("Báo cáo trực tiếp", new URL("report/", contentRoot).href));

    const details = document.createElement("details");
    details.id = RESULTS_ID;
    details.className = "cg-hosted-details";
    const summary = document.createElement("summary");
    summary.textContent = "Kết quả của tôi";
    const box = document.createElement("div");
    box.setAttribute("role", "status");
    details.append(summary, box);
    let loaded = false;
    details.addEventListener("toggle", async () => {
      if (!details.open || loaded) return;
      box.textContent = "Đang tải kết quả…";
      try {
        showResults(box, await api("results"));
        loaded = true;
      } catch {
        box.textContent = "Chưa tải được kết quả. Hãy kiểm tra kết nối mạng rồi thử lại.";
      }
    });
    nav.append(details);
    const article = document.querySelector("main .bd-article") || document.querySelector("main") || document.body;
    article.prepend(nav);
    if (window.location.hash === `#${RESULTS_ID}`) {
      details.open = true;
      nav.scrollIntoView();
    }

    // A lesson's note: its notebook, opened in the learner's JupyterLab (bai-hoc/, canhgiac.hub.spawner).
    for (const note of document.querySelectorAll(".cg-jupyterlab-note")) {
      const name = note.querySelector("code")?.textContent.trim();
      if (!name || !/^[\w.-]+\.ipynb$/.test(name)) continue;
      const p = document.createElement("p");
      p.append(link("Mở bài này trong JupyterLab của tôi", labLink(hub, `bai-hoc/${encodeURIComponent(name)}`)));
      note.append(p);
    }
  }

  async function start() {
    let me = null;
    try {
      me = await api("me");
    } catch {
      return; // signed out, offline, or not the course service: the page stays as the static book's
    }
    if (me && me.learner && me.jupyterlab) bar(me);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
