// Cảnh giác offline: registers the service worker that Workbox wrote (sw.js, see
// canhgiac.sphinxext.pwa) and tells the learner when a new version of the course is ready.
//
// - Registered after the page's `load` event: the page a learner opened comes first,
//   the rest of the course downloads in the background.
// - A new build installs beside the old one and waits: the page shows "Đã có phiên
//   bản mới" with a "Tải lại" button.  The button asks the waiting worker to take
//   over (SKIP_WAITING, Workbox's message); when it has, every open tab reloads, so no
//   tab shows pages of two versions.  Answers kept in localStorage are not touched.
(() => {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;

  const root = new URL(document.documentElement.dataset.content_root || "./", location.href);
  const hadController = Boolean(navigator.serviceWorker.controller);
  let reloaded = false;

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install takes control without a reload (nothing was cached before);
    // a later version takes control only when a learner pressed "Tải lại".
    if (!hadController || reloaded) return;
    reloaded = true;
    location.reload();
  });

  function offerUpdate(registration) {
    if (document.getElementById("cg-update")) return;
    const bar = document.createElement("div");
    bar.id = "cg-update";
    bar.setAttribute("role", "status");
    bar.style.cssText =
      "position:fixed;left:0.75rem;right:0.75rem;bottom:0.75rem;z-index:2000;display:flex;" +
      "flex-wrap:wrap;gap:0.5rem 1rem;align-items:center;justify-content:space-between;" +
      "padding:0.75rem 1rem;border-radius:8px;background:#0b5e7a;color:#fff;" +
      "box-shadow:0 2px 12px rgba(0,0,0,.3);font-size:1rem;max-width:40rem;margin:0 auto";
    const text = document.createElement("span");
    text.textContent = "Đã có phiên bản mới của khóa học. Các câu trả lời đang làm vẫn được giữ.";
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Tải lại";
    button.style.cssText =
      "min-height:44px;padding:0.4rem 1.2rem;border:0;border-radius:6px;background:#fff;" +
      "color:#0b5e7a;font-weight:600;font-size:1rem;cursor:pointer";
    button.addEventListener("click", () => {
      button.disabled = true;
      const waiting = registration.waiting;
      if (waiting) waiting.postMessage({ type: "SKIP_WAITING" });
      else location.reload();
    });
    bar.append(text, button);
    document.body.append(bar);
  }

  function watch(registration) {
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(registration);
      });
    });
  }

  function register() {
    navigator.serviceWorker
      .register(new URL("sw.js", root), { scope: root.pathname })
      .then(watch)
      .catch(() => {
        // No service worker (private window, blocked storage): the book still works online.
      });
  }

  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
})();
