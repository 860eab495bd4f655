"""Replace a derived directory (the BM25 index, the vector view) without a reader seeing half of it.

Ingestion and every serving process may write one at once (each rebuilds when the catalog moved
on), so each fills a temporary directory of its own and renames it into place; when another
writer's copy landed first, this one is dropped (the generation check rebuilds whichever is stale).

Example::

    swap_in(data_dir / "vectors", lambda tmp: np.save(tmp / "vectors.npy", matrix))
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from pathlib import Path
from typing import Callable


def swap_in(directory: Path, fill: Callable[[Path], None]):
    own = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
    tmp = directory.with_name(f"{directory.name}.tmp-{own}")
    tmp.mkdir(parents=True)
    try:
        fill(tmp)
        old = directory.with_name(f"{directory.name}.old-{own}")
        try:
            directory.rename(old)
        except FileNotFoundError:
            pass
        try:
            tmp.rename(directory)
        except OSError:             # another writer swapped its copy in meanwhile
            pass
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
