"""Problems found in a contract, reported all at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContractProblem:
    """One thing wrong with a contract: where it is and what is wrong.

    `location` names the place, e.g. `mappings[12] (app_contact_base.first_name)` or
    `element_filtering.filter_rules[0]`; `key` is the offending key when there is one.
    """

    location: str
    message: str
    key: str | None = None

    def __str__(self) -> str:
        where = f"{self.location}, key '{self.key}'" if self.key else self.location
        return f"{where}: {self.message}"


class ContractError(ValueError):
    """A contract that cannot be used; `problems` lists every problem found."""

    def __init__(
        self, problems: list[ContractProblem], warnings: tuple[str, ...] = (), source: str = ""
    ) -> None:
        self.problems = tuple(problems)
        self.warnings = warnings
        self.source = source
        heading = f"contract {source} is invalid" if source else "contract is invalid"
        lines = [f"{heading} ({len(self.problems)} problem(s)):"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))
