"""Folder mode: every photo under IN_DIR -> OUT_DIR/<sha256>/<variant>.jpg, and a manifest of what happened.

- Idempotent: an input whose hash the manifest records as done (with its files present) is skipped.
- Nothing aborts the gallery: a corrupt, unreadable or vanished photo, or a folder that cannot be
  listed, is named on stderr and in the manifest, and the others go on (exit 3 when any failed).
- JPEG, camera RAW/DNG, PNG, TIFF and HEIC/HEIF are processed; any other file is listed as skipped
  with its reason; hidden files (.DS_Store, ._*, .Trashes) are ignored and counted.
- OUT_DIR inside IN_DIR is left out of the scan, so a re-run never processes its own outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from tqdm import tqdm

from gpu_worker.formats import SUFFIXES, InputRejected, admit, bounded_groups, working_bytes
from gpu_worker.process import BatchProcessor
from gpu_worker.store import write_atomically

MANIFEST = "manifest.jsonl"
DEFAULT_BATCH_BYTES = 2 * 1024**3


class FolderError(Exception):
    """OUT_DIR cannot be used (the CLI prints it as one line and exits 2)."""


@dataclass
class Scan:
    """What is under IN_DIR: photos to process, files skipped and folders unlisted (with the reason), hidden files."""

    photos: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    unlisted: list[tuple[Path, str]] = field(default_factory=list)
    hidden: int = 0


@dataclass(frozen=True)
class FolderSummary:
    """What one run did."""

    processed: int
    already_done: int
    failed: int
    skipped: int  # not photos the worker reads (listed in the manifest with the reason)
    hidden: int  # hidden system files, ignored
    seconds: float

    @property
    def photos_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        return (
            f"{self.processed} photos processed, {self.already_done} already done, {self.failed} failed, "
            f"{self.skipped} skipped (not a supported photo), {self.hidden} hidden files ignored "
            f"in {self.seconds:.1f}s ({self.photos_per_second:.2f} photos/s)"
        )


def check_writable(out_dir: Path) -> None:
    """OUT_DIR exists (or is made) and takes a file; FolderError with the reason if not."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as exc:
        raise FolderError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None


def _hidden(name: str) -> bool:
    return name.startswith(".")


def scan(in_dir: Path, out_dir: Path) -> Scan:
    """What is under `in_dir`, OUT_DIR and hidden folders left out."""
    found = Scan()
    out = out_dir.resolve()

    def unreadable(error: OSError) -> None:
        found.unlisted.append((Path(error.filename or in_dir), f"cannot list folder: {error.strerror or error}"))

    for folder, folders, files in os.walk(in_dir, onerror=unreadable):
        here = Path(folder)
        found.hidden += sum(1 for name in folders if _hidden(name))
        folders[:] = sorted(n for n in folders if not _hidden(n) and (here / n).resolve() != out)
        for name in sorted(files):
            path = here / name
            suffix = path.suffix.lower()
            if _hidden(name):
                found.hidden += 1
            elif suffix in SUFFIXES:
                found.photos.append(path)
            else:
                found.skipped.append((path, f"unsupported format {suffix or '(no suffix)'}"))
    return found


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


@dataclass(frozen=True)
class _Ready:
    path: Path
    data: bytes  # what the pipeline reads
    digest: str  # of the file as it is in IN_DIR
    weight: int  # estimated working memory


class _Run:
    """One run over a scanned folder: writes the manifest and counts outcomes."""

    def __init__(self, in_dir: Path, out_dir: Path, manifest: IO[str], max_megapixels: float):
        self.in_dir, self.out_dir, self.manifest, self.max_megapixels = in_dir, out_dir, manifest, max_megapixels
        self.already = done_hashes(out_dir)
        self.processed = self.already_done = self.failed = 0

    def record(
        self, path: Path, status: str, digest: str = "", outputs: tuple[str, ...] = (), reason: str = ""
    ) -> None:
        if status == "failed":
            self.failed += 1
            tqdm.write(f"failed: {path}: {reason}", file=sys.stderr)
        entry: dict[str, object] = {
            "input": str(path.relative_to(self.in_dir)),
            "hash": digest,
            "outputs": list(outputs),
            "status": status,
        }
        entry["error"] = reason if status == "failed" else None
        if status == "skipped":
            entry["reason"] = reason
        self.manifest.write(json.dumps(entry) + "\n")
        self.manifest.flush()

    def ready(self, photos: list[Path], bar: tqdm) -> Iterator[_Ready]:
        """Photos read, hashed and admitted one at a time; the done, unreadable and refused are recorded."""
        for path in photos:
            try:
                original = path.read_bytes()
            except FileNotFoundError:
                self.record(path, "failed", reason="vanished before it could be read")
            except OSError as exc:
                self.record(path, "failed", reason=f"cannot read: {exc.strerror or exc}")
            else:
                digest = hashlib.sha256(original).hexdigest()
                if digest in self.already:
                    self.already_done += 1
                else:
                    try:
                        data, info = admit(original, path.name, self.max_megapixels)
                        yield _Ready(path, data, digest, working_bytes(info, len(data)))
                        continue
                    except InputRejected as exc:
                        self.record(path, "failed", digest, reason=str(exc))
            bar.update(1)

    def process(self, group: list[_Ready], processor: BatchProcessor, bar: tqdm) -> None:
        by_key = {str(r.path): r for r in group}
        for result in processor.process((key, r.data) for key, r in by_key.items()):
            ready = by_key[result.key]
            if result.ok and result.variants is not None:
                self._commit(ready, result.variants)
            else:
                self.record(ready.path, "failed", ready.digest, reason=result.error or "unknown error")
            bar.update(1)

    def _commit(self, ready: _Ready, variants: dict[str, bytes]) -> None:
        outputs = tuple(f"{ready.digest}/{variant}.jpg" for variant in variants)
        try:
            for output, encoded in zip(outputs, variants.values(), strict=True):
                write_atomically(self.out_dir / output, encoded)
        except OSError as exc:
            self.record(ready.path, "failed", ready.digest, reason=f"cannot write output: {exc.strerror or exc}")
            return
        self.processed += 1
        self.already.add(ready.digest)
        self.record(ready.path, "done", ready.digest, outputs)


def process_folder(
    in_dir: Path,
    out_dir: Path,
    processor: BatchProcessor,
    batch_size: int = 8,
    max_megapixels: float = 120.0,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> FolderSummary:
    """Process a folder; print a progress bar and one line per failure to stderr."""
    if out_dir.resolve() == in_dir.resolve():
        raise FolderError("OUT_DIR must not be IN_DIR (use a folder of its own, inside IN_DIR if you like)")
    check_writable(out_dir)
    start = time.perf_counter()
    found = scan(in_dir, out_dir)
    with (
        (out_dir / MANIFEST).open("a") as manifest,
        tqdm(total=len(found.photos), unit="photo", file=sys.stderr) as bar,
    ):
        run = _Run(in_dir, out_dir, manifest, max_megapixels)
        for path, reason in found.unlisted:
            run.record(path, "failed", reason=reason)
        for path, reason in found.skipped:
            run.record(path, "skipped", reason=reason)
        for group in bounded_groups(run.ready(found.photos, bar), lambda r: r.weight, batch_bytes, batch_size):
            run.process(group, processor, bar)
    return FolderSummary(
        run.processed, run.already_done, run.failed, len(found.skipped), found.hidden, time.perf_counter() - start
    )
