"""Reading a course's nbgrader_config.py, with a Vietnamese message for every mistake a trainer may make in it.

The file is Python, run as nbgrader runs it.  A mistake in it (`0,8` for
`0.8`, `80` for a share, `"moi-nhat"` for `"latest"`, a word without quotes,
a missing quote) would otherwise end a trainer command in a traceback: here
it becomes a CourseConfigError that names the file, the line or the setting,
what is allowed, and an example.
"""

import traceback
from pathlib import Path
from typing import TypeVar

from traitlets import Bool, Enum, Float, Integer, TraitError, Unicode
from traitlets.config import Config, Configurable, PyFileConfigLoader

from canhgiac.datafile import DataError

C = TypeVar("C", bound=Configurable)


class CourseConfigError(DataError):
    """The course's nbgrader_config.py cannot be run, or one of its settings is not allowed."""


def load_config(path: Path) -> Config:
    """Run the configuration file `path` as nbgrader does; a mistake becomes a CourseConfigError."""
    try:
        return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    except SyntaxError as exc:
        line = (exc.text or "").strip()
        shown = f": {line}" if line else ""
        raise CourseConfigError(
            f"{path}, dòng {exc.lineno}: câu lệnh viết sai{shown}\n"
            "Kiểm tra dấu ngoặc kép, dấu ngoặc đơn và dấu = trên dòng đó: một chuỗi chữ nằm giữa hai dấu "
            'ngoặc kép, ví dụ c.CourseRules.attempt = "best".'
        ) from None
    except NameError as exc:
        raise CourseConfigError(
            f"{path}, {_line_of(exc, path)}: không hiểu từ `{exc.name}`.\n"
            'Một chuỗi chữ phải nằm giữa hai dấu ngoặc kép, ví dụ "best"; đúng, sai viết là True, False '
            "(chữ đầu viết hoa)."
        ) from None
    except OSError as exc:
        raise CourseConfigError(f"{path}: không đọc được tệp ({exc.strerror or exc}).") from None
    except Exception as exc:  # the file is Python: anything may go wrong in it
        raise CourseConfigError(
            f"{path}, {_line_of(exc, path)}: lỗi khi chạy tệp cấu hình ({exc.__class__.__name__}: {exc})."
        ) from None


def _line_of(exc: BaseException, path: Path) -> str:
    """'dòng 3: c.CourseRules.attempt = best', the line of `path` where `exc` was raised."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if not frames:
        return "dòng ?"
    return f"dòng {frames[-1].lineno}: {frames[-1].line}" if frames[-1].line else f"dòng {frames[-1].lineno}"


def _shown(value: object) -> str:
    """A value as it would be written in the file: "moi-nhat" in double quotes, (0, 8) as a tuple."""
    return '"' + value.replace('"', '\\"') + '"' if isinstance(value, str) else repr(value)


def configured(cls: type[C], config: Config, path: Path) -> C:
    """`cls` configured from `config`, read from `path`; an unknown or invalid setting is a CourseConfigError."""
    section = config.get(cls.__name__, {}) if cls.__name__ in config else {}
    known = cls.class_traits(config=True)
    problems = []
    for name, value in section.items():
        trait = known.get(name)
        if trait is None:
            problems.append(
                f"c.{cls.__name__}.{name}: không có thiết lập này. Các thiết lập của {cls.__name__}: "
                f"{', '.join(sorted(known))}."
            )
            continue
        try:
            cls(config=Config({cls.__name__: {name: value}}))
        except TraitError:
            problems.append(f"c.{cls.__name__}.{name} = {_shown(value)}: {allowed(name, trait, value)}")
    if problems:
        raise CourseConfigError(
            f"{path}: thiết lập không hợp lệ:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return cls(config=config)


def _number(value: float) -> str:
    return f"{value:g}"


def allowed(name: str, trait, value: object) -> str:
    """What `name` accepts, with an example, and a hint for the usual mistakes."""
    default = trait.default_value
    if isinstance(trait, Float | Integer):
        kind = "số nguyên" if isinstance(trait, Integer) else "số"
        low, high = getattr(trait, "min", None), getattr(trait, "max", None)
        if low is not None and high is not None:
            text = f"{name} phải là {kind} từ {_number(low)} đến {_number(high)}"
        elif low is not None:
            text = f"{name} phải là {kind} từ {_number(low)} trở lên"
        else:
            text = f"{name} phải là {kind}"
        text += f", ví dụ {_number(default)}."
        if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value):
            text += (
                f" Có lẽ đã viết {value[0]},{value[1]}: trong tệp này, số thập phân viết với dấu chấm: "
                f"{value[0]}.{value[1]}."
            )
        elif isinstance(value, str):
            text += " Số viết không có dấu ngoặc kép."
        elif isinstance(value, int | float) and high == 1 and 1 < value <= 100:
            text += f" Đây là tỷ lệ, không phải phần trăm: {_number(value)}% viết là {_number(value / 100)}."
        return text
    if isinstance(trait, Enum):
        choices = ", ".join(f'"{v}"' for v in trait.values)
        return f'{name} phải là một trong: {choices} (có dấu ngoặc kép), ví dụ "{default}".'
    if isinstance(trait, Bool):
        return f"{name} phải là True hoặc False (chữ đầu viết hoa, không có dấu ngoặc kép), ví dụ {default}."
    if isinstance(trait, Unicode):
        return f'{name} phải là một chuỗi chữ giữa hai dấu ngoặc kép, ví dụ "{default}".'
    return f"giá trị không dùng được cho {name}."
