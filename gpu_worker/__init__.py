"""The wedsync GPU photo worker: a CuPy pipeline (NumPy where no GPU) fed by a Redis Streams queue."""

__version__ = "0.1.0"
