"""The {fact} role and the {facts-table} directive: contacts rendered from the facts file.

A phone number or e-mail is typed once, in src/canhgiac/data/facts.yml, and
every page shows the current value with its source and date.
"""

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective, SphinxRole

from canhgiac.datafile import DataError
from canhgiac.facts import FACTS_FILE, Fact, Facts, load_facts
from canhgiac.sphinxext.tables import table, when


def _facts(env) -> Facts:
    env.note_dependency(str(FACTS_FILE))
    return load_facts()


def fact_node(fact: Fact) -> nodes.Node:
    """The value, linked where a reader can act on it (tap to call, to write, to open)."""
    href = fact.href()
    if href:
        return nodes.reference(fact.value, fact.value, refuri=href, classes=["cg-fact"])
    if fact.kind == "facebook":
        return nodes.inline(fact.value, f"“{fact.value}”", classes=["cg-fact"])
    return nodes.inline(fact.value, fact.value, classes=["cg-fact"])


def source_node(facts: Facts, fact: Fact) -> nodes.Node:
    """'Title — issuer, ngày 04/12/2024', linked to the official page when there is one."""
    src = facts.sources[fact.source]
    text = f"{src.title} — {src.issuer}, {when(src.date)}"
    if src.url:
        return nodes.reference(text, text, refuri=src.url)
    return nodes.Text(text)


class FactRole(SphinxRole):
    """{fact}`lang-son-anm-phone`: the current value of one fact."""

    def run(self):
        try:
            facts = _facts(self.env)
            fact = facts.facts[self.text.strip()]
        except DataError as exc:
            return [], [self.inliner.reporter.error(str(exc), line=self.lineno)]
        except KeyError:
            msg = f"không có thông tin '{self.text}' trong {FACTS_FILE.name}"
            return [], [self.inliner.reporter.error(msg, line=self.lineno)]
        return [fact_node(fact)], []


class FactsTable(SphinxDirective):
    """A table of every fact of one group: what it is, its value, its source and date."""

    required_arguments = 1

    def run(self):
        group = self.arguments[0]
        try:
            facts = _facts(self.env)
        except DataError as exc:
            raise self.error(str(exc)) from None
        members = facts.group(group)
        if not members:
            raise self.error(f"nhóm '{group}' không có thông tin nào trong {FACTS_FILE.name}")
        rows: list[list[nodes.Node | str]] = []
        for _key, fact in members:
            value = nodes.inline()
            value += fact_node(fact)
            if fact.note:
                value += nodes.Text(f" ({fact.note})")
            source = nodes.inline()
            source += source_node(facts, fact)
            # A source without a date of its own ("sau 2024-12-04") is dated by what it follows.
            stated = "ban hành " if fact.as_of.startswith("sau ") else ""
            source += nodes.Text(f". Cập nhật theo nguồn {stated}{when(fact.as_of)}.")
            rows.append([fact.label, value, source])
        return [table(["Kênh", "Thông tin", "Nguồn"], rows, classes=["cg-facts"])]


def setup(app: Sphinx) -> None:
    app.add_role("fact", FactRole())
    app.add_directive("facts-table", FactsTable)
