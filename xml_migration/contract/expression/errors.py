"""The error raised for an expression that cannot be compiled (spec §14.4)."""

from __future__ import annotations


class ExpressionError(ValueError):
    """A syntax or type error in an expression, located by line and column (1-based).

    `str()` gives the message, the position, the offending line of the expression and a
    caret under the offending token.
    """

    def __init__(self, message: str, source: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        lines = self.source.split("\n")
        text = lines[self.line - 1].rstrip("\r") if self.line <= len(lines) else ""
        indent = "".join("\t" if char == "\t" else " " for char in text[: self.column - 1])
        return f"{self.message} (line {self.line}, column {self.column})\n    {text}\n    {indent}^"
