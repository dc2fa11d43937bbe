"""What a photographer expects in every delivered variant: colour profile, EXIF, upright pixels, no GPS.

Neither libjpeg-turbo (simplejpeg) nor nvImageCodec writes metadata, so these tests read the outputs
back with Pillow and libvips, as a viewer or a gallery would.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
import pyvips
from PIL import ExifTags, Image, ImageCms

from gpu_worker.device import CPU
from gpu_worker.metadata import srgb_profile
from gpu_worker.photo import Options
from gpu_worker.process import BatchProcessor, process_bytes
from gpu_worker.samples import dng_bytes, scene

EXIF_IFD, GPS_IFD = ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo
CAPTURE = {
    36867: "2025:06:14 15:02:11",  # DateTimeOriginal
    37521: "42",  # SubsecTimeOriginal
    36881: "+02:00",  # OffsetTimeOriginal
    42036: "RF 50mm F1.2 L USM",  # LensModel
    33434: 0.004,  # ExposureTime
}
CAMERA = {271: "Canon", 272: "EOS R5", 315: "Ana Photographer", 33432: "(c) 2025 Ana Photographer"}
PRIVATE_EXIF = {37500: b"maker note bytes", 42033: "SN-7Q4Z-9WXK"}  # MakerNote, BodySerialNumber
# A profile larger than one APP2 segment (65,519 bytes of payload), so it must be split and reassembled.
BIG_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes() + bytes(range(256)) * 300


def _keyed(photos: list[bytes]) -> list[tuple[str, bytes]]:
    return [(str(index), photo) for index, photo in enumerate(photos)]


def camera_jpeg(orientation: int = 6, icc: bytes | None = BIG_PROFILE) -> bytes:
    pixels = (np.clip(scene(240, 360, seed=5), 0, 1) * 255).astype(np.uint8)
    exif = Image.Exif()
    exif.update(CAMERA)
    exif[274] = orientation
    exif[EXIF_IFD] = {**CAPTURE, **PRIVATE_EXIF}
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def delivered() -> dict[str, bytes]:
    return process_bytes(CPU, camera_jpeg(), Options(long_edges=(200, 64)))


def test_every_variant_carries_the_input_colour_profile_byte_for_byte(delivered: dict[str, bytes]) -> None:
    assert len(BIG_PROFILE) > 65519
    for variant, data in delivered.items():
        assert _open(data).info.get("icc_profile") == BIG_PROFILE, variant
        assert pyvips.Image.new_from_buffer(data, "").get("icc-profile-data") == BIG_PROFILE, variant


def test_capture_time_camera_lens_and_copyright_survive_and_orientation_is_normalised(delivered) -> None:
    for variant, data in delivered.items():
        image = _open(data)
        exif = image.getexif()
        assert {tag: exif.get(tag) for tag in CAMERA} == CAMERA, variant
        assert exif.get(274) == 1  # the pixels are upright, so a viewer must not turn them again
        kept = exif.get_ifd(EXIF_IFD)
        assert {tag: kept.get(tag) for tag in CAPTURE} == CAPTURE, variant
        assert image.height > image.width  # shot portrait (orientation 6), delivered portrait


def test_gps_maker_notes_and_serial_numbers_are_removed(delivered: dict[str, bytes]) -> None:
    for variant, data in delivered.items():
        exif = _open(data).getexif()
        assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD), variant
        assert not set(PRIVATE_EXIF) & set(exif.get_ifd(EXIF_IFD)), variant
        assert b"SN-7Q4Z-9WXK" not in data and b"maker note" not in data


def test_gps_is_kept_when_the_config_says_so() -> None:
    delivered = process_bytes(CPU, camera_jpeg(), Options(long_edges=(64,), keep_gps=True))
    for data in delivered.values():
        gps = _open(data).getexif().get_ifd(GPS_IFD)
        assert gps[1] == "N" and tuple(map(float, gps[2])) == (48.0, 51.0, 29.0)


def test_a_photo_without_a_profile_or_exif_stays_untagged_sRGB() -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((32, 48, 3), np.uint8)).save(buffer, format="JPEG")
    for data in process_bytes(CPU, buffer.getvalue(), Options(long_edges=(16,))).values():
        image = _open(data)
        assert "icc_profile" not in image.info and not image.getexif()


def test_developed_raw_files_are_tagged_sRGB_with_a_stable_profile() -> None:
    profile = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    for data in process_bytes(CPU, dng_bytes(120, 180, seed=2), Options(long_edges=(64,))).values():
        assert _open(data).info["icc_profile"] == srgb_profile()


def test_outputs_are_byte_identical_across_runs_threads_and_buffer_reuse() -> None:
    photos = [camera_jpeg(orientation) for orientation in (1, 6, 8, 3)]
    options = Options(long_edges=(200, 64))
    alone = [process_bytes(CPU, photo, options) for photo in photos]
    with BatchProcessor(CPU, options, threads=2) as processor:
        first = [result.variants for result in processor.process(_keyed(photos * 2))]
        second = [result.variants for result in processor.process(_keyed(photos))]
    assert first == alone * 2
    assert second == alone
