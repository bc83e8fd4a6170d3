"""One progress helper for every long piece of work: rich bars when asked for, silence otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Progress"]


class Progress:
    """Progress bars on stderr (rich) when ``show``; every call is a no-op otherwise.

    ``unit="items"`` counts steps (cities: "12/48"); ``unit="bytes"`` shows sizes and transfer
    speed (downloads), fed with :meth:`update`.

    >>> p = Progress(show=False)
    >>> with p.bars():
    ...     t = p.task("cities", total=3)
    ...     p.advance(t)
    """

    def __init__(self, show: bool, unit: str = "items"):
        if unit not in ("items", "bytes"):
            raise ValueError(f"unit must be 'items' or 'bytes', not {unit!r}")
        self.show = show
        self.unit = unit
        self._p: Any = None

    @contextmanager
    def bars(self) -> Iterator[Progress]:
        if not self.show:
            yield self
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as _Rich

        middle = ((DownloadColumn(), TransferSpeedColumn()) if self.unit == "bytes"
                  else (MofNCompleteColumn(), TimeElapsedColumn()))
        with _Rich(TextColumn("{task.description}"), BarColumn(), *middle, TimeRemainingColumn(),
                   console=Console(stderr=True), transient=False) as p:
            self._p = p
            yield self
        self._p = None

    def task(self, description: str, total: int | None) -> Any:
        return self._p.add_task(description, total=total) if self._p is not None else None

    def advance(self, task: Any, description: str | None = None, n: int = 1) -> None:
        if self._p is not None and task is not None:
            self._p.update(task, advance=n,
                           **({"description": description} if description else {}))

    def update(self, task: Any, completed: int, total: int | None) -> None:
        """Set a task's progress (``completed`` of ``total``; None = unknown)."""
        if self._p is not None and task is not None:
            self._p.update(task, completed=completed, total=total)

    def note(self, message: str) -> None:
        """A line printed above the bars (nothing when they are not shown)."""
        if self._p is not None:
            self._p.console.print(message)
