"""The interactive lessons of notebooks/: the scenario simulator, how a face is pasted in, the report helper.

Each lesson's logic is here, kernel-free and testable; the notebooks only call
`canhgiac.lessons.widgets`, and the book renders the same data as HTML and
JavaScript (canhgiac.sphinxext.lessons), so a page is complete without a kernel.
"""
