"""Building docutils tables from rows of nodes (shared by the facts and coverage directives)."""

from docutils import nodes


def table(headers: list[str], rows: list[list[nodes.Node | str]], classes: list[str]) -> nodes.table:
    """A table with a header row; each cell is a node or plain text.

    Under 600 px the table reads as stacked cards, one per row (static/canhgiac.css,
    `cg-cards`): each cell then shows its column's name, which is in the cell and
    shown only there, since the header row is hidden.
    """
    tbl = nodes.table(classes=[*classes, "cg-cards"])
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    body.extend(_row(cells, headers) for cells in rows)
    return tbl


def _row(cells: list[nodes.Node | str], labels: list[str] | None = None) -> nodes.row:
    row = nodes.row()
    for i, cell in enumerate(cells):
        entry = nodes.entry()
        para = nodes.paragraph()
        if labels:
            para += nodes.inline("", f"{labels[i]}: ", classes=["cg-cell-label"])
        para += nodes.Text(cell) if isinstance(cell, str) else cell
        entry += para
        row += entry
    return row


def format_date(iso: str) -> str:
    """'2024-12-04' -> '04/12/2024', '2024-12' -> '12/2024', as Vietnamese documents write dates."""
    return "/".join(reversed(iso.split("-")))


def when(iso: str) -> str:
    """'2024-12-04' -> 'ngày 04/12/2024', '2024-12' -> 'tháng 12/2024', '2024' -> 'năm 2024',
    'sau 2024-12-04' -> 'sau ngày 04/12/2024': a date as a Vietnamese sentence says it."""
    after = iso.startswith("sau ")
    iso = iso.removeprefix("sau ")
    unit = {1: "năm", 2: "tháng", 3: "ngày"}[len(iso.split("-"))]
    return ("sau " if after else "") + f"{unit} {format_date(iso)}"
