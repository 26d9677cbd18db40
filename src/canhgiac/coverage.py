"""The coverage map: each point of the official letter and the book section that teaches it."""

from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from canhgiac.datafile import load_model
from canhgiac.text import nfc

COVERAGE_FILE = Path(str(resources.files("canhgiac") / "data" / "coverage.yml"))


class LetterPoint(BaseModel):
    """One point of the letter: a step of the scam, a recommendation or a contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9-]+\.[a-z0-9-]+$")
    part: str
    summary: str
    quote: str
    section: str = Field(min_length=1, description="MyST target of the section that teaches it")

    _nfc = field_validator("part", "summary", "quote")(nfc)


class CoverageMap(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    points: list[LetterPoint] = Field(min_length=1)

    @field_validator("points")
    @classmethod
    def _unique_ids(cls, points: list[LetterPoint]) -> list[LetterPoint]:
        seen: set[str] = set()
        for point in points:
            if point.id in seen:
                raise ValueError(f"điểm {point.id} bị lặp")
            seen.add(point.id)
        return points

    def ids(self) -> list[str]:
        return [p.id for p in self.points]


@cache
def load_coverage(path: Path = COVERAGE_FILE) -> CoverageMap:
    """Load and validate the coverage map (cached: it is read by every page of a build)."""
    return load_model(path, CoverageMap)
