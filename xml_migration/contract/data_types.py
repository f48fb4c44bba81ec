"""What a mapping's `data_type` and `data_length` declare (spec §4, §12, §19.1, §19.2, D19).

`data_type` is one of the names of §4 or a SQL Server spelling of one of them
(`varchar(10)`, `decimal(12,2)`, `money`, …); `data_length` is a length, a decimal scale,
or no limit (`-1`, `"max"`). `declare_type` turns both into one `DeclaredType` and lists
what is wrong with them, so that nothing about types is left to decide when a document is
mapped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xml_migration.contract.tables import DataType

NO_LIMIT = -1
"""The `data_length` that means no length limit (`-1`, `"-1"` and `"max"` load as it)."""
DEFAULT_DECIMAL_SCALE = 2
DEFAULT_DECIMAL_PRECISION = 18
MAX_DECIMAL_PRECISION = 38
MAX_DATETIME2_DIGITS = 7

_SPELLING = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9_]*)(?:\((?P<arguments>[^()]*)\))?")
_TEXT_TYPES = frozenset({"varchar", "nvarchar", "char", "nchar"})
_UNLIMITED_TEXT_TYPES = frozenset({"text", "ntext"})
_DECIMAL_TYPES = frozenset({"decimal", "numeric"})
_NAMES = tuple(data_type.value for data_type in DataType)
ACCEPTED_SPELLINGS = (
    *_NAMES,
    "varchar(n)",
    "nvarchar(n)",
    "char(n)",
    "nchar(n)",
    "varchar(max)",
    "nvarchar(max)",
    "text",
    "ntext",
    "decimal(p,s)",
    "numeric(p,s)",
    "numeric",
    "money",
    "integer",
    "datetime2",
    "datetime2(n)",
)
"""Every accepted `data_type` form, as error messages list them."""


@dataclass(frozen=True, slots=True)
class DeclaredType:
    """The type one mapping declares.

    `length` is the character limit of a string column (None: no limit); for other types it
    is the `data_length` as written, which a row-creating value converted as text obeys
    (D14). `unlimited` tells that the mapping asked for no limit (§19.2). `scale` and
    `precision` describe a decimal column (`precision` None: not declared). `written` is the
    `data_type` as the contract spells it.
    """

    data_type: DataType
    written: str
    length: int | None = None
    unlimited: bool = False
    scale: int = DEFAULT_DECIMAL_SCALE
    precision: int | None = None

    @property
    def respelled(self) -> bool:
        """Whether the contract spells the type otherwise than its §4 name."""
        return self.written != self.data_type.value

    def describe(self) -> str:
        """The declared type in the words of §4, e.g. `string, no length limit`."""
        if self.data_type is DataType.STRING:
            if self.length is None:
                return "string, no length limit"
            return f"string, data_length {self.length}"
        if self.data_type is DataType.DECIMAL:
            precision = self.precision or DEFAULT_DECIMAL_PRECISION
            return f"decimal, precision {precision}, scale {self.scale}"
        return self.data_type.value


@dataclass(frozen=True, slots=True)
class TypeProblem:
    """What is wrong with a mapping's type, and the key it is about."""

    key: str
    message: str


@dataclass(frozen=True, slots=True)
class _Spelling:
    """What a `data_type` spelling says by itself; None fields leave `data_length` to decide."""

    data_type: DataType
    length: int | None = None
    unlimited: bool = False
    scale: int | None = None
    precision: int | None = None


def _whole(argument: str) -> int | None:
    return int(argument) if argument.isascii() and argument.isdigit() else None


def _not_accepted(written: str) -> TypeProblem:
    return TypeProblem(
        "data_type",
        f"{written!r} is not an accepted data_type; write one of {', '.join(ACCEPTED_SPELLINGS)}",
    )


def _spelling(written: str) -> _Spelling | TypeProblem:
    """The meaning of a `data_type` spelling by itself (§19.1)."""
    match = _SPELLING.fullmatch(written.strip())
    if match is None:
        return _not_accepted(written)
    name = match["name"].lower()
    raw = match["arguments"]
    arguments = None if raw is None else [argument.strip() for argument in raw.split(",")]
    if arguments is None:
        if name in _NAMES:
            return _Spelling(DataType(name))
        if name in _UNLIMITED_TEXT_TYPES:
            return _Spelling(DataType.STRING, unlimited=True)
        if name == "money":
            return _Spelling(DataType.DECIMAL, scale=4, precision=19)
        if name == "integer":
            return _Spelling(DataType.INT)
        if name == "numeric":
            return _Spelling(DataType.DECIMAL)
        if name == "datetime2":
            return _Spelling(DataType.DATETIME)
        return _not_accepted(written)
    numbers = [_whole(argument) for argument in arguments]
    if name in _TEXT_TYPES and len(arguments) == 1:
        if arguments[0].lower() == "max" and name in ("varchar", "nvarchar"):
            return _Spelling(DataType.STRING, unlimited=True)
        if numbers[0] is not None and numbers[0] >= 1:
            return _Spelling(DataType.STRING, length=numbers[0])
        return TypeProblem("data_type", f"{written!r}: the length must be a whole number >= 1")
    if name in _DECIMAL_TYPES and 1 <= len(arguments) <= 2:
        precision, scale = numbers[0], (numbers[1] if len(numbers) == 2 else 0)
        if (
            precision is None
            or scale is None
            or not 1 <= precision <= MAX_DECIMAL_PRECISION
            or scale > precision
        ):
            return TypeProblem(
                "data_type",
                f"{written!r}: write {name}(p,s) with 1 <= p <= {MAX_DECIMAL_PRECISION} and "
                "0 <= s <= p",
            )
        return _Spelling(DataType.DECIMAL, scale=scale, precision=precision)
    if name == "datetime2" and len(arguments) == 1:
        if numbers[0] is None or numbers[0] > MAX_DATETIME2_DIGITS:
            return TypeProblem(
                "data_type",
                f"{written!r}: the fractional second digits must be 0 to {MAX_DATETIME2_DIGITS}",
            )
        return _Spelling(DataType.DATETIME)
    return _not_accepted(written)


def _length_text(length: int | None, unlimited: bool) -> str:
    return "no limit" if unlimited else str(length)


def declare_type(written: str, data_length: int | None) -> DeclaredType | TypeProblem:
    """The type a mapping's `data_type` and `data_length` declare together (§19.1, §19.2).

    `data_length` is the model's value: None, a whole number, or `NO_LIMIT`.
    """
    spelling = _spelling(written)
    if isinstance(spelling, TypeProblem):
        return spelling
    data_type = spelling.data_type
    unlimited_length = data_length == NO_LIMIT
    if data_type is DataType.STRING:
        spelled = spelling.unlimited or spelling.length is not None
        if (
            data_length is not None
            and spelled
            and (spelling.unlimited, spelling.length) != (unlimited_length, data_length)
            and not (spelling.unlimited and unlimited_length)
        ):
            return TypeProblem(
                "data_type",
                f"data_type {written!r} says length "
                f"{_length_text(spelling.length, spelling.unlimited)} but data_length says "
                f"{_length_text(data_length, unlimited_length)}; they must agree "
                "(or leave data_length out)",
            )
        if data_length == 0:
            return TypeProblem(
                "data_length", "0 is not a length; write a length >= 1, or -1 / 'max' for no limit"
            )
        unlimited = spelling.unlimited or unlimited_length
        length = None if unlimited else (spelling.length or data_length)
        return DeclaredType(data_type, written, length, unlimited)
    if data_type is DataType.DECIMAL:
        if unlimited_length:
            return TypeProblem(
                "data_length",
                "a decimal's data_length is its scale (decimal places); -1 / 'max' (no limit) "
                "applies to string columns only",
            )
        if data_length is not None and spelling.scale is not None and data_length != spelling.scale:
            return TypeProblem(
                "data_type",
                f"data_type {written!r} says scale {spelling.scale} but data_length says "
                f"{data_length}; they must agree (or leave data_length out)",
            )
        if spelling.scale is not None:
            scale = spelling.scale
        else:
            scale = DEFAULT_DECIMAL_SCALE if data_length is None else data_length
        return DeclaredType(
            data_type,
            written,
            length=data_length,
            scale=scale,
            precision=spelling.precision,
        )
    return DeclaredType(
        data_type,
        written,
        length=None if unlimited_length else data_length,
        unlimited=unlimited_length,
    )
