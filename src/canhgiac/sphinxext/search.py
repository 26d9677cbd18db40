"""Full-text search that ignores Vietnamese diacritics.

Many readers type without diacritics ("lua dao") or from keyboards and
systems that send decomposed Unicode.  Sphinx has no Vietnamese search
language, so the English stemmer would index "lừa" and "lua" as different
words.  This language folds every indexed word and every query word to its
base letters, in Python when indexing and in the browser when searching.

The search page also gets static/canhgiac-search.js: numbers ("113",
"0918.340.491") are searched for, quiz pages rank below the chapters, and each
result shows its section's heading and the sentence around the match.
"""

from sphinx.application import Sphinx
from sphinx.search import SearchLanguage

from canhgiac.text import fold

# The same folding as canhgiac.text.fold, in the browser.  Sphinx splits the
# query before stemming, so the splitter must fold too: in decomposed input a
# combining mark is not a letter and would cut "lừa" into "lu" and "a".
_JS_FOLD = r"""
function canhgiacFold(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "")
    .replace(/\u0111/g, "d").replace(/\u0110/g, "D").normalize("NFC").toLowerCase();
}
"""


class SearchVietnamese(SearchLanguage):
    """Index and query words without diacritics, so both spellings find the same pages."""

    lang = "vi"
    language_name = "Vietnamese"
    js_stemmer_code = (
        _JS_FOLD
        + """
var Stemmer = function() {
  this.stemWord = function(word) { return canhgiacFold(word); };
};
"""
    )
    js_splitter_code = """
function splitQuery(query) {
  return canhgiacFold(query).split(/[^\\p{Letter}\\p{Number}_]+/u).filter(term => term);
}
"""

    def stem(self, word: str) -> str:
        return fold(word)


def _search_page_script(app: Sphinx, pagename, templatename, context, doctree) -> None:
    if pagename == "search":
        app.add_js_file("canhgiac-search.js", loading_method="defer")


def setup(app: Sphinx) -> None:
    app.add_search_language(SearchVietnamese)
    # Before assets.py filters the page's files (priority 500), so that ours is kept.
    app.connect("html-page-context", _search_page_script, priority=400)
