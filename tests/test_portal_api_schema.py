"""Property-based tests of the portal's JSON API against its own OpenAPI description
(schemathesis): every GET endpoint under ``/api/v1`` and the map tiles, for inputs generated
from the schema (random strings and numbers, plus the study's real city, layer and indicator
ids added to the schema as examples so that the generator also reaches the happy paths), must
never answer 5xx, must answer only the status codes it documents, and its JSON must match the
response schema it documents.

Kept small (a few examples per endpoint, no example database) so it runs in seconds.
"""

from __future__ import annotations

from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from carlcities.portal.app import create_app  # noqa: E402
from tests.test_report import make_fake_out  # noqa: E402

#: examples per endpoint and phase (explicit examples are tried on top)
MAX_EXAMPLES = 12


def _examples(raw: dict[str, Any], app: Any) -> dict[str, Any]:
    """The schema with the study's real ids as examples of the path and query parameters."""
    s = app.state.source
    real = {
        "city_id": [c["city_id"] for c in s.cities()],
        "indicator": sorted(s.indicators()),
        "name": ["extents", "districts", "basemap"],
        "layer": ["countries", "rivers", "lakes"],
    }
    for path, ops in raw["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                vals = real.get(p["name"])
                if p["name"] == "layer" and path.startswith("/tiles/"):
                    vals = s.layers("almaty")
                if vals:
                    p["schema"] = dict(p.get("schema", {}), examples=vals)
    return raw


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    out = make_fake_out(tmp_path_factory.mktemp("api-schema") / "out")
    app = create_app(out, db_url=f"sqlite:///{out.parent / 'accounts.sqlite'}")
    schema = schemathesis.openapi.from_dict(_examples(app.openapi(), app))
    schema.app = app
    return schema


def test_get_endpoints_follow_their_schema(api_schema):
    """Each operation in its own Hypothesis run (schemathesis' lazy pytest fixture does not
    work with pytest 9, so the operations are walked here); every failure is reported."""
    ops = [r.ok() for r in api_schema.include(method="GET", path_regex=r"^/(api/v1|tiles)/")
           .get_all_operations()]
    assert len(ops) >= 9, [o.label for o in ops]
    failures = []
    for op in ops:
        @given(case=op.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), print_blob=False)
        def check(case: Any) -> None:
            response = case.call_and_validate()
            assert response.status_code < 500

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:   # every operation's, reported below
            failures.append(f"{op.label}: {type(exc).__name__}: {str(exc)[:1500]}")
    assert failures == [], "\n\n".join(failures)
