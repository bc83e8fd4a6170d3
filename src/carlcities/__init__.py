"""carlcities: resilient and low-carbon city assessment for Central Asia.

The public API, listed explicitly.
"""

__version__ = "0.1.0"

from .catalog import Catalog, City, load_catalog  # noqa: E402
from .config import StudyConfig, default_config, load_config  # noqa: E402
from .errors import CarlError  # noqa: E402
from .grid import CityGrid, for_city  # noqa: E402


def run_study(*args, **kwargs):
    """Run the study (see :func:`carlcities.pipeline.run_study`)."""
    from .pipeline import run_study as _run

    return _run(*args, **kwargs)


__all__ = ["__version__", "Catalog", "City", "load_catalog", "StudyConfig", "default_config",
           "load_config", "CarlError", "CityGrid", "for_city", "run_study"]
