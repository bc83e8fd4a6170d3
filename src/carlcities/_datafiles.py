"""Reading a data file: the one packaged with carlcities, or the user's in its place."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import CarlError, InputFileError

__all__ = ["read_data_text"]


def read_data_text(path: str | Path | None, packaged: str, what: str, *,
                   package: str = "carlcities", error: type[CarlError] = InputFileError
                   ) -> tuple[str, str]:
    """Text of ``path``, or of the packaged ``package``/``packaged`` when ``path`` is None,
    and the name to cite in messages. An unreadable ``path`` raises ``error`` naming the file
    and ``what`` it should hold."""
    if path is None:
        ref = resources.files(package).joinpath(*packaged.split("/"))
        return ref.read_text(encoding="utf-8"), f"{package.replace('.', '/')}/{packaged}"
    try:
        return Path(path).read_text(encoding="utf-8"), str(path)
    except OSError as exc:
        raise error(f"cannot read the {what} ({exc})", path=path,
                    fix="check the path") from None
