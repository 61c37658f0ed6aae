"""Sentence embeddings with m3e-small (sentence-transformers), batched, unit length.

m3e-small is the Chinese model that installs offline (../shared/MODELS.md: ROC AUC 0.845 for
"same question" on BQ, against 0.739 for character TF-IDF). Vectors are L2-normalised so a dot
product is the cosine. Caching is the caller's business (`warehouse.topics` keys a DuckDB
table by `text_key`), which keeps this module free of storage.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np


def text_key(text: str) -> str:
    """sha256 of the exact text that is embedded: with the model name, the cache key."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def batches(lengths: list[int], batch_size: int, batch_chars: int) -> list[list[int]]:
    """Indices of the texts, longest first, cut into batches of at most `batch_size` texts whose padded size (texts x
    the longest one's characters) stays within `batch_chars` (0: by count alone); a text longer than the budget is a
    batch of its own.

    Why: a batch is padded to its longest text and attention grows with the square of its length: 64 call texts of
    500 characters are one batch of ~0.5 GB of attention scores a layer, slower per text on two cores than batches
    of four (bench/bench_embed.py: 11.7 -> 16.1 calls a second at 2048 characters, questions 95 -> 135). Chinese
    text is about a token a character, so characters bound tokens. Padding is masked: the vectors are the same
    whatever the batching (to 1e-7).
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    out: list[list[int]] = []
    for i in order:
        if out and len(out[-1]) < batch_size and \
                (not batch_chars or (len(out[-1]) + 1) * max(1, lengths[out[-1][0]]) <= batch_chars):
            out[-1].append(i)
        else:
            out.append([i])
    return out


class Embedder:
    def __init__(self, model_dir: str | Path, name: str, batch_size: int = 64, threads: int = 0,
                 batch_chars: int = 0):
        from callintel.model_files import hub_offline

        hub_offline()
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        self.name = name
        self.batch_size = batch_size
        self.batch_chars = batch_chars
        self.model = SentenceTransformer(str(model_dir), device="cpu")
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dim() or 512)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) float32, unit rows; an empty list gives an empty (0, dim) array."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        cap = int(getattr(self.model, "max_seq_length", 0) or 0) or None   # longer texts are cut to it
        for batch in batches([min(len(t), cap or len(t)) for t in texts], self.batch_size, self.batch_chars):
            out[batch] = self.model.encode([texts[i] for i in batch], batch_size=len(batch), normalize_embeddings=True,
                                           convert_to_numpy=True, show_progress_bar=False)
        return out


@lru_cache(maxsize=2)
def load_embedder(model_dir: str, name: str, batch_size: int = 64, threads: int = 0, batch_chars: int = 0) -> Embedder:
    """Loading takes seconds; one per process is enough."""
    return Embedder(model_dir, name, batch_size, threads, batch_chars)


def embedder_from_settings(settings) -> Embedder:
    """The [topics].model embedder, loaded from its installed package (never from a hub)."""
    from callintel.model_files import embedding_model_dir

    cfg = settings["topics"]
    name = cfg["model"]
    return load_embedder(str(embedding_model_dir(settings, name)), name, int(cfg["embed_batch_size"]),
                         int(cfg["embed_threads"]), int(cfg["embed_batch_chars"]))


def embed_missing(texts: dict[str, str], cached: dict[str, np.ndarray], settings) -> dict[str, np.ndarray]:
    """Vectors for the texts (text_key -> text) the cache lacks, in key order: what a step's store caches."""
    todo = sorted((k, t) for k, t in texts.items() if k not in cached)
    if not todo:
        return {}
    encoded = embedder_from_settings(settings).encode([t for _, t in todo])
    return {k: v for (k, _), v in zip(todo, encoded, strict=True)}
