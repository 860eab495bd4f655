"""Progress for long work: a bar on a terminal, a plain line every few seconds otherwise.

Ingest, eval, bench and questionnaire batches run for minutes. On a terminal a rich bar shows
how far they are; when the output goes to a log (a service, CI, ``| tee``) a bar would be
invisible, so a line with the counts, the rate and the time left is written instead, at most
once every ``LINE_EVERY_S`` seconds, and once more at the end. A heartbeat writes the line on
time even while one long step (a large PDF being embedded) makes no update, so a log never
falls silent for minutes.

Example::

    with Progress("ingesting") as bar:
        for number, path in enumerate(files, start=1):
            bar.update(number, len(files), note=path)
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable, TextIO

# One log line per 5 s: a run can be seen to move, and a 10-minute ingest writes 120 lines, not
# one per file (a corpus of thousands of files would flood the log).
LINE_EVERY_S = 5.0
NOTE_CHARS = 80            # a long path or pipeline name is cut to this in log lines


def clock_text(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """``update(done, total, note)`` or ``advance(note=...)``; a context manager."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None,
                 terminal: bool | None = None, clock: Callable[[], float] = time.monotonic,
                 heartbeat: bool = True):
        self.label, self.total, self.done, self.note = label, total, 0, ""
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty() if terminal is None else terminal
        self.clock = clock
        self.started = self.last_line = clock()
        self._bar = self._task = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, daemon=True) if heartbeat and not self.terminal \
            else None

    def __enter__(self) -> "Progress":
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn(f"{self.label} [dim]{{task.description}}"), BarColumn(),
                            MofNCompleteColumn(), TimeRemainingColumn(), transient=True,
                            console=Console(file=self.stream, force_terminal=True))
            self._bar.start()
            self._task = self._bar.add_task("", total=self.total)
        elif self._beat is not None:
            self._beat.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._beat is not None and self._beat.is_alive():
            self._beat.join()
        if self._bar is not None:
            self._bar.stop()
        elif exc[0] is None:          # finished without an error: all of the work is done
            self.done = self.total or self.done
            self._write(final=True)

    def say(self, message: str) -> None:
        """A line of its own (above the bar on a terminal), e.g. the stage a run has reached."""
        if self._bar is not None:
            self._bar.console.print(message, markup=False, highlight=False)
        else:
            with self._lock:
                self.stream.write(message + "\n")
                self.stream.flush()

    def advance(self, steps: int = 1, note: str = "") -> None:
        self.update(self.done + steps, note=note)

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self.done, self.note = done, note or self.note
        self.total = total if total is not None else self.total
        if self._bar is not None:
            from rich.markup import escape

            self._bar.update(self._task, completed=done, total=self.total, description=escape(self.note))
        elif self.clock() - self.last_line >= LINE_EVERY_S:
            self._write()

    def line(self, final: bool = False) -> str:
        """The log line: counts, percent, rate, time left (or taken, at the end) and the note."""
        elapsed = self.clock() - self.started
        counts = f"{self.done}/{self.total}" if self.total else str(self.done)
        parts = [f"{self.label}: {counts}"]
        if self.total:
            parts.append(f"{100 * self.done / self.total:.0f}%")
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if final:
            parts.append(f"done in {clock_text(elapsed)}")
        else:
            parts.append(f"{rate:.1f}/s")
            if self.total and rate > 0:
                parts.append(f"ETA {clock_text((self.total - self.done) / rate)}")
        note = self.note if len(self.note) <= NOTE_CHARS else "…" + self.note[-NOTE_CHARS:]
        return ", ".join(parts) + (f" ({note})" if note and not final else "")

    def _heartbeat(self) -> None:
        while not self._stop.wait(LINE_EVERY_S / 5):
            if self.clock() - self.last_line >= LINE_EVERY_S:
                self._write()

    def _write(self, final: bool = False) -> None:
        with self._lock:
            self.last_line = self.clock()
            self.stream.write(self.line(final) + "\n")
            self.stream.flush()
