"""Multi-hazard risk: earthquake, flood, mudflow and heat — exposure, damage, losses, lives.

Modules, named after what users know:

``sites``          the city's ground (Vs30) and buildings (exposure) on the grid, in blocks
``exposure/``      buildings by typology on the city grid (GEM mixes), or a GEM exposure CSV
``vulnerability/`` OpenQuake NRML 0.5 vulnerability, fragility and consequence models
``gmpe``           ground motion and intensity: Boore et al. 2014, Bindi et al. 2011
``seismicity/``    catalogues, completeness, Gutenberg-Richter sources, stochastic event sets,
                   classical hazard curves
``sources``        the regional smoothed-seismicity model and a city's event set
``historic``       named historic earthquakes with observed intensities
``pager``          USGS PAGER empirical fatality model
``losses/``        the event-based loss engine (chunked, numba, Dask)
``metrics``        EAL, exceedance curves, return-period losses
``flood``          depth-damage (JRC), flood losses and EAL from return-period maps
``mudflow``        debris-flow run-out corridors from a DEM, or a mudflow map
``heat``           heat days, heatwaves, exposed elderly, excess deaths
``climate``        climate scenario deltas (SSP2-4.5, SSP5-8.5)
``hazards/``       the hazards as one family: the ``Hazard`` interface and registry (with the
                   ``carlcities.hazards`` entry points), one module per hazard using the above
``run``            one city through all of it (what the pipeline calls)
``scenario``       one scenario earthquake on one city (``carlcities risk scenario``)
``store``          the risk tables of the results store
"""
