"""Simulated portal users for ``benchmarks/bench_portal.py`` (locust, headless, localhost only).

Each user browses like a visitor of the study: the region map, city pages, comparisons, the
JSON the pages load and map tiles, with 0.5–2 s between actions. The targets (city ids,
indicator ids, tile URLs) come from the JSON file named by ``$CARLCITIES_LOCUST_PLAN``, written
by the benchmark after it has asked the running portal what exists.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["CARLCITIES_LOCUST_PLAN"], encoding="utf-8").read())


class Visitor(HttpUser):
    wait_time = between(0.5, 2.0)

    @task(2)
    def region(self) -> None:
        self.client.get("/", name="page: region")
        self.client.get("/api/v1/values?indicator=" + random.choice(PLAN["indicators"]),
                        name="api: values")

    @task(3)
    def city(self) -> None:
        c = random.choice(PLAN["cities"])
        self.client.get(f"/city/{c}", name="page: city")
        self.client.get(f"/api/v1/cities/{c}/layers?lang=en", name="api: layers")
        self.client.get(f"/api/v1/cities/{c}/vectors/extents.geojson", name="api: extents")

    @task(1)
    def compare(self) -> None:
        cs = ",".join(random.sample(PLAN["cities"], 3))
        self.client.get(f"/compare?cities={cs}", name="page: compare")

    @task(1)
    def api(self) -> None:
        self.client.get("/api/v1/cities", name="api: cities")
        self.client.get(f"/api/v1/cities/{random.choice(PLAN['cities'])}", name="api: city")

    @task(6)
    def tiles(self) -> None:
        for url in random.sample(PLAN["tiles"], min(6, len(PLAN["tiles"]))):
            self.client.get(url, name="tile")
