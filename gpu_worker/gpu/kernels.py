"""The CUDA kernels of the GPU path, compiled once at start-up with NVRTC (through CuPy's RawModule).

Every kernel computes each output value in one thread, summing in a fixed order: no atomics, no
reductions across threads, so the same input gives the same bits on every run (CuPy's own
reductions, used for the grey-world means, are tree reductions without atomics as well).

The develop kernels (demosaic and colour fused, one per Bayer pattern) are generated from the
Malvar-He-Cutler filters in `gpu_worker.pipeline.demosaic`, like the CPU's Numba loop, so both
paths share one source of the coefficients and the same order of operations.
"""

from __future__ import annotations

from gpu_worker.pipeline.demosaic import PATTERNS, site_kernels

COMMON = r"""
__device__ __forceinline__ int mirror(int i, int n) {  // numpy.pad(mode="reflect")
    i = i < 0 ? -i : i;
    return i >= n ? 2 * (n - 1) - i : i;
}

__device__ __forceinline__ float unit(float v) { return fminf(fmaxf(v, 0.0f), 1.0f); }

// One mosaic value in [0, 1]: black level of its own Bayer site subtracted, scaled by the white level.
__device__ __forceinline__ float tap(const unsigned short* mosaic, const float* black, float white,
                                     int rows, int cols, int y, int x) {
    int yy = mirror(y, rows), xx = mirror(x, cols);
    float b = black[(yy & 1) * 2 + (xx & 1)];
    return unit(((float)mosaic[(long long)yy * cols + xx] - b) / (white - b));
}

// dst[r, j] = sum_k weight[r, k] * src[index[r, k], j]: one output row per r, rows of `row_len` values.
template <typename T>
__device__ void resample_rows_impl(const T* src, float* dst, const int* index, const float* weight,
                                   int taps, int out_rows, int row_len, float scale) {
    long long n = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= (long long)out_rows * row_len) return;
    int r = (int)(n / row_len), j = (int)(n % row_len);
    float acc = 0.0f;
    for (int k = 0; k < taps; ++k)
        acc += weight[r * taps + k] * ((float)src[(long long)index[r * taps + k] * row_len + j] * scale);
    dst[n] = acc;
}

extern "C" __global__ void resample_rows_u8(const unsigned char* src, float* dst, const int* index,
                                            const float* weight, int taps, int out_rows, int row_len) {
    resample_rows_impl<unsigned char>(src, dst, index, weight, taps, out_rows, row_len, 1.0f / 255.0f);
}

extern "C" __global__ void resample_rows_f32(const float* src, float* dst, const int* index,
                                             const float* weight, int taps, int out_rows, int row_len) {
    resample_rows_impl<float>(src, dst, index, weight, taps, out_rows, row_len, 1.0f);
}

// dst[y, x, c] = sum_k weight[x, k] * src[y, index[x, k], c], three channels.
extern "C" __global__ void resample_columns(const float* src, float* dst, const int* index, const float* weight,
                                            int taps, int rows, int in_cols, int out_cols) {
    long long n = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= (long long)rows * out_cols * 3) return;
    int c = (int)(n % 3);
    long long pixel = n / 3;
    int x = (int)(pixel % out_cols), y = (int)(pixel / out_cols);
    const float* row = src + (long long)y * in_cols * 3;
    float acc = 0.0f;
    for (int k = 0; k < taps; ++k) acc += weight[x * taps + k] * row[index[x * taps + k] * 3 + c];
    dst[n] = acc;
}

// Output sharpening (a 3x3 kernel) and quantisation to 8 bits, in one pass. The outermost pixels are
// not sharpened, as Pillow's 3x3 filter on the CPU path leaves them.
extern "C" __global__ void sharpen_to_u8(const float* src, unsigned char* dst, const float* kernel,
                                         int rows, int cols) {
    long long n = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (n >= (long long)rows * cols * 3) return;
    int c = (int)(n % 3);
    long long pixel = n / 3;
    int x = (int)(pixel % cols), y = (int)(pixel / cols);
    float acc = src[n];
    if (y > 0 && x > 0 && y < rows - 1 && x < cols - 1) {
        acc = 0.0f;
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx)
                acc += kernel[(dy + 1) * 3 + dx + 1] * src[((long long)(y + dy) * cols + x + dx) * 3 + c];
    }
    dst[n] = (unsigned char)(unit(acc) * 255.0f + 0.5f);
}

// Clip, white balance, exposure, colour matrix (clipping after each), 16-bit sRGB table to 8 bits: the same
// steps, in the same float32 order, as _finish() in gpu_worker/pipeline/develop.py. `colour` holds the gains (3),
// the exposure factor (1) and the 3x3 matrix by rows (9).
__device__ void finish(float red, float green, float blue, const float* colour, const unsigned char* table,
                       int table_steps, unsigned char* out) {
    red = unit(unit(red) * colour[0]);
    green = unit(unit(green) * colour[1]);
    blue = unit(unit(blue) * colour[2]);
    if (colour[3] != 1.0f) {
        red = unit(red * colour[3]);
        green = unit(green * colour[3]);
        blue = unit(blue * colour[3]);
    }
    for (int c = 0; c < 3; ++c) {
        float linear = unit(colour[4 + 3 * c] * red + colour[5 + 3 * c] * green + colour[6 + 3 * c] * blue);
        out[c] = table[(int)(linear * (float)table_steps + 0.5f)];
    }
}
"""

_DEMOSAIC_HEAD = r"""
// Develop a {pattern} mosaic in one pass: black/white levels per Bayer site, Malvar-He-Cutler demosaic with
// mirror padding, then finish() to 8-bit sRGB.
extern "C" __global__ void develop_{pattern}(const unsigned short* mosaic, unsigned char* out, const float* black,
                                            float white, const float* colour, const unsigned char* table,
                                            int table_steps, int rows, int cols) {{
    long long p = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (p >= (long long)rows * cols) return;
    int y = (int)(p / cols), x = (int)(p % cols);
    #define V(dy, dx) tap(mosaic, black, white, rows, cols, y + (dy), x + (dx))
    float r, g, b;
    switch ((y & 1) * 2 + (x & 1)) {{
"""


def _sum(kernel: dict[tuple[int, int], float]) -> str:
    return " + ".join(f"{weight!r}f * V({dy}, {dx})" for (dy, dx), weight in kernel.items())


def demosaic_source(pattern: str) -> str:
    """CUDA source of the fused demosaic for one pattern, with the filters of `gpu_worker.pipeline.demosaic`."""
    lines = [_DEMOSAIC_HEAD.format(pattern=pattern)]
    for (site_y, site_x), (red, green, blue) in site_kernels(pattern).items():
        lines.append(
            f"        case {site_y * 2 + site_x}: r = {_sum(red)}; g = {_sum(green)}; b = {_sum(blue)}; break;"
        )
    lines.append("        default: r = g = b = 0.0f;\n    }")
    lines.append("    finish(r, g, b, colour, table, table_steps, out + p * 3);\n    #undef V\n}\n")
    return "\n".join(lines)


SOURCE = COMMON + "\n".join(demosaic_source(pattern) for pattern in PATTERNS)
KERNEL_NAMES = (
    "resample_rows_u8",
    "resample_rows_f32",
    "resample_columns",
    "sharpen_to_u8",
    *(f"develop_{pattern}" for pattern in PATTERNS),
)
# No fused multiply-adds: each product and sum rounds as on the CPU (Numba, NumPy), so the paths agree.
COMPILE_OPTIONS = ("-std=c++17", "--fmad=false")
BLOCK = 256


def grid(count: int) -> tuple[int]:
    """Blocks for one thread per output value."""
    return ((count + BLOCK - 1) // BLOCK,)
