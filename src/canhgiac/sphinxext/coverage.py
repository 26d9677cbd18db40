"""The {coverage-table} directive: each point of the letter, linked to the section that teaches it."""

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from canhgiac.coverage import COVERAGE_FILE, load_coverage
from canhgiac.datafile import DataError
from canhgiac.sphinxext.tables import table


class CoverageTable(SphinxDirective):
    """A table of the letter's points; a point whose section is missing breaks the build."""

    def run(self):
        self.env.note_dependency(str(COVERAGE_FILE))
        try:
            coverage = load_coverage()
        except DataError as exc:
            raise self.error(str(exc)) from None
        rows: list[list[nodes.Node | str]] = []
        for point in coverage.points:
            # refwarn: an unknown section is a warning, and -W makes it an error.
            ref = addnodes.pending_xref(
                "",
                nodes.inline(point.section, point.section),
                refdomain="std",
                reftype="ref",
                reftarget=point.section,
                refexplicit=False,
                refwarn=True,
                refdoc=self.env.docname,
            )
            rows.append([point.part, point.summary, ref])
        return [table(["Phần", "Nội dung của công văn", "Được dạy ở"], rows, classes=["cg-coverage"])]


def setup(app: Sphinx) -> None:
    app.add_directive("coverage-table", CoverageTable)
