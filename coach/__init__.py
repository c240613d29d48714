"""coach: a mentoring coach for the terminal. The engine lives here; it has no UI code."""

import os

# The embedder runs small matrix products (one query, 384 dims). Multi-threaded BLAS only adds
# contention on small machines: a single query took 50-700 ms with threads, a steady ~7 ms without.
# Set before numpy loads; a user's own setting wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__version__ = "0.1.0"
