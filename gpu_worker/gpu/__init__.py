"""The GPU path: start-up in the image's configuration, CUDA kernels, resize plans, nvImageCodec."""
