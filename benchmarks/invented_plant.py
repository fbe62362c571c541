"""The invented plant of the twin's done-when checks (not a shipped file).

Two products with different routings, lognormal, triangular, Weibull and uniform process
times, a station of two machines that fail (Weibull time to failure in operating minutes,
lognormal repairs) and defects at the welder found by an inspection. The same plant as
``INVENTED_PLANT`` in ``tests/dtwin/twin/conftest.py``; benchmarks import it from here.
"""

from __future__ import annotations

from typing import Any

INVENTED_PLANT: dict[str, Any] = {
    "name": "invented plant",
    "products": [
        {"name": "bracket", "routing": ["cut", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 8.0}},
        {"name": "housing", "routing": ["cut", "weld", "mill", "inspect"],
         "arrival": {"dist": "exponential", "mean": 10.0}},
    ],
    "stations": [
        {"name": "cut", "process_time": {"dist": "lognormal", "mean": 2.0, "std": 0.6}},
        {"name": "weld", "defect_rate": 0.03,
         "process_time": {"dist": "triangular", "low": 1.5, "mode": 2.5, "high": 4.0}},
        {"name": "mill", "machines": 2,
         "process_time": {"dist": "weibull", "shape": 2.5, "scale": 5.6},
         "failure": {"ttf": {"dist": "weibull", "shape": 1.5, "scale": 266.0},
                     "repair": {"dist": "lognormal", "mean": 20.0, "std": 8.0}}},
        {"name": "inspect", "kind": "inspection", "detection_rate": 0.9,
         "process_time": {"dist": "uniform", "low": 0.8, "high": 1.2}},
    ],
}  # fmt: skip
