"""What an input is, read from its header before anything is decoded: its format, its size, whether to take it.

- The pixel limit is checked from the header alone (Pillow opens lazily; LibRaw's open parses only
  metadata), so a 200 MP file is refused without allocating its pixels.
- PNG, TIFF and HEIC/HEIF (phones) reach the pipeline as a JPEG at quality 100 without chroma
  subsampling: oriented, in sRGB (an embedded ICC profile is converted), transparency over white.
  The pipeline's own decoder reads JPEG and camera RAW; this bridge keeps the formats it does not read
  to one module. HEIF is read with pi-heif (libheif and libde265, LGPLv3; no encoder, no GPL x265).
- `working_bytes` estimates the memory one photo takes in flight, so a batch is bounded by bytes.
"""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from typing import TypeVar

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

DEFAULT_MAX_MEGAPIXELS = 120.0
# Peak memory of one photo in the CPU pipeline, per pixel: decoded frame, float working copies and the
# variants. Measured on a 2-core x86 VM: 39 B/px for a 12 MP JPEG, 68 B/px for a 6 MP DNG; the test
# tests/test_formats.py::test_the_working_memory_estimate_covers_real_photos fails if a photo outgrows it.
WORKING_BYTES_PER_PIXEL = 72
TRANSCODE_QUALITY = 100
T = TypeVar("T")


class Format(StrEnum):
    JPEG = "JPEG"
    RAW = "RAW"  # a camera RAW / DNG, read by LibRaw
    PNG = "PNG"
    TIFF = "TIFF"
    HEIF = "HEIF"


RAW_SUFFIXES = frozenset({".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"})
SUFFIXES: dict[str, Format] = {
    ".jpg": Format.JPEG,
    ".jpeg": Format.JPEG,
    ".png": Format.PNG,
    ".tif": Format.TIFF,
    ".tiff": Format.TIFF,
    ".heic": Format.HEIF,
    ".heif": Format.HEIF,
    ".hif": Format.HEIF,
    **dict.fromkeys(RAW_SUFFIXES, Format.RAW),
}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


class InputRejected(ValueError):
    """The input is not one the worker will process (unsupported, unreadable header, over the pixel limit).

    Retrying cannot help: a job failing with this is dead-lettered at once.
    """


class _TooLargeForPillow(InputRejected):
    """Pillow's own guard refused to open it (over twice Image.MAX_IMAGE_PIXELS)."""


@dataclass(frozen=True)
class PhotoInfo:
    """What the header says."""

    format: Format
    width: int
    height: int

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


def sniff(data: bytes, name: str) -> Format:
    """The format from the magic bytes (JPEG, PNG, HEIF) or else the name's suffix (TIFF vs TIFF-based RAWs)."""
    if data[:3] == b"\xff\xd8\xff":
        return Format.JPEG
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return Format.PNG
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return Format.HEIF
    by_suffix = SUFFIXES.get(PurePosixPath(name).suffix.lower())
    if by_suffix in (Format.TIFF, Format.RAW):
        return by_suffix
    if by_suffix is not None:
        raise InputRejected(f"not a readable {by_suffix} file (its first bytes say otherwise)")
    raise InputRejected(f"unsupported format {PurePosixPath(name).suffix or '(no suffix)'}")


def _open_heif_support() -> None:
    import pi_heif

    pi_heif.register_heif_opener()


def _open(data: bytes, fmt: Format) -> Image.Image:
    if fmt == Format.HEIF:
        _open_heif_support()
    with warnings.catch_warnings():  # our own limit applies, not Pillow's global one
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data), formats=[fmt.value])
        except Image.DecompressionBombError as exc:
            raise _TooLargeForPillow(str(exc)) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise InputRejected(f"not a readable {fmt} file: {exc}") from None


_PILLOW_GUARD = threading.Lock()


def _size_past_pillows_guard(data: bytes, fmt: Format) -> tuple[int, int]:
    """The size of an image Pillow refuses to open (over twice its MAX_IMAGE_PIXELS), read from the header
    with that guard lifted for this one lazy open; our own limit then refuses it with its real size."""
    with _PILLOW_GUARD:
        saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            with Image.open(io.BytesIO(data), formats=[fmt.value]) as image:
                return image.size
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def inspect(data: bytes, name: str) -> PhotoInfo:
    """Format and size from the header only (no pixels are decoded)."""
    fmt = sniff(data, name)
    if fmt == Format.RAW:
        import rawpy

        try:
            with rawpy.imread(io.BytesIO(data)) as raw:  # LibRaw's open_buffer: metadata, not the mosaic
                return PhotoInfo(fmt, raw.sizes.raw_width, raw.sizes.raw_height)
        except rawpy.LibRawError as exc:
            raise InputRejected(f"not a readable camera RAW file: {exc}") from None
    try:
        with _open(data, fmt) as image:
            return PhotoInfo(fmt, *image.size)
    except _TooLargeForPillow:
        return PhotoInfo(fmt, *_size_past_pillows_guard(data, fmt))


def check_pixels(info: PhotoInfo, max_megapixels: float) -> None:
    if info.megapixels > max_megapixels:
        raise InputRejected(
            f"{info.width}x{info.height} is {info.megapixels:.1f} MP, over the {max_megapixels:g} MP limit"
        )


def working_bytes(info: PhotoInfo, input_bytes: int) -> int:
    """Memory one photo holds in flight: its file plus its pixels at every stage."""
    return input_bytes + info.width * info.height * WORKING_BYTES_PER_PIXEL


def bounded_groups(
    items: Iterable[T], weight: Callable[[T], int], budget: int, max_items: int | None = None
) -> Iterator[list[T]]:
    """Consecutive groups of `items` whose weights add up to at most `budget` (an item heavier than that goes
    alone), of at most `max_items` each. Items are drawn one at a time, so only one group is held at once."""
    group: list[T] = []
    total = 0
    for item in items:
        if group and (total + weight(item) > budget or len(group) == max_items):
            yield group
            group, total = [], 0
        group.append(item)
        total += weight(item)
    if group:
        yield group


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB: an embedded profile converted, transparency composed over white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    profile = image.info.get("icc_profile")
    rgb = image.convert("RGB")
    if profile:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        converted = ImageCms.profileToProfile(rgb, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        rgb = converted if converted is not None else rgb
    return rgb


def for_pipeline(data: bytes, info: PhotoInfo) -> bytes:
    """The bytes to hand the pipeline: JPEG and RAW as they are; PNG, TIFF and HEIF as a lossless-quality JPEG."""
    if info.format in (Format.JPEG, Format.RAW):
        return data
    with _open(data, info.format) as opened:
        try:
            image = _to_srgb(ImageOps.exif_transpose(opened))
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputRejected(f"not a readable {info.format} file: {exc}") from None
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=TRANSCODE_QUALITY, subsampling=0)
    return buffer.getvalue()


def admit(data: bytes, name: str, max_megapixels: float) -> tuple[bytes, PhotoInfo]:
    """Check an input against the limit and bring it to a format the pipeline reads (InputRejected if not)."""
    info = inspect(data, name)
    check_pixels(info, max_megapixels)
    return for_pipeline(data, info), info
