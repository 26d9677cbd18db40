"""Loading the course's YAML data files with errors that say where the mistake is.

Every data file (the question bank, the contacts, the coverage map) is read
through `load_model`, so a trainer who mistypes a field is told the file, the
item and the field, never shown a raw traceback.
"""

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

# DataError lives with the other kinds of failure (canhgiac.errors); data readers import it from here too.
from canhgiac.errors import DataError

__all__ = ["DataError", "load_model", "read_yaml"]

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path) -> object:
    """Parse `path` as UTF-8 YAML, turning every failure into a DataError that names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{path}: không tìm thấy tệp") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: tệp không phải UTF-8 ({exc.reason} ở byte {exc.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: YAML không hợp lệ: {exc}") from None


def _describe(loc: tuple, data: object) -> str:
    """Turn pydantic's location ('questions', 3, 'answer') into 'questions › thu-doan-p04 › answer'.

    List items are named by their `id` when they have one, since that is what
    a person editing the file searches for; otherwise by their position.
    """
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and step < len(node):
            node = node[step]
            ident = node.get("id") if isinstance(node, dict) else None
            parts.append(str(ident) if ident else f"#{step + 1}")
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(str(step))
    return " › ".join(parts) or "toàn tệp"


def load_model(path: Path, model: type[M]) -> M:
    """Read `path` and validate it as `model`, or raise DataError naming file, item and field."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {_describe(tuple(err['loc']), data)}: {err['msg']}" for err in exc.errors()]
        raise DataError("\n".join(lines)) from None
