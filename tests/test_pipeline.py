"""The photo pipeline against known answers (runs on NumPy; the same code runs on CuPy)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image
from skimage import data

from gpu_worker.codecs import RawPhoto, decode
from gpu_worker.device import select_device
from gpu_worker.photo import Options, render_variants
from gpu_worker.pipeline import apply_orientation, demosaic, grey_world_gains, resize, srgb_encode, white_balance
from gpu_worker.samples import dng_bytes, jpeg_bytes, scene

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # colour warns that matplotlib is absent
    from colour_demosaicing import demosaicing_CFA_Bayer_Malvar2004, mosaicing_CFA_Bayer

BORDER = 8
CPU = select_device("cpu")


def psnr(image: np.ndarray, truth: np.ndarray) -> float:
    inner = (slice(BORDER, -BORDER), slice(BORDER, -BORDER))
    return float(10 * np.log10(1 / np.mean((image[inner] - truth[inner]) ** 2)))


def _natural(name: str) -> np.ndarray:
    image = getattr(data, name)().astype(np.float32) / 255
    return image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2]


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
@pytest.mark.parametrize("pattern", ["RGGB", "BGGR", "GRBG", "GBRG"])
def test_demosaic_matches_malvar2004_within_half_a_decibel(name: str, pattern: str) -> None:
    truth = _natural(name)
    mosaic = mosaicing_CFA_Bayer(truth, pattern).astype(np.float32)
    ours = psnr(demosaic(mosaic, pattern), truth)
    reference = psnr(np.clip(demosaicing_CFA_Bayer_Malvar2004(mosaic, pattern), 0, 1), truth)
    assert ours >= reference - 0.5
    assert ours > 30  # and it is a real reconstruction, far above a grey image


def test_demosaic_returns_float32_rgb_in_unit_range_for_integer_mosaics() -> None:
    mosaic = (np.random.default_rng(0).random((64, 96)) * 65535).astype(np.uint16)
    rgb = demosaic(mosaic, "RGGB")
    assert rgb.shape == (64, 96, 3) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1


@pytest.mark.parametrize(("shape", "pattern"), [((63, 64), "RGGB"), ((64, 64), "RGBG"), ((4, 4, 3), "RGGB")])
def test_demosaic_refuses_what_is_not_a_bayer_mosaic(shape, pattern) -> None:
    with pytest.raises(ValueError):
        demosaic(np.zeros(shape, dtype=np.float32), pattern)


@pytest.mark.parametrize("long_edge", [400, 256, 97])
def test_resize_is_antialiased_like_pillow_lanczos(long_edge: int) -> None:
    image = _natural("astronaut")
    ours = resize(image, long_edge)
    height, width = ours.shape[:2]
    assert max(height, width) == long_edge
    pixels = Image.fromarray((image * 255 + 0.5).astype(np.uint8))
    reference = np.asarray(pixels.resize((width, height), Image.LANCZOS)).astype(np.float32) / 255
    assert np.abs(ours - reference).mean() < 0.003  # under one grey level on average
    # A naive subsample aliases the fine detail; the antialiased result does not.
    naive = image[:: image.shape[0] // height, :: image.shape[1] // width][:height, :width]
    assert np.abs(naive - reference).mean() > 3 * np.abs(ours - reference).mean()


def test_resize_never_enlarges() -> None:
    image = np.zeros((40, 60, 3), np.float32)
    assert resize(image, 2048) is image


def test_grey_world_white_balance_neutralises_a_grey_card_under_tinted_light() -> None:
    card = np.full((32, 32, 3), 0.4, dtype=np.float32)
    tint = np.float32([1.3, 1.0, 0.7])  # warm tungsten light
    balanced = white_balance(card * tint, grey_world_gains(card * tint))
    assert np.allclose(balanced, balanced[..., 1:2], atol=1e-4)
    assert abs(float(balanced.mean()) - 0.4) < 1e-3


def test_camera_multipliers_are_used_when_the_file_has_them() -> None:
    photo = decode(dng_bytes(64, 96))
    assert isinstance(photo, RawPhoto)
    assert photo.camera_multipliers is not None


@pytest.mark.parametrize(
    ("orientation", "expected"),
    [
        (1, [[0, 1, 2], [3, 4, 5]]),
        (3, [[5, 4, 3], [2, 1, 0]]),
        (6, [[3, 0], [4, 1], [5, 2]]),
        (8, [[2, 5], [1, 4], [0, 3]]),
    ],
)
def test_exif_orientations_turn_the_pixels_as_the_camera_was_held(orientation: int, expected) -> None:
    assert apply_orientation(np.arange(6).reshape(2, 3), orientation).tolist() == expected


def test_a_portrait_jpeg_comes_out_upright() -> None:
    photo = decode(jpeg_bytes(300, 400, orientation=6))  # stored landscape, shot portrait
    variants = render_variants(CPU, photo, Options(long_edges=(200,)))
    assert variants["full"].shape == (400, 300, 3)
    assert variants["200"].shape == (200, 150, 3)


def test_a_real_dng_is_decoded_by_libraw_and_developed_end_to_end() -> None:
    photo = decode(dng_bytes(240, 360, seed=3))
    assert isinstance(photo, RawPhoto)
    assert photo.pattern == "RGGB" and photo.mosaic.dtype == np.uint16
    assert photo.white_level == 16383 and float(photo.black_levels.mean()) == 256
    full = render_variants(CPU, photo, Options(long_edges=(), sharpen_amount=0))["full"].astype(np.float32) / 255
    assert psnr(full, srgb_encode(scene(240, 360, seed=3))) > 35


def test_variants_have_the_configured_long_edges_and_encode_as_jpeg() -> None:
    from gpu_worker.process import process_bytes

    encoded = process_bytes(CPU, jpeg_bytes(600, 900), Options(long_edges=(512, 128), quality=85))
    assert list(encoded) == ["full", "512", "128"]
    sizes = {k: Image.open(io.BytesIO(v)).size for k, v in encoded.items()}
    assert sizes == {"full": (900, 600), "512": (512, 341), "128": (128, 85)}


def test_outputs_are_deterministic() -> None:
    from gpu_worker.process import process_bytes

    photo = dng_bytes(120, 180, seed=9)
    assert process_bytes(CPU, photo, Options(long_edges=(64,))) == process_bytes(CPU, photo, Options(long_edges=(64,)))
