"""The package's layers, read from its imports: which package may import which (see canhgiac/__init__.py)."""

import ast
from pathlib import Path

import canhgiac

PACKAGE = Path(canhgiac.__file__).parent
# The commands of a trainer's day: each stands on the core alone.
COMMANDS = {"assign", "collect", "grade", "report", "certificates", "feedback", "roster"}
# What composes the commands for a user: the CLI, the book's extension, nbgrader's plugins, and
# the hosted course (issue 12): the hub (accounts from the roster, graders running `grade`) and
# its course service (collect's landing, the live report, certificates), as the CLI composes them.
TOP = {"cli", "sphinxext", "preprocessors", "__main__", "hub", "service"}


def _part(module: str) -> str | None:
    """The top-level part of canhgiac a module name is in ('canhgiac.report.read' -> 'report')."""
    parts = module.split(".")
    return parts[1] if parts[0] == "canhgiac" and len(parts) > 1 else None


def imports() -> list[tuple[str, int, str, str]]:
    """(file, line, importing part, imported part) of every import of canhgiac, inside functions too."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
        here = _part(module)
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolved against this module's package
                    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                    base = package[: len(package) - (node.level - 1)]
                    names = [".".join([*base, node.module] if node.module else base)]
                elif node.module == "canhgiac":
                    names = [f"canhgiac.{alias.name}" for alias in node.names]
                else:
                    names = [node.module or ""]
            for name in names:
                there = _part(name)
                if there is not None and there != here:
                    found.append((str(relative), node.lineno, here, there))
    return found


def test_the_parser_sees_the_imports_it_must_judge():
    """Does the import reader find the imports that the rule is about (else the rule below proves nothing)?"""
    found = {(here, there) for _, _, here, there in imports()}
    assert ("cli", "grade") in found and ("certificates", "course") in found and ("grade", "course") in found


def test_no_command_package_imports_another():
    """Does every command package (assign, collect, grade, report, certificates, roster) stand on the core alone?"""
    crossing = [
        f"{file}:{line}: {here} imports {there}"
        for file, line, here, there in imports()
        if here in COMMANDS and (there in COMMANDS or there in TOP)
    ]
    assert not crossing, "\n".join(crossing)


def test_the_core_imports_no_command():
    """Does the core (course, bank, quiz, question, ...) import nothing above it: no command, no CLI, no book?"""
    upward = [
        f"{file}:{line}: {here} imports {there}"
        for file, line, here, there in imports()
        if here not in COMMANDS | TOP and (there in COMMANDS or there in TOP)
    ]
    assert not upward, "\n".join(upward)
