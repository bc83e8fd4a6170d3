"""Giving memory back to the operating system between pieces of work (issue 21).

glibc's malloc keeps freed memory for reuse: the heap is trimmed only at its top and only past
``M_TRIM_THRESHOLD``, so a Dask worker that computed a large city stays at that city's peak for
the rest of the run (measured: 1.9 GB per worker after Tashkent and Almaty, kept until the last
city; ``benchmarks/results/memory.json``). :func:`release_memory` collects Python's garbage
and asks glibc to return every free page (``malloc_trim(0)``, which also releases free pages
inside the heap); it is called at the end of each city task and before the report forks its
figure workers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc

__all__ = ["release_memory"]


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        fn = libc.malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


def release_memory() -> bool:
    """Collect garbage, then return the C heap's free pages to the operating system.

    Returns whether the C library could trim (False where it has no ``malloc_trim``)."""
    gc.collect()
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True

