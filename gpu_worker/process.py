"""Photos in, encoded variants out, in batches: decoding and encoding overlap the device work.

Decoding (libjpeg-turbo, LibRaw) and JPEG encoding release the GIL, so a thread pool decodes the
next photos and encodes the previous ones while the device develops the current one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from gpu_worker.codecs import DecodedPhoto, DecodeError, decode, encode_jpeg
from gpu_worker.device import Device
from gpu_worker.photo import Options, StageTimes, render_variants


@dataclass(frozen=True)
class Result:
    """The outcome for one input: encoded variants, or the reason it failed."""

    key: str
    variants: dict[str, bytes] | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def process_bytes(device: Device, data: bytes, options: Options, times: StageTimes | None = None) -> dict[str, bytes]:
    """Decode, develop and encode one photo (raises DecodeError for unreadable input)."""
    pixels = render_variants(device, decode(data), options, times)
    return {variant: encode_jpeg(image, options.quality) for variant, image in pixels.items()}


class BatchProcessor:
    """Processes batches of (key, bytes) with decode and encode overlapping the device work."""

    def __init__(self, device: Device, options: Options, threads: int = 4):
        self.device = device
        self.options = options
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="codec")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> BatchProcessor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def process(self, items: Iterable[tuple[str, bytes]]) -> Iterator[Result]:
        """Results in input order; a photo that fails is reported and the others go on."""
        decoding = [(key, self._pool.submit(decode, data)) for key, data in items]
        encoding: list[tuple[str, Future[dict[str, bytes]] | None, str | None]] = []
        for key, decoded in decoding:
            try:
                photo: DecodedPhoto = decoded.result()
                pixels = render_variants(self.device, photo, self.options)
            except DecodeError as exc:
                encoding.append((key, None, str(exc)))
                continue
            except Exception as exc:
                encoding.append((key, None, f"{type(exc).__name__}: {exc}"))
                continue
            encoding.append((key, self._pool.submit(self._encode_all, pixels), None))
        for key, encoded, error in encoding:
            yield Result(key, encoded.result(), None) if encoded is not None else Result(key, None, error)

    def _encode_all(self, pixels: dict) -> dict[str, bytes]:
        return {variant: encode_jpeg(image, self.options.quality) for variant, image in pixels.items()}
