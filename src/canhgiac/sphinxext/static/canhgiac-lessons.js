/* The interactive lessons of the Cảnh giác book (rendered by canhgiac.sphinxext.lessons).
 * Works offline, with no kernel: the scenario simulator plays the scenarios embedded in
 * its page, and the report helper builds its summary in the page.  Nothing is sent
 * anywhere and nothing is stored: no request, no cookie, no local storage; a summary
 * leaves the page only when the learner prints it or downloads it. */
(() => {
  "use strict";

  /** An element with its class and text (text is never parsed as HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className) {
    const node = el("button", className || "cg-button", text);
    node.type = "button";
    return node;
  }

  function readJson(root, selector) {
    return JSON.parse(root.querySelector(selector).textContent);
  }

  /* ---------------------------------------------------------------- scenario simulator */

  function simulator(root) {
    const data = readJson(root, "script.cg-sim-data");
    const menu = root.querySelector(".cg-sim-menu");
    const play = root.querySelector(".cg-sim-play");
    let scenario = null;
    let position = null;
    let taken = [];

    const findStep = (id) => scenario.steps.find((s) => s.id === id);
    const findEnding = (id) => scenario.endings.find((e) => e.id === id);

    function show(children, focus) {
      play.replaceChildren(...children);
      menu.hidden = true;
      play.hidden = false;
      if (focus) {
        focus.tabIndex = -1;
        focus.focus({ preventScroll: true });
        focus.scrollIntoView({ block: "nearest" });
      }
    }

    const heading = (text) => el("h3", "cg-sim-title", text);

    function start(id) {
      scenario = data.scenarios.find((s) => s.id === id);
      position = scenario.start;
      taken = [];
      showStep();
    }

    function showStep() {
      const step = findStep(position);
      if (!step) {
        showEnding();
        return;
      }
      const title = heading(scenario.title);
      const parts = [title, el("p", "cg-sim-progress", `Bước ${taken.length + 1}`)];
      if (!taken.length) parts.push(el("p", "cg-sim-intro", scenario.intro));
      parts.push(el("p", "cg-sim-situation", step.situation));
      if (step.message) {
        const message = el("figure", "cg-sim-message");
        message.append(el("figcaption", "", step.message.sender));
        const text = el("p");
        step.message.text.split("\n").forEach((line, i) => {
          if (i) text.append(document.createElement("br"));
          text.append(line);
        });
        message.append(text);
        parts.push(message);
      }
      const question = el("p", "cg-sim-question");
      question.append(el("strong", "", step.question));
      parts.push(question);
      const list = el("ul", "cg-sim-choices");
      step.choices.forEach((choice) => {
        const item = el("li");
        const b = button(choice.text, "cg-sim-choice");
        b.dataset.choice = choice.id;
        b.addEventListener("click", () => choose(step, choice));
        item.append(b);
        list.append(item);
      });
      parts.push(list);
      show(parts, title);
    }

    function choose(step, choice) {
      taken.push(choice);
      position = choice.next;
      const outcome = el("div", `cg-sim-outcome ${choice.good ? "cg-good" : "cg-poor"}`);
      const verdict = el("p", "cg-sim-verdict", choice.good ? "✓ Làm đúng" : "✗ Chưa nên");
      const line = (label, text, className) => {
        const p = el("p", className);
        p.append(el("strong", "", `${label} `), text);
        return p;
      };
      outcome.append(
        verdict,
        line("Anh, chị chọn:", choice.text, "cg-sim-chosen"),
        line("Điều gì xảy ra:", choice.consequence, "cg-sim-consequence"),
        line("Vì sao:", choice.explanation, "cg-sim-explanation"),
      );
      const next = button(findEnding(position) ? "Xem tổng kết" : "Tiếp tục");
      next.dataset.next = "";
      next.addEventListener("click", showStep);
      outcome.append(next);
      show([heading(scenario.title), el("p", "cg-sim-progress", `Bước ${taken.length}`), outcome], verdict);
    }

    function showEnding() {
      const ending = findEnding(position);
      const title = heading(ending.title);
      const recap = (label, choices, className) => {
        const box = el("div", className);
        box.append(el("h4", "", label));
        const list = el("ul");
        (choices.length ? choices : [{ text: "Không có." }]).forEach((c) => list.append(el("li", "", c.text)));
        box.append(list);
        return box;
      };
      const again = button("Làm lại tình huống này");
      again.addEventListener("click", () => start(scenario.id));
      const other = button("Chọn tình huống khác", "cg-button cg-secondary");
      other.addEventListener("click", () => {
        play.hidden = true;
        play.replaceChildren();
        menu.hidden = false;
        const first = menu.querySelector(`[data-start="${scenario.id}"]`);
        if (first) first.focus();
      });
      const buttons = el("div", "cg-sim-buttons");
      buttons.append(again, other);
      const box = el("div", "cg-sim-ending");
      box.append(
        el("p", "cg-sim-kicker", `Kết thúc: ${scenario.title}`),
        title,
        el("p", "cg-sim-summary", ending.summary),
        recap("Những việc anh, chị đã làm tốt", taken.filter((c) => c.good), "cg-sim-good"),
        recap("Những việc chưa nên làm", taken.filter((c) => !c.good), "cg-sim-poor"),
        buttons,
      );
      show([box], title);
    }

    root.addEventListener("click", (event) => {
      const startButton = event.target.closest("[data-start]");
      if (startButton && root.contains(startButton)) start(startButton.dataset.start);
    });
  }

  /* ---------------------------------------------------------------- report helper */

  /** '2025-03-14' -> '14/03/2025', as canhgiac.lessons.report_helper.format_date. */
  function formatDate(value) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    return match ? `${match[3]}/${match[2]}/${match[1]}` : value;
  }

  /** The value(s) of one field, as canhgiac.lessons.report_helper.field_values. */
  function fieldValues(form, field) {
    if (field.kind === "choices") {
      const checked = new Set(
        [...form.querySelectorAll(`input[data-field="${field.id}"]:checked`)].map((i) => i.value),
      );
      return field.options.filter(([id]) => checked.has(id)).map(([, label]) => label);
    }
    const control = form.querySelector(`[data-field="${field.id}"]`);
    const text = control.value.normalize("NFC");
    if (field.kind === "lines") {
      return text.split(/\r\n|\r|\n/).map((l) => l.trim()).filter(Boolean);
    }
    let value = text.split(/\s+/).filter(Boolean).join(" ");
    if (field.kind === "date") value = formatDate(value);
    return value ? [value] : [];
  }

  /** [[heading, [[label, [values]]]]], as Summary.structure() in Python. */
  function buildSummary(form, data) {
    const sections = [];
    data.sections.forEach((heading) => {
      const entries = data.fields
        .filter((f) => f.section === heading)
        .map((f) => [f.label, fieldValues(form, f)])
        .filter(([, values]) => values.length);
      if (entries.length) sections.push([heading, entries]);
    });
    sections.push([data.contacts.heading, data.contacts.entries]);
    return sections;
  }

  /** Plain text, as Summary.text() in Python. */
  function summaryText(title, sections) {
    const out = [title.toLocaleUpperCase("vi"), ""];
    sections.forEach(([heading, entries]) => {
      out.push(heading);
      entries.forEach(([label, values]) => {
        if (values.length === 1) out.push(`- ${label}: ${values[0]}`);
        else {
          out.push(`- ${label}:`);
          values.forEach((v) => out.push(`    + ${v}`));
        }
      });
      out.push("");
    });
    return `${out.join("\n").trimEnd()}\n`;
  }

  function report(root) {
    const data = readJson(root, "script.cg-report-data");
    const form = root.querySelector("form.cg-report-form");
    const view = root.querySelector(".cg-report-summary");
    const status = root.querySelector(".cg-report-status");
    const printButton = form.querySelector('[data-action="print"]');
    const downloadButton = form.querySelector('[data-action="download"]');
    let text = "";

    function build() {
      const sections = buildSummary(form, data);
      const parts = [el("h3", "cg-report-title", data.title)];
      sections.forEach(([heading, entries]) => {
        const section = el("section");
        section.append(el("h4", "", heading));
        const list = el("dl", "cg-report-entries");
        entries.forEach(([label, values]) => {
          list.append(el("dt", "", label));
          values.forEach((v) => list.append(el("dd", "", v)));
        });
        section.append(list);
        parts.push(section);
      });
      view.replaceChildren(...parts);
      view.hidden = false;
      text = summaryText(data.title, sections);
      printButton.disabled = downloadButton.disabled = false;
      status.textContent = "Đã tạo bản tóm tắt bên dưới. Hãy đọc lại trước khi in hoặc tải về.";
      parts[0].tabIndex = -1;
      parts[0].focus();
    }

    function clear() {
      form.reset();
      view.replaceChildren();
      view.hidden = true;
      text = "";
      printButton.disabled = downloadButton.disabled = true;
      status.textContent = "Đã xóa mọi thông tin đã nhập.";
    }

    function print() {
      document.body.classList.add("cg-print-summary");
      window.addEventListener("afterprint", () => document.body.classList.remove("cg-print-summary"), {
        once: true,
      });
      window.print();
    }

    function download() {
      // A blob: URL made and revoked here: the file goes from the page to the learner's disk.
      const url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
      const link = el("a");
      link.href = url;
      link.download = "tom-tat-trinh-bao.txt";
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    }

    const actions = { build, clear, print, download };
    form.addEventListener("click", (event) => {
      const target = event.target.closest("[data-action]");
      if (target && actions[target.dataset.action]) actions[target.dataset.action]();
    });
    // Enter in a field must not submit the form (it has no action: it would reload the page).
    form.addEventListener("submit", (event) => event.preventDefault());
  }

  function init() {
    document.querySelectorAll("[data-cg-sim]").forEach(simulator);
    document.querySelectorAll("[data-cg-report]").forEach(report);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
