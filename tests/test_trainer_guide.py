"""The trainer's guide (book/phu-luc/huong-dan-can-bo.md) gives commands that exist, as written."""

import argparse
import re
import shlex
from pathlib import Path

import pytest

from canhgiac.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "book" / "phu-luc" / "huong-dan-can-bo.md"
# What ends one command on a shell line: the next command, or where its output goes.
SHELL_SEPARATORS = {"&&", "||", ";", "|", ">", ">>", "2>&1"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```(?:bash|sh|console)\n(.*?)^```", text, flags=re.M | re.S)


def _canhgiac_calls(block: str) -> list[list[str]]:
    """The arguments of each `canhgiac` call (by name or by path) in a shell block."""
    calls = []
    for line in block.splitlines():
        if line.lstrip().startswith("#"):
            continue
        tokens = shlex.split(line, comments=True)
        for i, token in enumerate(tokens):
            if token == "canhgiac" or token.endswith("/bin/canhgiac"):
                args = []
                for arg in tokens[i + 1 :]:
                    if arg in SHELL_SEPARATORS:
                        break
                    args.append(arg)
                calls.append(args)
    return calls


GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")
CALLS = [call for block in _code_blocks(GUIDE_TEXT) for call in _canhgiac_calls(block)]


def test_the_guide_covers_every_trainer_command():
    """Does the guide show, in its command blocks, each command of the cycle from roster to certificates?"""
    shown = {" ".join(call[:2]) if call[:1] == ["roster"] else call[0] for call in CALLS if call}
    assert {"assign", "roster import", "collect", "grade", "report", "certificates"} <= shown


def test_every_command_named_in_the_guide_exists():
    """Is every `canhgiac <command>` the guide names, in prose or in a block, a command of the CLI?"""
    parser = build_parser()
    missing = []
    for words in re.findall(r"\bcanhgiac((?: [a-z][a-z-]*){1,2})", GUIDE_TEXT):
        command, *rest = words.split()
        sub = _subcommands(parser).get(command)
        if sub is None:
            missing.append(command)
        elif _subcommands(sub) and rest and rest[0] not in _subcommands(sub):
            missing.append(f"{command} {rest[0]}")
    assert not missing, f"the guide names commands that the CLI does not have: {sorted(set(missing))}"


@pytest.mark.parametrize("call", CALLS, ids=[" ".join(c[:2]) for c in CALLS])
def test_every_command_line_of_the_guide_parses(call):
    """Does each `canhgiac` line of the guide's blocks parse with the CLI's own parser, options and all?"""
    try:
        build_parser().parse_args(call)
    except SystemExit as exc:
        assert exc.code == 0, f"`canhgiac {' '.join(call)}` does not parse"


def test_every_trainer_command_of_the_guide_names_its_course():
    """Does each trainer command of the guide's blocks say which course, with --course?"""
    trainer = {"roster", "collect", "grade", "report", "certificates", "assign"}
    assert CALLS
    for call in CALLS:
        if call and call[0] in trainer:
            assert "--course" in call, f"`canhgiac {' '.join(call)}` has no --course"


def test_example_learner_ids_have_one_style():
    """Do the book's pages, the quiz pages it generates and the README write example learner IDs as the guide does (LS-0001)?"""
    assert "`LS-0001`" in GUIDE_TEXT
    sources = [
        *ROOT.joinpath("book").rglob("*.md"),
        ROOT / "README.md",
        *ROOT.joinpath("src/canhgiac/sphinxext").glob("*.py"),
    ]
    other = {
        f"{path.relative_to(ROOT)}: {match}"
        for path in sources
        for match in re.findall(r"\b(?:HV|CB)-?\d{3}\b", path.read_text(encoding="utf-8"))
    }
    assert not other, f"example IDs in another style than LS-0001: {sorted(other)}"
