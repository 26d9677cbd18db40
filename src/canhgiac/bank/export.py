"""`canhgiac bank export`: the whole bank, answers included, as JSON (a documented interface)."""

from canhgiac.bank.load import Bank


def export_questions(bank: Bank) -> list[dict]:
    """Every question with its `assignment`; `answer` in order for ordering questions."""
    out = []
    for bank_file in bank.files.values():
        for q in bank_file.questions:
            item = q.model_dump(mode="json")
            item["assignment"] = bank_file.assignment
            out.append(item)
    return out
