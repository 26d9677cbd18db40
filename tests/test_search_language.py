"""Vietnamese search: do the index (Python) and the query (browser JavaScript) fold words alike?"""

import json
import shutil
import subprocess
import unicodedata

import pytest

from canhgiac.sphinxext.search import SearchVietnamese
from canhgiac.text import fold

SAMPLES = ["Lừa đảo", "CẮT GHÉP", "Đình Lập", "tống tiền", "ví điện tử", "Nghị định", "ảnh", "Ữ"]


@pytest.mark.parametrize("word", SAMPLES)
def test_composed_and_decomposed_words_fold_to_the_same_key(word):
    """Do NFC and NFD spellings of a word, and its plain-ASCII spelling, index alike?"""
    lang = SearchVietnamese({})
    key = lang.stem(word)
    assert key == lang.stem(unicodedata.normalize("NFD", word))
    assert key.isascii() and key == key.lower()


def test_d_with_stroke_becomes_d():
    """Is "đ", which has no Unicode decomposition, folded to "d"?"""
    assert fold("Đảo đâu") == "dao dau"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_browser_folds_and_splits_queries_as_the_index_does():
    """Does the JavaScript in language_data.js give the same words as Python, for NFC and NFD input?"""
    lang = SearchVietnamese({})
    queries = SAMPLES + [unicodedata.normalize("NFD", s) for s in SAMPLES] + ["lừa-đảo, qua mạng!"]
    script = (
        lang.js_stemmer_code
        + lang.js_splitter_code
        + f"const qs = {json.dumps(queries)};"
        + "const s = new Stemmer();"
        + "console.log(JSON.stringify(qs.map(q => splitQuery(q).map(w => s.stemWord(w.toLowerCase())))));"
    )
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    from_js = json.loads(result.stdout)
    from_python = [[lang.stem(w) for w in lang.split(unicodedata.normalize("NFC", q))] for q in queries]
    assert from_js == from_python
