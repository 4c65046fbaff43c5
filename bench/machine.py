"""The speed of this shared machine at a given moment, for reading timings beside it.

The virtual machine these benchmarks run on is shared: its speed varies by a third or more from
hour to hour, and sometimes within one run. Every timing scales with it, so a timing means little
without the machine's speed at the time it was taken.
"""

from __future__ import annotations

import timeit

# The reference loop's time when this machine is quiet (the best seen over many sessions).
QUIET_MS = 55.0


def machine_speed(repeat: int = 5) -> float:
    """Milliseconds for a fixed piece of pure Python (best of `repeat`); lower is faster."""
    timer = timeit.Timer("sum(i * i for i in range(10**6))")
    return min(timer.repeat(repeat=repeat, number=1)) * 1000


def at_quiet_speed(seconds: float, machine_ms: float) -> float:
    """`seconds` as they would read on the quiet machine: scaled by the reference loop's time
    measured around them. An estimate, shown beside the measured figure, never instead of it."""
    return seconds * QUIET_MS / machine_ms
