"""Contacts and official facts, each with its source and date, kept in one data file."""

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from canhgiac.datafile import load_model
from canhgiac.text import nfc

FACTS_FILE = Path(str(resources.files("canhgiac") / "data" / "facts.yml"))

# Dates are as precise as the source: a year, a month or a day; "sau 2024-12-04"
# ("on or after") when the source gives no date of its own, as the letter's extract.
_DATE = r"^(sau )?\d{4}(-\d{2}(-\d{2})?)?$"


class Source(BaseModel):
    """An official document or page that states one or more facts."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    issuer: str
    date: str = Field(pattern=_DATE)
    url: str | None = Field(default=None, pattern=r"^https?://")
    note: str | None = None

    _nfc = field_validator("title", "issuer", "note")(lambda v: nfc(v) if v else v)


class Fact(BaseModel):
    """A contact or official fact that pages show, with where and when it was stated."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str
    value: str
    kind: Literal["phone", "email", "facebook", "url", "text"] = "text"
    group: str
    source: str
    as_of: str = Field(pattern=_DATE)
    url: str | None = Field(default=None, pattern=r"^https?://")
    note: str | None = None

    _nfc = field_validator("label", "value", "note")(lambda v: nfc(v) if v else v)

    def href(self) -> str | None:
        """The link a reader can follow or tap: tel:, mailto:, or the fact's own URL."""
        if self.kind == "phone":
            return "tel:" + re.sub(r"[^\d+]", "", self.value)
        if self.kind == "email":
            return "mailto:" + self.value
        return self.url


class Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sources: dict[str, Source]
    facts: dict[str, Fact]

    @model_validator(mode="after")
    def _sources_exist(self) -> "Facts":
        for key, fact in self.facts.items():
            if fact.source not in self.sources:
                raise ValueError(f"facts › {key} › source: không có nguồn '{fact.source}' trong sources")
        return self

    def group(self, name: str) -> list[tuple[str, Fact]]:
        return [(k, f) for k, f in self.facts.items() if f.group == name]


@cache
def load_facts(path: Path = FACTS_FILE) -> Facts:
    """Load and validate the facts file."""
    return load_model(path, Facts)
