"""The question bank: the single source of every practice and graded question."""

from canhgiac.bank.load import Bank, default_bank_dir, load_bank
from canhgiac.bank.schema import BankFile, Option, Question

__all__ = ["Bank", "BankFile", "Option", "Question", "default_bank_dir", "load_bank"]
