/* The ☰ (course contents) and page-contents buttons of the Cảnh giác book, on phones and desktops.
 *
 * Why this file exists: a page holds two copies of each button, pydata-sphinx-theme's
 * in its header (hidden by sphinx-book-theme) and sphinx-book-theme's in the article
 * header (the one a reader sees and taps).  Both themes wire theirs with
 * `document.querySelector(".primary-toggle")` / `(".secondary-toggle")`, which returns
 * the first in the page: the hidden copy.  So tapping the visible button did nothing
 * but show its tooltip (pydata-sphinx-theme 0.17.1, sphinx-book-theme 1.3.0; a stock
 * Jupyter Book 1 build fails the same way).
 *
 * The fix passes a tap on any visible copy to the wired one, so the themes' own code
 * runs: on a narrow screen it opens the sidebar as a modal <dialog>; on a wide one
 * (>= 992 px) sphinx-book-theme hides or shows the left sidebar.  While a dialog is
 * open, a close button sits where the ☰ was, so tapping the same place again closes
 * it (as does a tap beside the panel, or Escape).  aria-expanded says which state
 * the sidebar is in.
 *
 * It also keeps the floating "Lên đầu trang" button off the controls (keepClear). */
(() => {
  "use strict";

  const WIDE = window.matchMedia("(min-width: 992px)");
  const LABELS = {
    primary: "Đóng mục lục khóa học",
    secondary: "Đóng mục lục của trang",
  };

  function wire(kind) {
    const toggles = [...document.querySelectorAll(`button.${kind}-toggle`)];
    const wired = toggles[0]; // the copy that the themes' scripts listen to
    const sidebar = document.getElementById(`pst-${kind}-sidebar`);
    const dialog = document.getElementById(`pst-${kind}-sidebar-modal`);
    if (!wired || !sidebar || !dialog) return;
    const visible = toggles.filter((button) => button !== wired);

    const isOpen = () =>
      dialog.open || (kind === "primary" && WIDE.matches && !sidebar.classList.contains("pst-sidebar-hidden"));
    const sync = () => {
      for (const button of toggles) button.setAttribute("aria-expanded", String(isOpen()));
    };

    let closer = null;
    function addCloser(from) {
      const box = from.getBoundingClientRect();
      closer = document.createElement("button");
      closer.type = "button";
      closer.className = `cg-nav-close cg-nav-close-${kind}`;
      closer.setAttribute("aria-label", LABELS[kind]);
      closer.title = LABELS[kind];
      closer.textContent = "✕";
      closer.addEventListener("click", () => dialog.close());
      // Exactly where the button that opened the panel is: the same tap closes it.
      Object.assign(closer.style, {
        top: `${Math.max(box.top, 0)}px`,
        left: `${box.left}px`,
        width: `${box.width}px`,
        height: `${box.height}px`,
      });
      dialog.prepend(closer);
      closer.focus();
    }

    for (const button of visible) {
      button.setAttribute("aria-controls", sidebar.id);
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        button.blur(); // no tooltip left behind
        wired.click();
        if (dialog.open && !closer) addCloser(button);
        sync();
      });
    }
    dialog.addEventListener("close", () => {
      closer?.remove();
      closer = null;
      sync();
    });
    WIDE.addEventListener("change", sync);
    sync();
  }

  // ---------------------------------------------------------------- "Lên đầu trang"

  // The theme's floating "Lên đầu trang" button shows while the reader scrolls up, at the
  // bottom of the screen, over whatever is there.  It steps aside (hidden, not removed) while
  // it would cover a control or the text of an exercise: a simulator's buttons, its answers.
  const COVERABLE = "button, a, input, select, label, .cg-lesson p, .cg-lesson li, .cg-quiz, .cg-exam";

  function keepClear() {
    const button = document.getElementById("pst-back-to-top");
    if (!button) return;
    let pending = false;
    const check = () => {
      pending = false;
      button.classList.remove("cg-out-of-the-way");
      const box = button.getBoundingClientRect();
      if (!box.width) return; // not shown
      const covered = [...document.querySelectorAll(COVERABLE)].some((el) => {
        if (el === button || button.contains(el) || el.closest(".bd-sidebar-primary, .bd-header-article")) return false;
        const r = el.getBoundingClientRect();
        return r.width && r.height && r.left < box.right && r.right > box.left && r.top < box.bottom && r.bottom > box.top;
      });
      button.classList.toggle("cg-out-of-the-way", covered);
    };
    const later = () => {
      if (!pending) {
        pending = true;
        window.requestAnimationFrame(check);
      }
    };
    window.addEventListener("scroll", later, { passive: true });
    window.addEventListener("resize", later);
    // The theme shows and hides the button by its style: look again whenever it does.
    new MutationObserver(later).observe(button, { attributes: true, attributeFilter: ["style"] });
  }

  const start = () => {
    wire("primary");
    wire("secondary");
    keepClear();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
