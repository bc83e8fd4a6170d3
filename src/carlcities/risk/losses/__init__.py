"""Probabilistic and scenario earthquake losses: the event-based engine.

For every event e of a stochastic event set (annual rate fₑ [1/yr]) and every site s the
ground-motion intensity [g] is sampled as

    ln IMₑₛ = μₑₛ + τₑ ηₑ + φₑₛ εₑₛ,      ηₑ, εₑₛ ~ N(0, 1) independent,

with the median μ and the between- and within-event standard deviations τ, φ [ln units] from
an injected ground-motion model (``gm(imt, mag, rjb_km, vs30) -> (mean_ln, tau, phi)``, e.g.
``functools.partial(carlcities.risk.gmpe.ground_motion, model)``). The within-event residuals
are spatially uncorrelated (a stated simplification: it narrows the spread of city losses).
The loss of asset a is value × mean loss ratio of its class at IMₑₛ, the ratio linearly
interpolated on the class's vulnerability curve (intensity levels, mean loss ratios); outside
the levels the curve is clamped to its end values (or 0 below the first level with
``below_min='zero'``) and the clamped evaluations are counted. Fatalities are occupants
(night by default) × the fatality ratio of an occupants curve. The uncertainty of the loss
ratio itself (its coefficient of variation) is not sampled: the mean ratio is used, as in
OpenQuake's ``ignore_covs`` mode.

Engine: assets are sorted by site; per chunk of events a numba kernel (``nogil``, no
fastmath) loops events × sites × assets of the site and adds value × ratio into the event's
loss, so no events × assets array exists: memory is O(chunk × sites) for the ground-motion
arrays plus O(assets) for the asset table. All assets of a site feel the same intensity, so
each distinct curve of a site is looked up once per event (its *slot*; the segment once per
set of curve levels), and a site whose intensity is below the first level of all its curves
is passed over when the ratio there is 0 (``below_min='zero'``): the losses and clamp counts
are those of one look-up per asset. Events farther than ``max_distance_km`` from every site
get no distances or ground motion. Chunks run one after the other (the kernel then
runs events in parallel threads) or as Dask tasks (``workers > 1`` threads, or a Dask
scheduler / distributed client) with a serial kernel. Random numbers come from a
counter-based generator keyed by (seed, realisation, event, site), so results do not depend
on the chunk size, the order of the chunks or the number of threads.

References
----------
Silva, V., Crowley, H., Pagani, M., Monelli, D., Pinho, R. (2014). Development of the
OpenQuake engine, the Global Earthquake Model's open-source software for seismic risk
assessment. Natural Hazards 72:1409, doi:10.1007/s11069-013-0618-x (event-based risk).
Jayaram, N. & Baker, J. W. (2009) for the between/within-event decomposition of residuals.
Steele, G. L., Lea, D., Flood, C. H. (2014). Fast splittable pseudorandom number generators
(SplitMix64), OOPSLA; Box, G. E. P. & Muller, M. E. (1958) Ann. Math. Stat. 29:610.
Aznar-Siguan, G. & Bresch, D. N. (2019). CLIMADA v1. Geosci. Model Dev. 12:3085 (the sparse
impact calculation used as the benchmark reference).

Modules: ``inputs`` (curve sets and event sets), ``kernels`` (numba kernels),
``engine`` (event-based and scenario losses, results).
"""

from __future__ import annotations

from .engine import (
    EventBasedResult,
    EventLossTable,
    ScenarioResult,
    default_chunk_events,
    event_losses_from_intensity,
    run_event_based,
    scenario_losses,
    stream_blocks,
)
from .inputs import (
    LOSS_TYPES,
    CurveSet,
    EventSet,
    LineRupture,
    epicentral_distance_km,
    wells_coppersmith_length_km,
)

__all__ = [
    "LineRupture", "wells_coppersmith_length_km",
    "CurveSet", "EventSet", "EventLossTable", "EventBasedResult", "ScenarioResult",
    "run_event_based", "scenario_losses", "event_losses_from_intensity", "default_chunk_events",
    "epicentral_distance_km", "LOSS_TYPES", "stream_blocks",
]
