"""Building docutils tables from rows of nodes (shared by the facts and coverage directives)."""

from docutils import nodes


def table(headers: list[str], rows: list[list[nodes.Node | str]], classes: list[str]) -> nodes.table:
    """A table with a header row; each cell is a node or plain text."""
    tbl = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    body.extend(_row(cells) for cells in rows)
    return tbl


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        para = nodes.paragraph()
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
