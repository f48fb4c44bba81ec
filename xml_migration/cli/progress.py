"""Progress bars of long commands: shown on a terminal, absent when output is redirected."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class PerMinuteColumn(ProgressColumn):
    """Items completed per minute of elapsed time, e.g. `5,400/min`."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        if elapsed <= 0 or not task.completed:
            return Text("-/min", style="progress.data.speed")
        return Text(f"{task.completed * 60 / elapsed:,.0f}/min", style="progress.data.speed")


class ProgressBar:
    """A bar on the terminal: `update` sets how many items are done, `advance` adds some."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def update(self, completed: int) -> None:
        self._progress.update(self._task, completed=completed)

    def advance(self, amount: int) -> None:
        self._progress.advance(self._task, amount)


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False


@contextmanager
def progress_bar(
    description: str, total: int | None, *, unit: str = "documents", stream: TextIO | None = None
) -> Iterator[ProgressBar | None]:
    """A transient bar (done/total, items per minute, elapsed and remaining time) on `stream`
    (default standard output) when it is a terminal; None otherwise, so that redirected
    output holds only the command's results."""
    stream = stream or sys.stdout
    if not is_terminal(stream):
        yield None
        return
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        PerMinuteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=stream), transient=True) as progress:
        yield ProgressBar(progress, progress.add_task(description, total=total))


class TerminalProgress:
    """Section lines and counting bars on standard error, only when it is a terminal."""

    def __init__(self) -> None:
        self._shown = is_terminal(sys.stderr)
        self._console = Console(file=sys.stderr)

    def section(self, message: str) -> None:
        if self._shown:
            self._console.print(f"[dim]… {message}[/]")

    @contextmanager
    def counting(self, description: str, total: int) -> Iterator[Callable[[int], None] | None]:
        with progress_bar(description, total, stream=sys.stderr) as bar:
            yield None if bar is None else bar.advance
