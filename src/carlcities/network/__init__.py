"""Street networks as compact arrays: build, simplify, consolidate, measure, route.

A :class:`StreetGraph` is a directed multigraph held in NumPy arrays (nodes × coordinates in
the city grid's CRS, edges × endpoints/length/class), turned into a SciPy CSR matrix for
shortest paths. NetworkX never appears here; it is the test peer.

Definitions follow OSMnx (Boeing 2017, 2025) so that the statistics are comparable:

* network filters ``all``, ``drive`` and ``walk`` are OSMnx's Overpass filters, evaluated on
  the way tags with the same regular expressions (``!~`` = no partial match); ``walk`` is
  bidirectional (one-way tags ignored), the others honour ``oneway`` and roundabouts;
* edge length = great-circle distance between consecutive nodes (R = 6,371,009 m);
* ``street_count`` of a node = physical street segments incident on it, counted on the
  unsimplified undirected graph (a self-loop counts twice, reciprocal edges once);
* topological simplification keeps a node when it has a self-loop, no incoming or no
  outgoing edge, or not exactly two neighbours with degree 2 or 4 (``simplify_graph``); each
  chain of other nodes becomes one edge with its geometry and summed length; rings without
  such a node are removed;
* undirected edges (street segments) de-duplicate reciprocal edges of identical geometry.

References
----------
Boeing, G. (2017). OSMnx: new methods for acquiring, constructing, analyzing, and visualizing
complex street networks. *Computers, Environment and Urban Systems* 65:126–139.
doi:10.1016/j.compenvurbsys.2017.05.004

Boeing, G. (2019). Urban spatial order: street network orientation, configuration, and
entropy. *Applied Network Science* 4:67. doi:10.1007/s41109-019-0189-1

Boeing, G. (2025). Modeling and analyzing urban networks and amenities with OSMnx.
*Geographical Analysis*. doi:10.1111/gean.70009

The package: :mod:`~carlcities.network.graph` (filters, :class:`StreetGraph`, building,
components), :mod:`~carlcities.network.simplify`, :mod:`~carlcities.network.stats` and
:mod:`~carlcities.network.routing`.
"""

from __future__ import annotations

from .graph import (
    BIDIRECTIONAL,
    EARTH_RADIUS_M,
    NETWORK_FILTERS,
    SPEEDS_KMH,
    StreetGraph,
    build_graph,
    components,
    count_streets,
    largest_component,
    parse_maxspeed,
    subgraph,
)
from .routing import grid_graph, nearest_distance, snap, to_csr
from .simplify import simplify
from .stats import (
    basic_stats,
    clean_intersections,
    consolidate,
    orientation_entropy,
    orientation_order,
    undirected_edges,
)

__all__ = ["StreetGraph", "NETWORK_FILTERS", "SPEEDS_KMH", "build_graph", "simplify",
           "largest_component", "components", "consolidate", "basic_stats",
           "orientation_entropy", "orientation_order", "to_csr", "nearest_distance", "snap",
           "parse_maxspeed", "grid_graph", "BIDIRECTIONAL", "EARTH_RADIUS_M", "count_streets",
           "subgraph", "undirected_edges", "clean_intersections"]

#: the old private name, until indicators/mobility.py imports :func:`undirected_edges`
