/* Self-check questions of the Cảnh giác book (rendered by canhgiac.sphinxext.practice).
 * A wrong first try says so and lets the learner try again; the explanation (and the
 * answer) shows after a right answer or a second wrong one.
 * Works offline, with no kernel: each <form class="cg-quiz"> carries its answer
 * (practice questions only; graded ones never reach the book). */
(() => {
  "use strict";

  const MESSAGES = {
    right: "✓ Đúng rồi!",
    wrongFirst: "✗ Chưa đúng. Anh, chị hãy thử lại: chọn lại rồi bấm “Kiểm tra” (giải thích hiện ra sau lần thử thứ hai).",
    wrong: "✗ Chưa đúng. Hãy đọc giải thích bên dưới.",
    empty: "Chưa chọn đáp án nào.",
    orderIncomplete: "Hãy chọn thứ tự cho tất cả các bước.",
    orderRepeated: "Mỗi thứ tự chỉ dùng cho một bước.",
  };

  /** The learner's answer as option IDs (in order for ordering questions), or a message. */
  function readAnswer(form) {
    if (form.dataset.kind === "order") {
      const selects = [...form.querySelectorAll("select[data-option]")];
      if (selects.some((s) => !s.value)) return { problem: MESSAGES.orderIncomplete };
      if (new Set(selects.map((s) => s.value)).size !== selects.length) {
        return { problem: MESSAGES.orderRepeated };
      }
      const ordered = selects.sort((a, b) => Number(a.value) - Number(b.value));
      return { ids: ordered.map((s) => s.dataset.option) };
    }
    const ids = [...form.querySelectorAll("input:checked")].map((i) => i.value);
    return ids.length ? { ids } : { problem: MESSAGES.empty };
  }

  function isRight(kind, ids, answer) {
    if (kind === "order") return ids.join("\n") === answer.join("\n");
    return ids.length === answer.length && answer.every((a) => ids.includes(a));
  }

  function check(form) {
    const feedback = form.querySelector(".cg-feedback");
    const explanation = form.querySelector(".cg-explanation");
    const { ids, problem } = readAnswer(form);
    form.classList.remove("cg-right", "cg-wrong");
    if (problem) {
      feedback.textContent = problem;
      explanation.hidden = true;
      return;
    }
    const right = isRight(form.dataset.kind, ids, JSON.parse(form.dataset.answer));
    form.classList.add(right ? "cg-right" : "cg-wrong");
    // A wrong first try can be tried again before the explanation gives the answer away.
    const tries = Number(form.dataset.wrongTries || 0) + (right ? 0 : 1);
    form.dataset.wrongTries = String(tries);
    const reveal = right || tries >= 2 || form.dataset.revealed === "1";
    if (reveal) form.dataset.revealed = "1";
    feedback.textContent = right ? MESSAGES.right : reveal ? MESSAGES.wrong : MESSAGES.wrongFirst;
    explanation.hidden = !reveal;
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.cg-quiz");
    if (!form) return;
    event.preventDefault();
    check(form);
  });
})();
