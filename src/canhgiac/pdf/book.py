"""khoa-hoc.pdf: the book for learners on paper.

The parts and pages come from the book's own sidebar (the order of _toc.yml).  A
part that holds a graded quiz is left out whole: quizzes are taken on the web and
graded by the trainer, and paper would carry nothing but empty forms.  Each page
is opened in Chromium (its scripts run, as for a reader), its article is taken
as shown, and the interactive parts (buttons, the self-check answers, the
simulator and the report helper) give way to a line saying where to do them.
The pages then go into one document with a cover and a contents list, printed to
A4 with page numbers.
"""

import html
import re
from datetime import date
from pathlib import Path

from canhgiac.pdf.printer import PdfError, Printer

_REFRESH = re.compile(r"""<meta\s+http-equiv=["']refresh["']\s+content=["']\d+;\s*url=([^"']+)["']""", re.I)


def home_page(html_root: Path) -> str:
    """The book's first page: where index.html sends the reader (Jupyter Book's redirect)."""
    index = (html_root / "index.html").read_text(encoding="utf-8", errors="replace")
    match = _REFRESH.search(index)
    return match.group(1).strip() if match else "index.html"


# The sidebar's parts and pages, with whether a page holds a graded quiz.
CONTENTS_JS = """
async () => {
  const parts = [];
  for (const caption of document.querySelectorAll(".bd-docs-nav p.caption")) {
    const list = caption.nextElementSibling;
    const pages = [...(list ? list.querySelectorAll(":scope > li > a.reference.internal") : [])]
      .map((a) => ({title: a.textContent.trim(), url: a.href}));
    parts.push({caption: caption.textContent.trim(), pages});
  }
  return {parts, title: document.title, home: location.href};
}
"""

# The article as the reader sees it, ready for paper: absolute URLs, no controls.
ARTICLE_JS = """
(note) => {
  const article = document.querySelector("article.bd-article");
  const copy = article.cloneNode(true);
  const drop = "a.headerlink, script, noscript, button, .cg-feedback, .cg-explanation, " +
    ".cg-practice-note, .prev-next-area, .cg-exam-send, .toggle-details";
  copy.querySelectorAll(drop).forEach((el) => el.remove());
  copy.querySelectorAll(".cg-sim, .cg-report, .cg-graded-quiz").forEach((el) => {
    const p = document.createElement("p");
    p.className = "cg-print-note";
    p.textContent = note;
    el.replaceWith(p);
  });
  copy.querySelectorAll("[src]").forEach((el) => el.setAttribute("src", el.src));
  copy.querySelectorAll("[srcset]").forEach((el) => el.removeAttribute("srcset"));
  copy.querySelectorAll("a[href]").forEach((a) => a.setAttribute("href", a.href));
  copy.querySelectorAll("[id]").forEach((el) => el.removeAttribute("id"));
  const h1 = article.querySelector("h1");
  return {
    title: h1 ? h1.textContent.replace(/#$/, "").trim() : document.title,
    html: copy.innerHTML,
    graded: Boolean(article.querySelector(".cg-graded-quiz, form.cg-exam")),
  };
}
"""

STYLES_JS = """
() => [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => l.href)
"""

INTERACTIVE_NOTE = (
    "Phần thực hành tương tác của bài này làm trên trang web của khóa học "
    "(hoặc trong JupyterLab), không in được ra giấy."
)
QUIZ_NOTE = (
    "Các bài kiểm tra có chấm điểm không in trong tài liệu này: anh, chị làm bài "
    "trên trang web của khóa học và gửi bài làm cho cán bộ phụ trách."
)


def collect(printer: Printer) -> tuple[str, list[dict], list[str]]:
    """The book's title, its printable parts ({caption, pages: [{title, html}]}) and style sheets."""
    page = printer.open(home_page(printer.html_root))
    try:
        contents = page.evaluate(CONTENTS_JS)
        styles = page.evaluate(STYLES_JS)
    finally:
        page.close()
    title = contents["title"]
    first = contents["home"]
    parts = []
    seen = set()
    # The home page first, as the book's opening chapter.
    urls = [("", [{"title": None, "url": first}])] + [(p["caption"], p["pages"]) for p in contents["parts"]]
    for caption, pages in urls:
        printed, graded = [], False
        for entry in pages:
            url = entry["url"].split("#")[0]
            if url in seen:
                continue
            seen.add(url)
            tab = printer.open(url.removeprefix(printer.base_url))
            try:
                article = tab.evaluate(ARTICLE_JS, INTERACTIVE_NOTE)
            finally:
                tab.close()
            graded = graded or article["graded"]
            printed.append(article)
        if graded:
            continue  # the quizzes' part: taken on the web
        if printed:
            parts.append({"caption": caption, "pages": printed})
    if not parts:
        raise PdfError("sách đã dựng không có trang nào để in")
    return title.split(" — ")[-1].strip(), parts, styles


def compose(title: str, parts: list[dict], styles: list[str]) -> str:
    """One HTML document: cover, contents, then every page, each from a new sheet."""
    esc = html.escape
    links = "\n".join(f'<link rel="stylesheet" href="{esc(href)}">' for href in styles)
    contents = []
    for part in parts:
        items = "".join(f"<li>{esc(p['title'])}</li>" for p in part["pages"])
        heading = f"<p class='cg-print-part'>{esc(part['caption'])}</p>" if part["caption"] else ""
        contents.append(f"{heading}<ol>{items}</ol>")
    body = []
    for part in parts:
        if part["caption"]:
            body.append(f'<h1 class="cg-print-part-title">{esc(part["caption"])}</h1>')
        for p in part["pages"]:
            body.append(f'<section class="cg-print-page bd-article">{p["html"]}</section>')
    today = date.today().strftime("%d/%m/%Y")
    return f"""<!DOCTYPE html>
<html lang="vi" data-theme="light" data-mode="light">
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
{links}
</head>
<body class="cg-print">
<section class="cg-print-cover">
  <p class="cg-print-kicker">Tài liệu học tập</p>
  <h1 class="cg-print-title">{esc(title)}</h1>
  <p>Bản in của khóa học trực tuyến, dành cho cán bộ, công chức, viên chức.</p>
  <p class="cg-print-note">{esc(QUIZ_NOTE)}</p>
  <p class="cg-print-date">In ngày {today}</p>
</section>
<section class="cg-print-contents">
  <h1>Mục lục</h1>
  {"".join(contents)}
</section>
<main class="bd-main"><div class="bd-content"><div class="bd-article-container">
{"".join(body)}
</div></div></main>
</body>
</html>
"""


def build_book_pdf(printer: Printer, target: Path) -> Path:
    title, parts, styles = collect(printer)
    return printer.print_html(compose(title, parts, styles), target)
