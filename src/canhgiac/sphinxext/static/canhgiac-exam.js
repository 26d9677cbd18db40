/* A graded quiz of the Cảnh giác book (rendered by canhgiac.sphinxext.graded), handed in as a file.
 *
 * The page holds no answer key and scores nothing.  The learner's ID, name and
 * answers are kept in the browser's local storage at every change, and restored
 * when the page is opened again; "Nộp bài" warns about unanswered questions, then
 * saves <learner ID>_<assignment>.json:
 *   {"learner", "name", "assignment", "saved_at" (ISO 8601), "answers"}
 * where "answers" is in the answers.json format of canhgiac.quiz.answers, built
 * as the notebook builds it (canhgiac.quiz.widgets): answered questions only;
 * for multiple answers the chosen IDs in the bank's order; for ordering
 * questions the steps placed so far, by position.
 * Options are shown in the learner's order, by the rule of canhgiac.quiz.order.
 * After "Nộp bài" the page offers to send the file through the phone's share sheet
 * (Web Share API, where navigator.canShare says files can be shared), or short steps
 * to attach it; each handed-in file is kept in local storage, so that the quizzes
 * handed in on this device can be sent as one file, <learner ID>_tat-ca.json:
 *   {"learner", "name", "saved_at", "quizzes": [<each quiz's file>, ...]}
 * which `canhgiac collect` reads as the separate files.
 * No library: it works offline once the page has loaded.
 *
 * On the hosted course (the book served by the course service `khoa-hoc` behind
 * JupyterHub, which answers api/me), the page knows who is signed in, and
 * "Nộp bài" hands the answers in to api/submissions instead of saving a file:
 * each attempt gets a random client id and waits in local storage (an outbox)
 * until the service has acknowledged it, so an attempt made offline, or sent on
 * a dropped connection, is sent when the connection returns, and the id makes
 * the service store it once however often it is sent.  The page then shows
 * "đang chấm" and, once graded, the score, whether it passed and the feedback
 * from api/results (which never holds the key).  Without the service (the static
 * book: no cookie of the service) it makes no request, and keeps the download path. */
(() => {
  "use strict";

  const form = document.querySelector("form.cg-exam");
  if (!form) return;

  const assignment = form.dataset.assignment;
  const STORAGE_KEY = `canhgiac:bai-kiem-tra:${assignment}`;
  // The file last handed in, per quiz: what "Nộp tất cả trong một tệp" puts together.
  const HANDED_IN_PREFIX = "canhgiac:da-nop:";
  const HANDED_IN_KEY = `${HANDED_IN_PREFIX}${assignment}`;
  // The roster's rule for learner IDs (canhgiac.roster.read.ID_PATTERN).
  const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const MESSAGES = {
    learnerMissing: "Hãy nhập mã học viên mà cán bộ phụ trách đã cấp cho anh, chị.",
    learnerInvalid:
      "Mã học viên chỉ gồm chữ cái không dấu, chữ số và các dấu . _ - (không có dấu cách), " +
      "bắt đầu bằng chữ cái hoặc chữ số.",
    nameMissing: "Hãy nhập họ và tên.",
    nameOneWord:
      "Họ và tên mới có một chữ. Anh, chị hãy ghi đầy đủ họ, tên đệm và tên (ví dụ Nguyễn Thị Lan), " +
      "như sẽ ghi trên giấy chứng nhận. Nếu tên của anh, chị đúng là như vậy, hãy bấm “Nộp bài” lần nữa.",
    storageOff:
      "Trình duyệt này không cho lưu tạm bài làm: hãy làm bài liền một lần và bấm “Nộp bài” trước khi đóng trang.",
  };

  const learnerInput = form.querySelector("#cg-exam-learner");
  const nameInput = form.querySelector("#cg-exam-name");
  const progressLines = [...form.querySelectorAll(".cg-exam-progress")];
  const warning = form.querySelector(".cg-exam-warning");
  const status = form.querySelector(".cg-exam-status");
  const clearButton = document.querySelector(".cg-exam-clear");
  const after = form.querySelector(".cg-exam-after");
  const shareButton = form.querySelector(".cg-exam-share");
  const phoneSteps = form.querySelector(".cg-exam-phone-steps");
  const allBox = form.querySelector(".cg-exam-all");
  const allButton = form.querySelector(".cg-exam-all-button");

  // ---------------------------------------------------------------- the learner's order of options

  const encoder = new TextEncoder();

  /** FNV-1a 32-bit of the UTF-8 bytes of `text`. */
  function fnv1a(text) {
    let h = 0x811c9dc5;
    for (const byte of encoder.encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    return h;
  }

  /** MurmurHash3's fmix32. */
  function mix(h) {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  const learnerKey = (learner) => learner.normalize("NFC").trim();

  /** Option IDs in the order that `learner` sees them: canhgiac.quiz.order.option_order. */
  function optionOrder(learner, questionId, ids) {
    const who = learnerKey(learner);
    const keyed = ids.map((id) => [mix(fnv1a(`${who}|${questionId}|${id}`)), id]);
    keyed.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return keyed.map(([, id]) => id);
  }

  // ---------------------------------------------------------------- questions

  const questions = [...form.querySelectorAll("fieldset.cg-exam-question")].map((fieldset, index) => {
    const list = fieldset.querySelector(".cg-options");
    const items = [...list.children]; // in the bank's order, as rendered
    return {
      number: index + 1,
      id: fieldset.dataset.question,
      kind: fieldset.dataset.kind,
      fieldset,
      list,
      items,
      bankOrder: items.map((li) => li.dataset.option),
    };
  });

  function putInOrder(learner) {
    for (const q of questions) {
      if (q.kind === "truefalse") continue; // Đúng, then Sai, for everyone (as in the notebook)
      const byId = new Map(q.items.map((li) => [li.dataset.option, li]));
      q.list.append(...optionOrder(learner, q.id, q.bankOrder).map((id) => byId.get(id)));
    }
  }

  /** A question's answer as option IDs, as the notebook saves it. */
  function readQuestion(q) {
    if (q.kind === "order") {
      const placed = [...q.fieldset.querySelectorAll("select[data-option]")]
        .filter((s) => s.value)
        .map((s) => ({ id: s.dataset.option, position: Number(s.value) }));
      placed.sort((a, b) => a.position - b.position || q.bankOrder.indexOf(a.id) - q.bankOrder.indexOf(b.id));
      return placed.map((p) => p.id);
    }
    const checked = new Set([...q.fieldset.querySelectorAll("input:checked")].map((i) => i.value));
    return q.bankOrder.filter((id) => checked.has(id));
  }

  function setQuestion(q, chosen) {
    if (!Array.isArray(chosen)) chosen = [];
    if (q.kind === "order") {
      for (const select of q.fieldset.querySelectorAll("select[data-option]")) {
        const position = chosen.indexOf(select.dataset.option);
        select.value = position >= 0 && position < q.bankOrder.length ? String(position + 1) : "";
      }
      return;
    }
    for (const input of q.fieldset.querySelectorAll("input")) input.checked = chosen.includes(input.value);
  }

  function readAnswers() {
    const answers = {};
    for (const q of questions) {
      const chosen = readQuestion(q);
      if (chosen.length) answers[q.id] = chosen;
    }
    return answers;
  }

  /** What is still to do: "Câu n" unanswered, or an ordering question not fully or twice placed. */
  function problems() {
    const found = [];
    for (const q of questions) {
      if (q.kind === "order") {
        const values = [...q.fieldset.querySelectorAll("select[data-option]")].map((s) => s.value);
        const placed = values.filter(Boolean);
        if (!placed.length) found.push({ q, what: "chưa trả lời" });
        else if (placed.length < values.length) found.push({ q, what: "chưa xếp đủ các bước" });
        else if (new Set(placed).size < placed.length) found.push({ q, what: "có hai bước cùng một thứ tự" });
      } else if (!readQuestion(q).length) {
        found.push({ q, what: "chưa trả lời" });
      }
    }
    return found;
  }

  /** Answered: a choice made; for an ordering question, every step placed, each at its own position. */
  function isAnswered(q) {
    if (q.kind !== "order") return readQuestion(q).length > 0;
    const values = [...q.fieldset.querySelectorAll("select[data-option]")].map((s) => s.value);
    return values.every(Boolean) && new Set(values).size === values.length;
  }

  function showProgress() {
    const done = questions.filter(isAnswered).length;
    for (const line of progressLines) line.textContent = `Đã trả lời ${done}/${questions.length} câu`;
  }

  // ---------------------------------------------------------------- local storage

  let storageWorks = true;

  function store() {
    const draft = {
      learner: learnerInput.value.trim(),
      name: nameInput.value.trim(),
      answers: readAnswers(),
      updated_at: isoNow(),
    };
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(draft));
    } catch {
      if (storageWorks) status.textContent = MESSAGES.storageOff;
      storageWorks = false;
    }
  }

  function restore() {
    let draft = null;
    try {
      draft = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    } catch {
      draft = null; // unreadable (or storage off): start afresh
    }
    if (!draft || typeof draft !== "object") return;
    learnerInput.value = typeof draft.learner === "string" ? draft.learner : "";
    nameInput.value = typeof draft.name === "string" ? draft.name : "";
    const answers = draft.answers && typeof draft.answers === "object" ? draft.answers : {};
    for (const q of questions) setQuestion(q, answers[q.id]);
    if (Object.keys(answers).length || draft.learner) {
      const when = draft.updated_at ? new Date(draft.updated_at) : null;
      const at = when && !Number.isNaN(when.getTime()) ? ` (lưu lúc ${clock(when)} ngày ${day(when)})` : "";
      status.textContent = `Đã mở lại bài đang làm trên máy này${at}.`;
    }
  }

  // ---------------------------------------------------------------- time

  const pad = (n) => String(n).padStart(2, "0");
  const clock = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const day = (d) => `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;

  /** The local time in ISO 8601 with its offset: 2026-01-05T09:30:00+07:00. */
  function isoNow(d = new Date()) {
    const offset = -d.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return (
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
      `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
      `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
    );
  }

  // ---------------------------------------------------------------- handing in

  function fieldError(input, message, gentle = false) {
    const error = form.querySelector(`#${input.id}-error`);
    error.textContent = message || "";
    error.hidden = !message;
    error.classList.toggle("cg-exam-gentle", gentle);
    if (message && !gentle) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    return !message;
  }

  function learnerProblem() {
    const learner = learnerInput.value.trim();
    if (!learner) return MESSAGES.learnerMissing;
    return ID_PATTERN.test(learner) ? "" : MESSAGES.learnerInvalid;
  }

  const nameProblem = () => (nameInput.value.trim() ? "" : MESSAGES.nameMissing);
  const words = (text) => text.trim().split(/\s+/).filter(Boolean).length;
  let oneWordNameAsked = ""; // the one-word name already asked about: a second "Nộp bài" keeps it

  /** Show what is wrong with the ID and the name; move the focus to the first field to correct. */
  function checkLearner() {
    const idOk = fieldError(learnerInput, learnerProblem());
    let nameOk = fieldError(nameInput, nameProblem());
    const name = nameInput.value.trim();
    if (idOk && nameOk && words(name) === 1 && oneWordNameAsked !== name) {
      // A gentle question, not an error: some names are one word.
      oneWordNameAsked = name;
      fieldError(nameInput, MESSAGES.nameOneWord, true);
      nameOk = false;
    }
    if (!idOk) learnerInput.focus();
    else if (!nameOk) nameInput.focus();
    return idOk && nameOk;
  }

  function hideWarning() {
    warning.hidden = true;
    warning.replaceChildren();
  }

  function showWarning(found) {
    const intro = document.createElement("p");
    intro.className = "cg-exam-warning-title";
    intro.textContent = `Còn ${found.length} câu chưa làm xong:`;
    const list = document.createElement("ul");
    for (const { q, what } of found) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#${q.fieldset.id}`;
      link.textContent = `Câu ${q.number}`;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        q.fieldset.scrollIntoView({ block: "start" });
        q.fieldset.querySelector("input, select").focus();
      });
      item.append(link, `: ${what}.`);
      list.append(item);
    }
    const note = document.createElement("p");
    note.textContent =
      "Câu chưa trả lời, hay chưa xếp đủ các bước, được 0 điểm. Anh, chị có thể quay lại làm tiếp, " +
      "hoặc vẫn nộp bài như hiện tại.";
    const anyway = document.createElement("button");
    anyway.type = "button";
    anyway.className = "cg-exam-button";
    anyway.textContent = "Vẫn nộp bài";
    anyway.addEventListener("click", () => handIn(true));
    const back = document.createElement("button");
    back.type = "button";
    back.className = "cg-exam-secondary";
    back.textContent = "Quay lại làm tiếp";
    back.addEventListener("click", () => {
      const first = found[0].q.fieldset;
      hideWarning();
      first.scrollIntoView({ block: "start" });
      first.querySelector("input, select").focus();
    });
    const actions = document.createElement("p");
    actions.className = "cg-exam-actions";
    actions.append(anyway, back);
    warning.replaceChildren(intro, list, note, actions);
    warning.hidden = false;
    warning.focus();
  }

  function download(fileName, text) {
    const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    link.hidden = true;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }

  function handIn(confirmed) {
    status.textContent = "";
    if (!checkLearner()) {
      hideWarning();
      return;
    }
    const found = problems();
    if (found.length && !confirmed) {
      showWarning(found);
      return;
    }
    hideWarning();
    const learner = learnerInput.value.trim();
    const submission = {
      learner,
      name: nameInput.value.trim().replace(/\s+/g, " ").normalize("NFC"),
      assignment,
      saved_at: isoNow(),
      answers: readAnswers(),
    };
    if (hosted) {
      store();
      queueOnline(submission);
      return;
    }
    const fileName = `${learner}_${assignment}.json`;
    const text = `${JSON.stringify(submission, null, 2)}\n`;
    download(fileName, text);
    store();
    try {
      window.localStorage.setItem(HANDED_IN_KEY, JSON.stringify(submission));
    } catch {
      // storage off: only the combined file is missed
    }
    status.textContent =
      `Đã lưu tệp bài làm ${fileName} lúc ${clock(new Date())}. ` +
      "Hãy gửi tệp này cho cán bộ phụ trách theo hướng dẫn bên dưới.";
    offerSending(fileName, text);
  }


  // ---------------------------------------------------------------- the hosted course

  let hosted = null; // {learner, name, trainer} once api/me answered
  const OUTBOX_KEY = "canhgiac:bai-nop-cho-gui";
  const contentRoot = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  const apiUrl = (path) => new URL(`api/${path}`, contentRoot).href;
  let flushing = false;
  let retryTimer = null;
  let waitingFor = null; // the client id whose grading the page shows

  function xsrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(path, options = {}) {
    const headers = { "X-XSRFToken": xsrfToken(), ...(options.headers || {}) };
    return window.fetch(apiUrl(path), { credentials: "same-origin", cache: "no-store", ...options, headers });
  }

  function readOutbox() {
    try {
      const items = JSON.parse(window.localStorage.getItem(OUTBOX_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch {
      return [];
    }
  }

  function writeOutbox(items) {
    try {
      window.localStorage.setItem(OUTBOX_KEY, JSON.stringify(items));
    } catch {
      // storage off: the attempt is only in this page until sent
    }
  }

  function newId() {
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function queueOnline(submission) {
    const item = { id: newId(), ...submission };
    writeOutbox([...readOutbox(), item]);
    waitingFor = item.id;
    status.textContent = "Đang gửi bài làm...";
    flush();
  }

  /** Send every attempt waiting in the outbox, oldest first; keep those the network did not take. */
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const item of readOutbox()) {
        if (hosted && item.learner !== hosted.learner) continue; // another person's, on a shared machine
        let response;
        try {
          response = await api("submissions", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify(item),
          });
        } catch {
          status.textContent =
            "Chưa có kết nối mạng: bài làm được giữ trên máy này và sẽ tự gửi khi có mạng trở lại. " +
            "Đừng xóa dữ liệu trình duyệt trước khi bài được gửi.";
          form.dataset.outbox = "waiting";
          scheduleRetry();
          return;
        }
        if (response.status >= 500 || response.status === 401) {
          status.textContent =
            response.status === 401
              ? "Phiên đăng nhập đã hết: hãy tải lại trang và đăng nhập; bài làm vẫn được giữ trên máy này."
              : "Máy chủ đang bận: bài làm được giữ trên máy này và sẽ tự gửi lại sau ít phút.";
          scheduleRetry();
          return;
        }
        writeOutbox(readOutbox().filter((other) => other.id !== item.id));
        if (response.status === 201) {
          form.dataset.outbox = "sent";
          if (!waitingFor || waitingFor === item.id) {
            waitingFor = item.id;
            status.textContent = "Đã nộp bài, đang chấm...";
            form.dataset.result = "dang-cham";
            pollResult(item.id, Date.now());
          }
        } else {
          let reason = "";
          try {
            reason = (await response.json()).error || "";
          } catch {
            reason = "";
          }
          status.textContent = `Bài làm không được nhận: ${reason || `lỗi ${response.status}`}`;
        }
      }
    } finally {
      flushing = false;
    }
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(() => {
      retryTimer = null;
      flush();
    }, 15_000);
  }

  function showResult(result) {
    const box = form.querySelector(".cg-exam-result") || document.createElement("div");
    box.className = "cg-exam-result";
    box.setAttribute("role", "status");
    box.replaceChildren();
    const head = document.createElement("p");
    head.className = "cg-exam-result-score";
    const passed = result.passed ? "Đạt." : "Chưa đạt: anh, chị có thể ôn lại bài và làm lại.";
    head.textContent = `Kết quả: ${result.score}/${result.max_score} điểm. ${passed}`;
    box.append(head);
    const list = document.createElement("ol");
    for (const q of result.feedback || []) {
      const item = document.createElement("li");
      item.textContent = q.feedback.join(" ");
      list.append(item);
    }
    if (list.children.length) box.append(list);
    status.after(box);
    status.textContent = "Đã chấm xong.";
    form.dataset.result = result.passed ? "dat" : "chua-dat";
  }

  async function pollResult(id, started) {
    if (waitingFor !== id) return;
    let results = null;
    try {
      const response = await api("results");
      if (response.ok) results = await response.json();
    } catch {
      results = null;
    }
    const mine = (results || []).find((r) => r.id === id);
    if (mine && mine.status === "da-cham") {
      showResult(mine);
      return;
    }
    if (mine && mine.status === "loi") {
      status.textContent = "Chưa chấm được bài này; cán bộ phụ trách sẽ kiểm tra và chấm lại.";
      form.dataset.result = "loi";
      return;
    }
    if (Date.now() - started > 10 * 60_000) {
      status.textContent = "Bài đã nộp và đang chờ chấm; mở lại trang này sau để xem kết quả.";
      return;
    }
    window.setTimeout(() => pollResult(id, started), 2000);
  }

  /** Ask the course service who is signed in; on the static book there is no service and nothing changes. */
  async function detectHosted() {
    // The course service marks its pages with this cookie: the static book asks nothing.
    if (!/(?:^|;\s*)canhgiac_hosted=1/.test(document.cookie)) return;
    let me = null;
    try {
      const response = await api("me");
      const type = response.headers.get("Content-Type") || "";
      if (response.ok && type.includes("json")) me = await response.json();
    } catch {
      me = null;
    }
    if (!me || !me.learner) {
      flushWhenOnline();
      return;
    }
    hosted = me;
    learnerInput.value = me.learner;
    nameInput.value = me.name || "";
    for (const input of [learnerInput, nameInput]) input.readOnly = true;
    putInOrder(me.learner);
    const send = document.querySelector(".cg-exam-send");
    if (send) send.hidden = true;
    const note = document.createElement("p");
    note.className = "cg-exam-hosted";
    note.textContent =
      `Đang đăng nhập: ${me.name} (${me.learner}). Bấm “Nộp bài” để gửi bài làm; ` +
      "bài được chấm ngay và kết quả hiện ở cuối trang.";
    if (me.jupyterlab) {
      const lab = document.createElement("a");
      // Through the hub's spawn page: the learner's JupyterLab is started first when it is not running.
      const quiz = `${me.jupyterlab}/${encodeURIComponent(assignment)}/quiz.ipynb`;
      lab.href = `${me.jupyterlab.replace(/user-redirect\/.*$/, "")}spawn?next=${encodeURIComponent(quiz)}`;
      lab.textContent = "Làm bài này trong JupyterLab";
      note.append(" ", lab);
    }
    form.querySelector(".cg-exam-learner")?.after(note);
    form.dataset.hosted = "1";
    window.addEventListener("online", flush);
    if (readOutbox().length) flush();
  }

  function flushWhenOnline() {
    // Offline when the page opened from the browser's cache: try again when the network returns.
    if (readOutbox().length) window.addEventListener("online", detectHosted, { once: true });
  }
  // ---------------------------------------------------------------- sending from a phone

  let toShare = null; // the file that the share button sends

  function jsonFile(fileName, text) {
    return new File([text], fileName, { type: "application/json" });
  }

  /** True where the browser can hand a file to the phone's share sheet (Web Share API level 2). */
  function canShareFile(file) {
    try {
      return typeof navigator.share === "function" && typeof navigator.canShare === "function" &&
        navigator.canShare({ files: [file] });
    } catch {
      return false;
    }
  }

  function offerSending(fileName, text) {
    const file = jsonFile(fileName, text);
    toShare = file;
    const share = canShareFile(file);
    shareButton.hidden = !share;
    phoneSteps.hidden = share;
    for (const code of phoneSteps.querySelectorAll(".cg-exam-file-name")) code.textContent = fileName;
    after.hidden = false;
    offerAll();
  }

  shareButton?.addEventListener("click", async () => {
    if (!toShare) return;
    try {
      await navigator.share({ files: [toShare], title: toShare.name });
      status.textContent = `Đã mở mục chia sẻ để gửi tệp ${toShare.name}.`;
    } catch (error) {
      if (error && error.name === "AbortError") return; // the learner closed the share sheet
      shareButton.hidden = true;
      phoneSteps.hidden = false;
      status.textContent = "Không mở được mục chia sẻ. Hãy gửi tệp theo các bước dưới đây.";
    }
  });

  /** The files handed in on this device by this learner, one per quiz (the latest), in the quizzes' order. */
  function handedIn(learner) {
    const found = [];
    try {
      for (let i = 0; i < window.localStorage.length; i++) {
        const key = window.localStorage.key(i);
        if (!key || !key.startsWith(HANDED_IN_PREFIX)) continue;
        const file = JSON.parse(window.localStorage.getItem(key) || "null");
        if (file && typeof file === "object" && typeof file.learner === "string" &&
            file.learner.toLowerCase() === learner.toLowerCase() && file.answers) {
          found.push(file);
        }
      }
    } catch {
      return [];
    }
    return found.sort((a, b) => String(a.assignment).localeCompare(String(b.assignment)));
  }

  function offerAll() {
    const learner = learnerInput.value.trim();
    const files = learner ? handedIn(learner) : [];
    allBox.hidden = files.length < 2;
    if (files.length < 2) return;
    const name = `${learner}_tat-ca.json`;
    allBox.querySelector(".cg-exam-all-text").textContent =
      `Anh, chị đã nộp ${files.length} bài trên máy này. Có thể gửi tất cả trong một tệp, ${name}, ` +
      "thay cho từng tệp riêng.";
    allButton.textContent = `Nộp tất cả ${files.length} bài trong một tệp`;
  }

  allButton?.addEventListener("click", () => {
    const learner = learnerInput.value.trim();
    const files = handedIn(learner);
    if (files.length < 2) return;
    const combined = {
      learner,
      name: nameInput.value.trim().replace(/\s+/g, " ").normalize("NFC"),
      saved_at: isoNow(),
      quizzes: files,
    };
    const fileName = `${learner}_tat-ca.json`;
    const text = `${JSON.stringify(combined, null, 2)}\n`;
    download(fileName, text);
    status.textContent =
      `Đã lưu tệp ${fileName} (${files.length} bài) lúc ${clock(new Date())}. ` +
      "Hãy gửi tệp này cho cán bộ phụ trách.";
    offerSending(fileName, text);
  });

  // ---------------------------------------------------------------- events

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    handIn(false);
  });

  // Enter in the ID or name field does not hand in the quiz (a browser would submit the form).
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("input[type=text]")) {
      event.preventDefault();
      if (event.target === learnerInput) putInOrder(learnerInput.value);
    }
  });

  form.addEventListener("input", () => {
    showProgress();
    store();
  });
  form.addEventListener("change", (event) => {
    if (event.target === learnerInput) putInOrder(learnerInput.value);
    // A field marked wrong is checked again when it changes, without moving the focus.
    if (event.target === learnerInput && learnerInput.hasAttribute("aria-invalid")) {
      fieldError(learnerInput, learnerProblem());
    }
    if (event.target === nameInput && nameInput.hasAttribute("aria-invalid")) fieldError(nameInput, nameProblem());
    else if (event.target === nameInput && oneWordNameAsked && nameInput.value.trim() !== oneWordNameAsked) {
      fieldError(nameInput, ""); // the question about a one-word name is answered by the change
    }
    if (!warning.hidden && event.target.closest(".cg-exam-question")) hideWarning();
    showProgress();
    store();
  });

  clearButton?.addEventListener("click", () => {
    if (!window.confirm("Xóa mã học viên, họ tên và mọi câu trả lời của bài này khỏi máy này?")) return;
    try {
      window.localStorage.removeItem(STORAGE_KEY);
      window.localStorage.removeItem(HANDED_IN_KEY);
    } catch {
      // nothing stored
    }
    form.reset();
    for (const input of [learnerInput, nameInput]) fieldError(input, "");
    hideWarning();
    putInOrder("");
    showProgress();
    after.hidden = true;
    toShare = null;
    status.textContent = "Đã xóa bài làm của bài này khỏi máy này.";
  });

  restore();
  putInOrder(learnerInput.value);
  showProgress();
  detectHosted().finally(() => {
    form.dataset.ready = "1"; // for tests: the page's script has run (and knows whether it is hosted)
  });
})();
