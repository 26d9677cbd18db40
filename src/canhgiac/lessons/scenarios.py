"""The scenario simulator's data: threatening situations, the choices at each step, where each leads.

A scenario is a graph of steps.  At each step the learner reads a situation (and
often a text-only message from the scammer) and chooses what to do; every choice
has its consequence, its explanation and the next step or ending.  Every ending
has a summary.  The file is validated on load, like the question bank: the schema
(pydantic), then the graph, so that every path of every scenario ends.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from canhgiac.datafile import DataError, load_model
from canhgiac.text import nfc

SCENARIOS_FILE = Path(str(resources.files("canhgiac") / "data" / "scenarios.yml"))

_ID = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Action = Literal[
    "reply",
    "pay",
    "follow",
    "block",
    "keep-evidence",
    "delete",
    "share",
    "wait",
    "report",
    "tell-family",
    "tell-workplace",
]
# What the learner did, as the end-of-scenario summary names it.
ACTION_LABELS: dict[str, str] = {
    "reply": "Trả lời đối tượng",
    "pay": "Chuyển tiền",
    "follow": "Làm theo hướng dẫn của đối tượng",
    "block": "Chặn, báo cáo tài khoản",
    "keep-evidence": "Giữ bằng chứng",
    "delete": "Xóa, hủy bằng chứng",
    "share": "Chia sẻ hình ảnh",
    "wait": "Giữ kín, chờ đợi",
    "report": "Trình báo Công an",
    "tell-family": "Nói với người thân",
    "tell-workplace": "Báo cơ quan",
}
# How a scenario starts: a message on a social network, a letter sent to the
# workplace, or a call from someone who claims to be an investigator.
Channel = Literal["mang-xa-hoi", "thu-co-quan", "cuoc-goi"]
CHANNEL_LABELS: dict[str, str] = {
    "mang-xa-hoi": "Bắt đầu bằng: một tin nhắn trên mạng xã hội",
    "thu-co-quan": "Bắt đầu bằng: một lá thư gửi đến cơ quan",
    "cuoc-goi": "Bắt đầu bằng: một cuộc gọi của người tự xưng cán bộ điều tra",
}


def _nfc(value: str | None) -> str | None:
    return nfc(value).strip() if value else value


class Message(BaseModel):
    """What the scammer sends or says, as text only: images are described in brackets, never shown."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sender: str = Field(min_length=1)
    text: str = Field(min_length=1)

    _nfc = field_validator("sender", "text")(_nfc)


class Choice(BaseModel):
    """One thing the learner can do at a step, what happens then, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    action: Action
    text: str = Field(min_length=1)
    good: bool
    consequence: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    next: str = Field(pattern=_ID)

    _nfc = field_validator("text", "consequence", "explanation")(_nfc)


class Step(BaseModel):
    """A moment of the scenario: what is happening, the message if any, and the choices."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    situation: str = Field(min_length=1)
    message: Message | None = None
    question: str = "Anh, chị làm gì?"
    choices: list[Choice] = Field(min_length=2)

    _nfc = field_validator("situation", "question")(_nfc)

    @model_validator(mode="after")
    def _choices_differ(self) -> "Step":
        ids = [c.id for c in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError(f"choices: ID lựa chọn bị lặp ({', '.join(ids)})")
        if not any(c.good for c in self.choices):
            raise ValueError("choices: cần ít nhất một lựa chọn đúng (good: true)")
        return self


class Ending(BaseModel):
    """Where a path ends, with the summary shown to the learner."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)

    _nfc = field_validator("title", "summary")(_nfc)


class Scenario(BaseModel):
    """A whole scenario: its start and every step and ending it can lead to."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    channel: Channel
    intro: str = Field(min_length=1)
    start: str = Field(pattern=_ID)
    steps: list[Step] = Field(min_length=1)
    endings: list[Ending] = Field(min_length=1)

    _nfc = field_validator("title", "intro")(_nfc)

    @model_validator(mode="after")
    def _ids_differ(self) -> "Scenario":
        ids = [s.id for s in self.steps] + [e.id for e in self.endings]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"steps, endings: ID bị lặp ({', '.join(repeated)})")
        return self

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def ending(self, ending_id: str) -> Ending | None:
        return next((e for e in self.endings if e.id == ending_id), None)

    def problems(self) -> list[str]:
        """What makes the scenario unplayable: a broken link, a step or ending never reached, a loop.

        Each problem names scenario › step › choice › field, as a trainer editing
        the file searches for them.
        """
        where = f"scenarios › {self.id}"
        targets = {s.id for s in self.steps} | {e.id for e in self.endings}
        problems = []
        if self.step(self.start) is None:
            kind = "là một kết thúc, không phải một bước" if self.ending(self.start) else "không có bước"
            problems.append(f"{where} › start: '{self.start}' {kind}")
            return problems
        for step in self.steps:
            for choice in step.choices:
                if choice.next not in targets:
                    problems.append(
                        f"{where} › steps › {step.id} › choices › {choice.id} › next: "
                        f"không có bước hay kết thúc '{choice.next}'"
                    )
        if problems:
            return problems
        loop = self._loop()
        if loop:
            step_id, choice_id, cycle = loop
            problems.append(
                f"{where} › steps › {step_id} › choices › {choice_id} › next: vòng lặp "
                f"{' → '.join(cycle)}: người học có thể đi mãi mà không đến kết thúc"
            )
        reached = self._reachable()
        for step in self.steps:
            if step.id not in reached:
                problems.append(f"{where} › steps › {step.id}: không lựa chọn nào dẫn đến bước này")
        for ending in self.endings:
            if ending.id not in reached:
                problems.append(f"{where} › endings › {ending.id}: không lựa chọn nào dẫn đến kết thúc này")
        return problems

    def _reachable(self) -> set[str]:
        seen, todo = set(), [self.start]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            step = self.step(node)
            if step:
                todo.extend(c.next for c in step.choices)
        return seen

    def _loop(self) -> tuple[str, str, list[str]] | None:
        """The first loop found from the start: (step, choice, the steps of the loop)."""
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        path: list[str] = []

        def visit(node: str) -> tuple[str, str, list[str]] | None:
            step = self.step(node)
            if step is None:
                return None
            state[node] = 1
            path.append(node)
            for choice in step.choices:
                if state.get(choice.next) == 1:
                    return step.id, choice.id, [*path[path.index(choice.next) :], choice.next]
                if choice.next not in state:
                    found = visit(choice.next)
                    if found:
                        return found
            path.pop()
            state[node] = 2
            return None

        return visit(self.start)

    def paths(self) -> Iterator[tuple[list[tuple[Step, Choice]], Ending]]:
        """Every path from the start: the (step, choice) pairs taken, and the ending reached.

        Only for a scenario without problems (the loader guarantees it): the graph
        then has no loop, so there are finitely many paths and each ends.
        """

        def walk(node: str, taken: list[tuple[Step, Choice]]):
            step = self.step(node)
            if step is None:
                ending = self.ending(node)
                assert ending is not None, node
                yield list(taken), ending
                return
            for choice in step.choices:
                yield from walk(choice.next, [*taken, (step, choice)])

        yield from walk(self.start, [])


class ScenarioFile(BaseModel):
    """The scenarios file: every scenario of the simulator."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scenarios: list[Scenario] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_differ(self) -> "ScenarioFile":
        ids = [s.id for s in self.scenarios]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"scenarios: ID tình huống bị lặp ({', '.join(repeated)})")
        return self

    def get(self, scenario_id: str) -> Scenario:
        for scenario in self.scenarios:
            if scenario.id == scenario_id:
                return scenario
        raise KeyError(scenario_id)


def load_scenarios(path: Path = SCENARIOS_FILE) -> ScenarioFile:
    """Load and validate the scenarios; raise DataError listing every problem, each naming file › scenario › step › field."""
    data = load_model(path, ScenarioFile)
    problems = [f"{path}: {p}" for scenario in data.scenarios for p in scenario.problems()]
    if problems:
        raise DataError("\n".join(problems))
    return data


@dataclass
class ScenarioRun:
    """One play of a scenario: where the learner is, and what they chose so far."""

    scenario: Scenario
    position: str = ""
    taken: list[tuple[Step, Choice]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.position = self.position or self.scenario.start

    @property
    def step(self) -> Step | None:
        return self.scenario.step(self.position)

    @property
    def ending(self) -> Ending | None:
        return self.scenario.ending(self.position)

    @property
    def done(self) -> bool:
        return self.ending is not None

    def choose(self, choice_id: str) -> Choice:
        """Take a choice of the current step; the run moves to its next step or ending."""
        step = self.step
        if step is None:
            raise ValueError("tình huống đã kết thúc")
        choice = next((c for c in step.choices if c.id == choice_id), None)
        if choice is None:
            raise ValueError(f"bước '{step.id}' không có lựa chọn '{choice_id}'")
        self.taken.append((step, choice))
        self.position = choice.next
        return choice

    def recap(self) -> tuple[list[Choice], list[Choice]]:
        """What was done well, and what was not, in the order it was done."""
        chosen = [c for _, c in self.taken]
        return [c for c in chosen if c.good], [c for c in chosen if not c.good]


def page_data(data: ScenarioFile) -> dict:
    """The scenarios as the book's script plays them (canhgiac-lessons.js): plain JSON."""
    return {
        "actions": ACTION_LABELS,
        "scenarios": [s.model_dump(mode="json") for s in data.scenarios],
    }
