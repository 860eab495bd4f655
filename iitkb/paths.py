"""Where an indexed file lives: stored paths are relative to the project when inside it.

The catalog records each document's path as ``stored_path`` makes it, so an index built in one
clone still finds its files in another; ``resolve_stored`` is the way back, used by ingestion
(is the file still there?), the source route and the baselines alike.
"""

from __future__ import annotations

from pathlib import Path

from iitkb.settings import PROJECT_ROOT


def stored_path(path: Path) -> str:
    """The form a path is recorded in: relative to the project when inside it, else absolute."""
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(resolved)


def resolve_stored(stored: str) -> Path:
    """The absolute path a recorded path stands for."""
    path = Path(stored)
    return path if path.is_absolute() else PROJECT_ROOT / path


def on_disk(stored: str) -> bool:
    return resolve_stored(stored).exists()


def is_inside(path: Path, roots: list[Path]) -> bool:
    """Whether ``path``, with every link resolved, lies inside one of ``roots`` (also resolved)."""
    resolved = Path(path).resolve()
    return any(resolved == r or r in resolved.parents for r in (Path(root).resolve() for root in roots))
