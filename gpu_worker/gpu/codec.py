"""JPEG decode and encode on the GPU with nvImageCodec, one decode backend pinned per deployment.

The hardware JPEG decoder (NVJPG engines; baseline JPEG only), nvJPEG's CUDA decoder and
libjpeg-turbo give slightly different pixels, so a deployment pins its backend chain with
`WEDSYNC_DECODE_BACKEND` (`hardware`: NVJPG, then CUDA for what it cannot take, such as
progressive files; `cuda`; `cpu`: libjpeg-turbo) and reports it in metrics. `auto` probes once at
start-up, in that order, and keeps the first that decodes a test image correctly: nvImageCodec
falls back silently, so only a probe shows whether this GPU has the engines. Per file the choice
is then deterministic, and commits are first-writer-wins, so a redelivery never replaces bytes.
"""

from __future__ import annotations

import os
from typing import Any

BACKENDS = ("hardware", "cuda", "cpu")
ENV = "WEDSYNC_DECODE_BACKEND"


class GpuCodec:
    """nvImageCodec decoder (for the pinned backend chain) and CUDA encoder, or None where it is not installed."""

    def __init__(self, backend: str, nvimgcodec: Any | None):
        self.backend = backend
        self._nv: Any = nvimgcodec  # the module, or None (then neither a decoder nor an encoder exists)
        self._decoder = None
        if nvimgcodec is not None and backend != "cpu":
            kinds = [nvimgcodec.BackendKind.HW_GPU_ONLY] if backend == "hardware" else []
            kinds.append(nvimgcodec.BackendKind.GPU_ONLY)
            self._decoder = nvimgcodec.Decoder(backends=[nvimgcodec.Backend(kind) for kind in kinds])
        self._encoder = (
            nvimgcodec.Encoder(backends=[nvimgcodec.Backend(nvimgcodec.BackendKind.GPU_ONLY)]) if nvimgcodec else None
        )
        self._decode_params = (
            nvimgcodec.DecodeParams(apply_exif_orientation=False, color_spec=nvimgcodec.ColorSpec.SRGB)
            if nvimgcodec
            else None
        )

    def decode(self, data: bytes, stream: Any) -> Any | None:
        """An nvImageCodec device image (HxWx3 uint8, __cuda_array_interface__) or None: then the CPU decodes."""
        if self._decoder is None:
            return None
        return self._decoder.decode(self._nv.CodeStream(data), params=self._decode_params, cuda_stream=stream.ptr)

    def encode(self, pixels: Any, quality: int, stream: Any) -> bytes | None:
        """Baseline JPEG of device pixels (HxWx3 uint8), or None: then the CPU encodes."""
        if self._encoder is None:
            return None
        from gpu_worker.codecs import FULL_CHROMA_QUALITY

        nv = self._nv
        params = nv.EncodeParams(
            quality_type=nv.QualityType.QUALITY,
            quality_value=float(quality),
            chroma_subsampling=nv.ChromaSubsampling.CSS_444
            if quality >= FULL_CHROMA_QUALITY
            else nv.ChromaSubsampling.CSS_420,
        )
        encoded = self._encoder.encode(pixels, "jpeg", params=params, cuda_stream=stream.ptr)
        return bytes(encoded) if encoded is not None else None


def load_nvimgcodec() -> Any | None:
    try:
        from nvidia import nvimgcodec

        return nvimgcodec
    except ImportError:
        return None


def choose_backend(probe: Any, environ: dict[str, str] | None = None) -> str:
    """The pinned backend: `WEDSYNC_DECODE_BACKEND`, or with `auto` the first of BACKENDS that `probe(name)` accepts."""
    wanted = (environ if environ is not None else os.environ).get(ENV, "auto")
    if wanted != "auto":
        if wanted not in BACKENDS:
            raise ValueError(f"{ENV}={wanted!r}: expected auto, {', '.join(BACKENDS)}")
        return wanted
    return next(name for name in BACKENDS if name == "cpu" or probe(name))
