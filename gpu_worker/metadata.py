"""What a photographer expects to survive processing: the colour profile and the EXIF that matters.

Neither libjpeg-turbo binding nor nvImageCodec writes metadata, so the worker reads it from the input
(Pillow parses the markers without decoding pixels) and splices it into every encoded variant:

- the input's ICC profile, unchanged (the pixels are not converted); developed RAW files are sRGB
  and are tagged with an sRGB profile;
- capture time (with sub-seconds and offset), camera and lens, exposure settings, artist,
  copyright and caption; orientation is normalised to 1 because the pixels are turned upright;
- GPS only when asked for (`keep_gps`); maker notes, serial numbers and thumbnails never.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

EXIF_ORIENTATION = 274
_IFD0_KEPT = {
    270,  # ImageDescription (caption)
    271,  # Make
    272,  # Model
    305,  # Software
    306,  # DateTime
    315,  # Artist
    33432,  # Copyright
}
_EXIF_KEPT = {
    33434,  # ExposureTime
    33437,  # FNumber
    34850,  # ExposureProgram
    34855,  # ISOSpeedRatings
    36867,  # DateTimeOriginal
    36868,  # DateTimeDigitized
    36880,  # OffsetTime
    36881,  # OffsetTimeOriginal
    36882,  # OffsetTimeDigitized
    37380,  # ExposureBiasValue
    37383,  # MeteringMode
    37385,  # Flash
    37386,  # FocalLength
    37520,  # SubsecTime
    37521,  # SubsecTimeOriginal
    37522,  # SubsecTimeDigitized
    40961,  # ColorSpace
    41987,  # WhiteBalance
    41989,  # FocalLengthIn35mmFilm
    42034,  # LensSpecification
    42035,  # LensMake
    42036,  # LensModel
}
_ICC_MARKER = b"ICC_PROFILE\x00"
_ICC_CHUNK = 65535 - 2 - len(_ICC_MARKER) - 2  # segment length field, marker, sequence number and count
_ICC_DATE = slice(24, 36)  # the header's creation date (ICC.1:2010, 7.2.1)


@dataclass(frozen=True)
class Metadata:
    """Metadata to write into every variant, and how the stored pixels must be turned."""

    orientation: int = 1
    icc_profile: bytes | None = None
    exif: Image.Exif | None = None  # as read; filtered when written


def read_metadata(data: bytes) -> Metadata:
    """Orientation, ICC profile and EXIF of a JPEG or TIFF-based file (DNG, NEF, CR2, ARW), if Pillow can parse them."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            icc = image.info.get("icc_profile") or None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return Metadata()
    orientation = int(exif.get(EXIF_ORIENTATION, 1))
    return Metadata(orientation if 1 <= orientation <= 8 else 1, icc, exif if len(exif) else None)


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (LittleCMS's, via Pillow) with a fixed creation date, so outputs are byte-identical."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[_ICC_DATE] = bytes(12)
    return bytes(profile)


def delivery_exif(exif: Image.Exif, keep_gps: bool = False) -> bytes:
    """The kept tags as an APP1 payload (`Exif\\0\\0` + TIFF), orientation 1."""
    out = Image.Exif()
    for tag in sorted(_IFD0_KEPT & set(exif)):
        out[tag] = exif[tag]
    out[EXIF_ORIENTATION] = 1
    kept = {tag: value for tag, value in exif.get_ifd(ExifTags.IFD.Exif).items() if tag in _EXIF_KEPT}
    if kept:
        out[ExifTags.IFD.Exif] = dict(sorted(kept.items()))
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    if keep_gps and gps:
        out[ExifTags.IFD.GPSInfo] = dict(sorted(gps.items()))
    return out.tobytes()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload


def metadata_segments(metadata: Metadata, keep_gps: bool = False) -> bytes:
    """APP1 (EXIF) and APP2 (ICC, split into numbered chunks) segments for one output JPEG."""
    segments = b""
    if metadata.exif is not None:
        segments += _segment(0xE1, delivery_exif(metadata.exif, keep_gps))
    if metadata.icc_profile:
        chunks = [metadata.icc_profile[i : i + _ICC_CHUNK] for i in range(0, len(metadata.icc_profile), _ICC_CHUNK)]
        for number, chunk in enumerate(chunks, start=1):
            segments += _segment(0xE2, _ICC_MARKER + bytes((number, len(chunks))) + chunk)
    return segments


def insert_segments(jpeg: bytes, segments: bytes) -> bytes:
    """`jpeg` with `segments` right after SOI and the JFIF APP0 segment (where Pillow and libvips put them)."""
    if not segments:
        return jpeg
    position = 2
    if jpeg[2:4] == b"\xff\xe0":
        position = 4 + int.from_bytes(jpeg[4:6], "big")
    return jpeg[:position] + segments + jpeg[position:]
