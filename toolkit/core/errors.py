"""Errors a user can cause. The CLI prints each as one line and exits 2.

Format: ``<what is wrong> (<file>[, row N][, column X])`` – the location part only lists what is
known. Row numbers are 1-based data rows as a spreadsheet user counts them (header = row 1).
"""

from __future__ import annotations

from os import PathLike


class ToolkitError(Exception):
    """Base class of every user-facing error."""

    def __init__(
        self,
        message: str,
        file: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{self.message} ({', '.join(where)})" if where else self.message

    def at(self, file: str | PathLike[str] | None) -> "ToolkitError":
        """Attach the file name when the raising code did not know it."""
        if self.file is None and file is not None:
            self.file = str(file)
            self.args = (str(self),)
        return self


class InputError(ToolkitError):
    """An input file is missing, unreadable or in an unsupported format."""


class DataError(ToolkitError):
    """The data do not satisfy what the analysis needs (missing column, bad codes, …)."""


class ConfigError(ToolkitError):
    """A codebook, margins, definitions or wave file is invalid."""


class ConvergenceError(ToolkitError):
    """An iterative procedure did not converge."""


class OutputError(ToolkitError):
    """An output cannot be written safely (e.g. it would overwrite an input)."""


class ToolkitWarning(UserWarning):
    """Something the user should know but that does not stop the run; the CLI prints it as
    one line `warning: …`."""
