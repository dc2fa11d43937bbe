"""The CPU path against known answers (tests/test_gpu.py holds the GPU path to the same results)."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image
from skimage import data

from gpu_worker.codecs import FrameBuffers, RawPhoto, decode
from gpu_worker.device import select_device
from gpu_worker.photo import Options, develop_raw, render_variants
from gpu_worker.pipeline import apply_orientation, bayer_means, grey_world_gains, srgb_encode
from gpu_worker.samples import dng_bytes, jpeg_bytes, mosaic_rggb, scene

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


def _raw(mosaic: np.ndarray, pattern: str, multipliers=(1.0, 1.0, 1.0)) -> RawPhoto:
    """A linear mosaic in [0, 1] as a 16-bit raw photo with no black level, neutral balance and identity colour."""
    return RawPhoto(
        mosaic=(np.clip(mosaic, 0, 1) * 65535 + 0.5).astype(np.uint16),
        pattern=pattern,
        black_levels=np.zeros((2, 2), np.float32),
        white_level=65535.0,
        camera_multipliers=multipliers,
        camera_to_srgb=np.eye(3, dtype=np.float32),
        orientation=1,
    )


def _develop(photo: RawPhoto) -> np.ndarray:
    return develop_raw(photo, Options(), FrameBuffers())[..., :3].astype(np.float32) / 255


@pytest.mark.parametrize("name", ["astronaut", "coffee", "chelsea"])
@pytest.mark.parametrize("pattern", ["RGGB", "BGGR", "GRBG", "GBRG"])
def test_develop_matches_malvar2004_within_half_a_decibel(name: str, pattern: str) -> None:
    truth = _natural(name)
    mosaic = mosaicing_CFA_Bayer(truth, pattern).astype(np.float32)
    ours = psnr(_develop(_raw(mosaic, pattern)), srgb_encode(truth))
    malvar = np.clip(demosaicing_CFA_Bayer_Malvar2004(mosaic, pattern), 0, 1).astype(np.float32)
    reference = psnr(np.round(srgb_encode(malvar) * 255) / 255, srgb_encode(truth))
    assert ours >= reference - 0.5
    assert ours > 30  # and it is a real reconstruction, far above a grey image


@pytest.mark.parametrize(("shape", "pattern"), [((63, 64), "RGGB"), ((64, 64), "RGBG"), ((4, 4, 3), "RGGB")])
def test_develop_refuses_what_is_not_a_bayer_mosaic(shape, pattern) -> None:
    with pytest.raises(ValueError):
        develop_raw(_raw(np.zeros(shape, np.float32), pattern), Options(), FrameBuffers())


def test_develop_clips_highlights_and_keeps_blacks_at_zero() -> None:
    mosaic = np.zeros((16, 16), np.float32)
    mosaic[:, 8:] = 1.0
    developed = develop_raw(_raw(mosaic, "RGGB", multipliers=(2.0, 1.0, 2.0)), Options(), FrameBuffers())[..., :3]
    assert developed[:, :5].max() == 0 and developed[:, 11:].min() == 255


def _as_jpeg(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray((image * 255 + 0.5).astype(np.uint8)).save(buffer, format="JPEG", quality=98, subsampling=0)
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["astronaut", "coffee"])
def test_every_variant_is_antialiased_like_a_direct_lanczos_from_the_full_frame(name: str) -> None:
    photo = decode(_as_jpeg(_natural(name)))
    variants = render_variants(CPU, photo, Options(long_edges=(400, 256, 97), sharpen_amount=0))
    full = Image.fromarray(variants["full"][..., :3])
    for edge in (400, 256, 97):
        ours = variants[str(edge)][..., :3].astype(np.float32)
        height, width = ours.shape[:2]
        assert max(height, width) == edge
        reference = np.asarray(full.resize((width, height), Image.Resampling.LANCZOS)).astype(np.float32)
        assert np.abs(ours - reference).mean() < 0.77  # under one grey level on average (was 0.003 in [0, 1])
        # A naive subsample aliases the fine detail; the antialiased result does not.
        source = variants["full"][..., :3].astype(np.float32)
        naive = source[:: source.shape[0] // height, :: source.shape[1] // width][:height, :width]
        assert np.abs(naive - reference).mean() > 3 * np.abs(ours - reference).mean()


def test_the_cascade_with_a_box_pre_shrink_stays_within_a_grey_level_on_a_camera_sized_frame() -> None:
    frame = np.ascontiguousarray(np.tile(data.coffee(), (6, 4, 1))[:2400, :2400])  # fine detail everywhere
    photo = decode(_as_jpeg(frame.astype(np.float32) / 255))
    variants = render_variants(CPU, photo, Options(long_edges=(1000, 500, 200), sharpen_amount=0))
    full = Image.fromarray(variants["full"][..., :3])
    for edge in (1000, 500, 200):
        ours = variants[str(edge)][..., :3].astype(np.float32)
        reference = np.asarray(full.resize((edge, edge), Image.Resampling.LANCZOS)).astype(np.float32)
        assert np.abs(ours - reference).mean() < 0.77


def test_the_box_pre_shrink_keeps_variants_closer_to_a_direct_lanczos_than_libvips_thumbnail() -> None:
    import pyvips

    frame = np.ascontiguousarray(np.tile(data.coffee(), (5, 5, 1))[:2000, :3000])  # fine detail, 6 MP
    jpeg = _as_jpeg(frame.astype(np.float32) / 255)
    variants = render_variants(CPU, decode(jpeg), Options(long_edges=(1024, 512), sharpen_amount=0))
    full = Image.fromarray(variants["full"][..., :3])
    for edge in (1024, 512):  # 1024: 2.9x, pre-shrunk by 2 like a 24 MP frame's 2048 px variant
        ours = variants[str(edge)][..., :3].astype(np.float32)
        height, width = ours.shape[:2]
        reference = np.asarray(full.resize((width, height), Image.Resampling.LANCZOS)).astype(np.float32)
        thumbnail = pyvips.Image.thumbnail_buffer(jpeg, edge, height=edge, size="down")
        theirs = np.ndarray((height, width, 3), np.uint8, thumbnail.write_to_memory()).astype(np.float32)
        assert np.abs(ours - reference).mean() < 1.0  # under one grey level, on a worst-case texture
        assert np.abs(ours - reference).mean() < np.abs(theirs - reference).mean()


def test_sharpening_adds_local_contrast_and_keeps_the_mean() -> None:
    photo = decode(_as_jpeg(_natural("astronaut")))
    soft = render_variants(CPU, photo, Options(long_edges=(256,), sharpen_amount=0))["256"][..., :3]
    crisp = render_variants(CPU, photo, Options(long_edges=(256,)))["256"][..., :3]
    assert abs(float(crisp.mean()) - float(soft.mean())) < 0.5
    assert np.abs(np.diff(crisp.astype(int), axis=1)).mean() > 1.1 * np.abs(np.diff(soft.astype(int), axis=1)).mean()


def test_variants_never_enlarge() -> None:
    photo = decode(jpeg_bytes(40, 60))
    variants = render_variants(CPU, photo, Options(long_edges=(2048,)))
    assert variants["2048"].shape[:2] == variants["full"].shape[:2] == (40, 60)


def test_grey_world_white_balance_neutralises_a_grey_card_under_tinted_light() -> None:
    tint = np.array([1.3, 1.0, 0.7], dtype=np.float32)  # warm tungsten light
    card = mosaic_rggb(np.full((32, 32, 3), 0.4, dtype=np.float32) * tint)
    photo = _raw(card, "RGGB", multipliers=None)
    gains = grey_world_gains(bayer_means(photo.mosaic, photo.black_levels, photo.white_level, "RGGB"))
    assert np.allclose(np.asarray(gains, dtype=np.float32) * tint, 1.0, atol=1e-3)
    developed = develop_raw(photo, Options(), FrameBuffers())[..., :3].astype(int)  # no multipliers: grey world
    assert np.abs(developed - developed[..., 1:2]).max() <= 1
    assert abs(developed.mean() - 255 * float(srgb_encode(np.float32(0.4)))) < 1.5


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
    assert variants["full"].shape[:2] == (400, 300)
    assert variants["200"].shape[:2] == (200, 150)


def test_a_real_dng_is_decoded_by_libraw_and_developed_end_to_end() -> None:
    photo = decode(dng_bytes(240, 360, seed=3))
    assert isinstance(photo, RawPhoto)
    assert photo.pattern == "RGGB" and photo.mosaic.dtype == np.uint16
    assert photo.white_level == 16383 and float(photo.black_levels.mean()) == 256
    full = (
        render_variants(CPU, photo, Options(long_edges=(), sharpen_amount=0))["full"][..., :3].astype(np.float32) / 255
    )
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
