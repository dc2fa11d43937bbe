"""Folder mode: every supported file under IN_DIR -> OUT_DIR/<sha256>/<variant>.jpg and a manifest.

Idempotent: an input whose hash the manifest records as done (with its files present) is skipped.
A corrupt or unsupported file is reported by name and recorded as failed; the others go on.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from gpu_worker.codecs import SUPPORTED_SUFFIXES
from gpu_worker.process import BatchProcessor
from gpu_worker.store import write_atomically

MANIFEST = "manifest.jsonl"


@dataclass(frozen=True)
class FolderSummary:
    """What one run did."""

    processed: int
    skipped: int
    failed: int
    seconds: float

    @property
    def photos_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def find_inputs(folder: Path) -> list[Path]:
    """Every file under `folder` whose suffix the worker reads, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)


def done_hashes(out_dir: Path) -> set[str]:
    """Hashes the manifest records as done and whose variants are all on disk."""
    manifest = out_dir / MANIFEST
    done: set[str] = set()
    if not manifest.exists():
        return done
    for line in manifest.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash; the input is simply processed again
        if entry.get("status") == "done" and all((out_dir / o).exists() for o in entry.get("outputs", [])):
            done.add(entry["hash"])
    return done


def _batches(paths: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(paths), size):
        yield paths[start : start + size]


def process_folder(in_dir: Path, out_dir: Path, processor: BatchProcessor, batch_size: int = 8) -> FolderSummary:
    """Process a folder; print a progress bar and one line per failure to stderr."""
    out_dir.mkdir(parents=True, exist_ok=True)
    already = done_hashes(out_dir)
    processed = skipped = failed = 0
    start = time.perf_counter()
    inputs = find_inputs(in_dir)
    with (out_dir / MANIFEST).open("a") as manifest, tqdm(total=len(inputs), unit="photo", file=sys.stderr) as bar:
        for batch in _batches(inputs, batch_size):
            items = []
            for path in batch:
                data = path.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if digest in already:
                    skipped += 1
                    bar.update(1)
                else:
                    items.append((str(path), data, digest))
            hashes = {key: digest for key, _, digest in items}
            for result in processor.process((key, data) for key, data, _ in items):
                digest = hashes[result.key]
                outputs = []
                if result.ok and result.variants is not None:
                    for variant, encoded in result.variants.items():
                        write_atomically(out_dir / digest / f"{variant}.jpg", encoded)
                        outputs.append(f"{digest}/{variant}.jpg")
                    processed += 1
                    already.add(digest)
                else:
                    failed += 1
                    tqdm.write(f"failed: {result.key}: {result.error}", file=sys.stderr)
                entry = {
                    "input": str(Path(result.key).relative_to(in_dir)),
                    "hash": digest,
                    "outputs": outputs,
                    "status": "done" if result.ok else "failed",
                    "error": result.error,
                }
                manifest.write(json.dumps(entry) + "\n")
                manifest.flush()
                bar.update(1)
    return FolderSummary(processed, skipped, failed, time.perf_counter() - start)
