"""The interactive lessons without a browser: the scenarios, the drawn pictures, the report helper."""

import random
import re
from html import escape
from pathlib import Path

import numpy as np
import pytest
import yaml

from canhgiac.bank.schema import Question
from canhgiac.datafile import DataError
from canhgiac.facts import load_facts
from canhgiac.lessons import faces
from canhgiac.lessons.report_helper import FIELDS, build_summary, template_texts
from canhgiac.lessons.scenarios import SCENARIOS_FILE, ScenarioRun, load_scenarios
from canhgiac.lessons.widgets import REPORT_FILE, ReportHelper, ScenarioSimulator, TraceExercise

SCENARIOS = load_scenarios().scenarios
# The six things a learner chooses between, as the issue names them.
CORE_ACTIONS = {"reply", "pay", "block", "keep-evidence", "report", "tell-family"}


# ---------------------------------------------------------------- scenarios


def test_there_are_scenarios_that_start_in_three_different_ways():
    """Do the scenarios start from a social-network message, a letter to the workplace and an investigator's call?"""
    assert len(SCENARIOS) >= 3
    assert {s.channel for s in SCENARIOS} >= {"mang-xa-hoi", "thu-co-quan", "cuoc-goi"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_path_of_every_scenario_ends(scenario):
    """Does every path of the scenario, choice after choice, reach an ending, and every step and ending lie on a path?"""
    seen_steps, seen_endings, count = set(), set(), 0
    for taken, ending in scenario.paths():
        count += 1
        assert ending in scenario.endings
        assert len(taken) <= len(scenario.steps), "a path visits a step twice"
        run = ScenarioRun(scenario)
        for step, choice in taken:
            assert run.step == step
            run.choose(choice.id)
        assert run.done and run.ending == ending
        seen_steps |= {step.id for step, _ in taken}
        seen_endings.add(ending.id)
    assert count > 0
    assert seen_steps == {s.id for s in scenario.steps}
    assert seen_endings == {e.id for e in scenario.endings}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_every_choice_has_a_consequence_and_an_explanation(scenario):
    """Does every choice say what happens and why, in text of its own, and every ending give a summary?"""
    for step in scenario.steps:
        for choice in step.choices:
            where = f"{scenario.id} › {step.id} › {choice.id}"
            assert len(choice.consequence) > 20, where
            assert len(choice.explanation) > 20, where
            assert choice.consequence != choice.explanation, where
    for ending in scenario.endings:
        assert len(ending.summary) > 40 and ending.title, f"{scenario.id} › {ending.id}"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_the_choices_follow_the_letter(scenario):
    """Does the scenario offer reply, pay, block, keep evidence, report and tell the family, with paying never good and every all-good path reporting?"""
    choices = [c for s in scenario.steps for c in s.choices]
    assert {c.action for c in choices} >= CORE_ACTIONS
    assert not [c.id for c in choices if c.action in ("pay", "reply", "delete", "share") and c.good]
    assert all(c.good for c in choices if c.action == "report")
    good_paths = [taken for taken, _ in scenario.paths() if all(c.good for _, c in taken)]
    assert good_paths, "no path made of good choices only"
    for taken in good_paths:
        assert {c.action for _, c in taken} >= {"keep-evidence", "report"}


def test_the_end_summary_lists_what_was_done_well_and_what_not():
    """Does a run's recap list its good choices and its poor ones, in the order they were made?"""
    scenario = SCENARIOS[0]
    taken, _ = next(
        p for p in scenario.paths() if any(c.good for _, c in p[0]) and any(not c.good for _, c in p[0])
    )
    run = ScenarioRun(scenario)
    for _, choice in taken:
        run.choose(choice.id)
    good, poor = run.recap()
    assert good == [c for _, c in taken if c.good]
    assert poor == [c for _, c in taken if not c.good]
    with pytest.raises(ValueError):
        run.choose(taken[0][1].id)


def test_a_choice_that_the_step_does_not_offer_is_refused():
    """Does a run refuse a choice that is not one of the current step's?"""
    run = ScenarioRun(SCENARIOS[0])
    with pytest.raises(ValueError, match="không có lựa chọn"):
        run.choose("khong-co")


def test_the_scenarios_type_no_contact_details():
    """Are phone numbers and e-mails kept out of the scenarios (the book shows them from facts.yml)?"""
    text = SCENARIOS_FILE.read_text(encoding="utf-8")
    values = [
        f.value for f in load_facts().facts.values() if f.kind in ("phone", "email") and len(f.value) > 4
    ]
    assert not [v for v in values if v in text]


# ---------------------------------------------------------------- bad scenario files

VALID = {
    "scenarios": [
        {
            "id": "thu",
            "title": "Thử",
            "channel": "mang-xa-hoi",
            "intro": "Giới thiệu.",
            "start": "a",
            "steps": [
                {
                    "id": "a",
                    "situation": "Tình huống a.",
                    "choices": [
                        {
                            "id": "tot",
                            "action": "keep-evidence",
                            "text": "Lưu bằng chứng",
                            "good": True,
                            "consequence": "Hệ quả.",
                            "explanation": "Vì sao.",
                            "next": "b",
                        },
                        {
                            "id": "xau",
                            "action": "pay",
                            "text": "Chuyển tiền",
                            "good": False,
                            "consequence": "Hệ quả.",
                            "explanation": "Vì sao.",
                            "next": "het",
                        },
                    ],
                },
                {
                    "id": "b",
                    "situation": "Tình huống b.",
                    "choices": [
                        {
                            "id": "bao",
                            "action": "report",
                            "text": "Trình báo",
                            "good": True,
                            "consequence": "Hệ quả.",
                            "explanation": "Vì sao.",
                            "next": "het",
                        },
                        {
                            "id": "cho",
                            "action": "wait",
                            "text": "Chờ",
                            "good": False,
                            "consequence": "Hệ quả.",
                            "explanation": "Vì sao.",
                            "next": "het",
                        },
                    ],
                },
            ],
            "endings": [{"id": "het", "title": "Hết", "summary": "Tóm tắt."}],
        }
    ]
}


def _scenario(data: dict) -> dict:
    return data["scenarios"][0]


def _choice(data: dict, step: int, choice: int) -> dict:
    return _scenario(data)["steps"][step]["choices"][choice]


BAD_FILES = {
    "missing explanation": (
        lambda d: _choice(d, 0, 0).pop("explanation"),
        "scenarios › thu › steps › a › choices › tot › explanation: Field required",
    ),
    "empty consequence": (
        lambda d: _choice(d, 1, 1).update(consequence=""),
        "scenarios › thu › steps › b › choices › cho › consequence",
    ),
    "next to nowhere": (
        lambda d: _choice(d, 0, 1).update(next="khong-co"),
        "scenarios › thu › steps › a › choices › xau › next: không có bước hay kết thúc 'khong-co'",
    ),
    "a loop": (
        lambda d: _choice(d, 1, 1).update(next="a"),
        "scenarios › thu › steps › b › choices › cho › next: vòng lặp a → b → a",
    ),
    "a step never reached": (
        lambda d: _scenario(d)["steps"].append({**_scenario(d)["steps"][1], "id": "c"}),
        "scenarios › thu › steps › c: không lựa chọn nào dẫn đến bước này",
    ),
    "an ending never reached": (
        lambda d: _scenario(d)["endings"].append({"id": "khac", "title": "Khác", "summary": "Tóm tắt."}),
        "scenarios › thu › endings › khac: không lựa chọn nào dẫn đến kết thúc này",
    ),
    "start at an ending": (
        lambda d: _scenario(d).update(start="het"),
        "scenarios › thu › start: 'het' là một kết thúc, không phải một bước",
    ),
    "no good choice": (
        lambda d: _choice(d, 0, 0).update(good=False),
        "scenarios › thu › steps › a: Value error, choices: cần ít nhất một lựa chọn đúng",
    ),
    "repeated step ID": (
        lambda d: _scenario(d)["steps"][1].update(id="a"),
        "scenarios › thu: Value error, steps, endings: ID bị lặp (a)",
    ),
    "unknown action": (
        lambda d: _choice(d, 0, 0).update(action="pray"),
        "scenarios › thu › steps › a › choices › tot › action",
    ),
    "unknown field": (
        lambda d: _choice(d, 0, 0).update(nex="b"),
        "scenarios › thu › steps › a › choices › tot › nex: Extra inputs are not permitted",
    ),
}


def test_the_valid_example_loads(tmp_path):
    """Does the example that the bad files are made from load, so that each error below has one cause?"""
    path = tmp_path / "scenarios.yml"
    path.write_text(yaml.safe_dump(VALID, allow_unicode=True), encoding="utf-8")
    assert load_scenarios(path).scenarios[0].id == "thu"


@pytest.mark.parametrize("mistake", BAD_FILES)
def test_a_bad_scenarios_file_is_refused_naming_file_scenario_step_and_field(tmp_path, mistake):
    """Is a mistaken scenarios file refused with an error naming the file, the scenario, the step and the field?"""
    import copy

    data = copy.deepcopy(VALID)
    change, expected = BAD_FILES[mistake]
    change(data)
    path = tmp_path / "scenarios.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataError) as error:
        load_scenarios(path)
    assert f"{path}: {expected}" in str(error.value)


def test_a_missing_or_broken_scenarios_file_is_named(tmp_path):
    """Is a missing file, or one that is not YAML, reported with its name rather than a traceback?"""
    with pytest.raises(DataError, match="không tìm thấy tệp"):
        load_scenarios(tmp_path / "khong-co.yml")
    broken = tmp_path / "hong.yml"
    broken.write_text("scenarios: [\n", encoding="utf-8")
    with pytest.raises(DataError, match="YAML không hợp lệ"):
        load_scenarios(broken)


# ---------------------------------------------------------------- the simulator in JupyterLab


def test_the_notebook_simulator_plays_a_scenario_to_its_summary():
    """Does the notebook's simulator show each choice's consequence and explanation, then the ending's summary and recap?"""
    simulator = ScenarioSimulator()
    scenario = SCENARIOS[1]
    simulator.start(scenario.id)
    made = []
    while simulator.screen != "ending":
        assert simulator.screen == "step"
        step = simulator.run.step
        choice = step.choices[len(made) % len(step.choices)]
        simulator.choose(choice.id)
        made.append(choice)
        assert simulator.screen == "outcome"
        assert choice.consequence[:30] in simulator.body.value.replace("&quot;", '"')
        simulator.proceed()
    assert simulator.run.ending.title in simulator.body.value
    assert "Những việc anh, chị đã làm tốt" in simulator.body.value
    assert "Những việc chưa nên làm" in simulator.body.value
    simulator.show_menu()
    assert simulator.screen == "menu" and len(simulator.buttons.children) == len(SCENARIOS)


# ---------------------------------------------------------------- how a face is pasted in


@pytest.mark.parametrize("trace", faces.TRACE_IDS)
def test_each_trace_changes_the_pasted_picture_around_the_face_only(trace):
    """Does each trace change the pasted picture visibly, and only in the zoomed region around the face?"""
    careful, careless = faces.pasted(frozenset()), faces.pasted(frozenset({trace}))
    difference = np.abs(careless - careful).max(axis=2)
    x0, y0, x1, y1 = faces.ZOOM
    inside = np.zeros_like(difference, dtype=bool)
    inside[y0:y1, x0:x1] = True
    assert (difference[inside] > 0.1).sum() > 300, f"{trace}: hardly visible"
    assert difference[~inside].max() == 0, f"{trace}: changes the picture away from the face"


def test_the_pictures_are_drawn_in_a_fixed_size():
    """Are the scenes drawn at their fixed size, in RGB, with no photograph read from disk?"""
    assert faces.pasted().shape == (faces.H, faces.W, 3)
    assert faces.exhibit_image(faces.EXHIBITS[0]).shape[0] == faces.H
    source = Path(faces.__file__).read_text(encoding="utf-8")
    assert not re.search(r"imread|Image\.open|urlopen|requests", source)


def test_every_exhibit_has_its_answer_and_explanation():
    """Does each exhibit's answer name exactly its traces (or "none"), each explained, and is it a valid self-check question?"""
    from canhgiac.sphinxext.lessons import exhibit_question

    assert any(not e.traces for e in faces.EXHIBITS), "no exhibit without a visible trace"
    assert {t for e in faces.EXHIBITS for t in e.traces} == set(faces.TRACE_IDS)
    for exhibit in faces.EXHIBITS:
        question = exhibit_question(exhibit)
        assert isinstance(question, Question) and question.kind == "multiple"
        assert question.is_correct(exhibit.answer())
        for trace in exhibit.traces:
            assert faces.TRACES_BY_ID[trace].shown in exhibit.explanation()


def test_the_notebook_exercise_checks_the_ticked_traces():
    """Does the notebook's exercise say right for exactly the exhibit's traces, and wrong otherwise?"""
    exercise = TraceExercise()
    exhibit = faces.EXHIBITS[0]
    boxes = exercise.boxes[exhibit.number]
    assert not exercise.check(exhibit.number)
    assert "Chưa chọn" in exercise.feedback[exhibit.number].value
    for oid in exhibit.answer():
        boxes[oid].value = True
    assert exercise.check(exhibit.number)
    assert "Đúng rồi" in exercise.feedback[exhibit.number].value
    boxes[faces.NONE_ID].value = True
    assert not exercise.check(exhibit.number)


# ---------------------------------------------------------------- report helper


def entered(rng: random.Random | None = None, every: bool = True) -> dict:
    """Values for the fields: all of them, distinctive; or, with `rng`, a random selection."""
    values: dict[str, object] = {}
    for i, f in enumerate(FIELDS):
        if rng and not every and rng.random() < 0.4:
            continue
        tag = f"{rng.randrange(10**6)}" if rng else str(i)
        if f.kind == "date":
            values[f.id] = f"2025-03-{10 + i:02d}"
        elif f.kind == "time":
            values[f.id] = f"21:{i:02d}"
        elif f.kind == "choices":
            ids = [oid for oid, _ in f.options]
            values[f.id] = rng.sample(ids, rng.randrange(1, len(ids) + 1)) if rng else ids
        elif f.kind == "lines":
            values[f.id] = f"dòng một của {f.id} số {tag}\n\n  dòng hai <b>{tag}</b> & “trích”  \n"
        else:
            values[f.id] = f"  giá trị {f.id} {tag}: 50 triệu đồng  "
    return values


def shown_values(values: dict) -> list[str]:
    """What the summary must show for `values`: each line, trimmed; dates as dd/mm/yyyy; options by label."""
    out = []
    for f in FIELDS:
        raw = values.get(f.id)
        if not raw:
            continue
        if f.kind == "choices":
            out += [label for oid, label in f.options if oid in raw]
        elif f.kind == "lines":
            out += [line.strip() for line in raw.splitlines() if line.strip()]
        elif f.kind == "date":
            y, m, d = raw.split("-")
            out.append(f"{d}/{m}/{y}")
        else:
            out.append(" ".join(raw.split()))
    return out


def test_the_summary_holds_every_field_entered():
    """Does the summary hold every field entered, each under its own label?"""
    values = entered()
    summary = build_summary(values)
    text = summary.text()
    for value in shown_values(values):
        assert value in text, value
    labels = {label: shown for _, entries in summary.structure() for label, shown in entries}
    for f in FIELDS:
        assert f.label in labels, f.id
    assert summary.structure()[-1][0].startswith("Nơi trình báo")


@pytest.mark.parametrize("seed", range(6))
def test_the_summary_holds_nothing_but_what_was_entered_and_the_contacts(seed):
    """Once what was entered and the contact file's contacts are taken out, is only the summary's own labels and punctuation left?"""
    rng = random.Random(seed)
    values = entered(rng, every=seed == 0)
    text = build_summary(values).text()
    pieces = shown_values(values) + template_texts()
    for piece in sorted(pieces, key=len, reverse=True):
        text = text.replace(piece, " ")
    assert re.fullmatch(r"[\s:+\-]*", text), f"the summary adds {text!r}"


def test_empty_fields_are_left_out():
    """Does a summary of one field show that field and the contacts, and no empty label?"""
    summary = build_summary({"so_tien": "50 triệu đồng", "kenh": "   ", "dien_bien": "\n\n"})
    structure = summary.structure()
    assert structure[0] == ["Yêu cầu chuyển tiền", [["Số tiền bị đòi", ["50 triệu đồng"]]]]
    assert len(structure) == 2


def test_the_contacts_come_from_the_contact_file():
    """Are the summary's contacts those of facts.yml, so that an updated phone number reaches it?"""
    facts = load_facts()
    text = build_summary({}, facts).text()
    for key in ("lang-son-anm-phone", "lang-son-anm-email", "canh-sat-113", "vneid-to-giac"):
        assert facts.facts[key].value in text
    changed = facts.model_copy(
        update={
            "facts": {
                **facts.facts,
                "lang-son-anm-phone": facts.facts["lang-son-anm-phone"].model_copy(
                    update={"value": "0000.111.222"}
                ),
            }
        }
    )
    text = build_summary({}, changed).text()
    assert "0000.111.222" in text and facts.facts["lang-son-anm-phone"].value not in text


def test_the_summary_html_escapes_what_was_entered():
    """Is markup typed into a field shown as text, never run as HTML?"""
    html = build_summary({"kenh": "<script>alert(1)</script>", "lien_he": '<img src=x onerror="x()">'}).html()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_fields_and_options_are_refused():
    """Are a field or an option that the form does not have refused?"""
    with pytest.raises(ValueError, match="không có ô nhập"):
        build_summary({"ho_ten": "A"})
    with pytest.raises(ValueError, match="không có lựa chọn"):
        build_summary({"bang_chung": ["khong-co"]})


def test_the_notebook_helper_saves_nothing_until_asked(tmp_path):
    """Does the notebook's report helper build the same summary, write a file only when asked, and clear everything?"""
    from datetime import date, time

    helper = ReportHelper(tmp_path)
    values = entered()
    for f in FIELDS:
        control = helper.controls[f.id]
        if f.kind == "date":
            control.value = date.fromisoformat(values[f.id])
        elif f.kind == "time":
            control.value = time.fromisoformat(values[f.id])
        elif f.kind == "choices":
            for oid in values[f.id]:
                control[oid].value = True
        else:
            control.value = values[f.id]
    summary = helper.show()
    assert summary.structure() == build_summary(values).structure()
    assert load_facts().facts["lang-son-anm-email"].value in helper.summary_view.value
    assert list(tmp_path.iterdir()) == [], "the helper wrote a file before being asked"
    path = helper.save()
    assert path == tmp_path / REPORT_FILE and list(tmp_path.iterdir()) == [path]
    saved = path.read_text(encoding="utf-8")
    assert all(escape(v) in saved for v in shown_values(values))
    helper.clear()
    assert helper.summary_view.value == ""
    assert build_summary(helper.values()).structure() == build_summary({}).structure()
