"""The leakage guard: columns that, alone, give the target away.

A column that predicts a 0/1 target almost perfectly on its own is, in practice, a consequence
of the target (failure-type flags, a repair code, a downtime counter) rather than a measurement
taken before it: a model that uses it looks excellent and is useless. Two tests:

- any numeric column whose single-feature ROC AUC (either direction) is at least 0.99;
- any 0/1 column that implies the target: where it is 1, the target is 1 in 99% or more of the
  rows, and so many rows that chance would hardly do it (``base_rate ** rows < 0.001``): AI4I's
  TWF/HDF/PWF/OSF/RNF flags, each one marking a kind of failure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AUC_LIMIT = 0.99
IMPLIES_LIMIT = 0.99
CHANCE = 1e-3


@dataclass(frozen=True)
class Leak:
    """One column that gives the target away, and why."""

    column: str
    reason: str

    def message(self, target: str) -> str:
        return f"column {self.column!r} alone predicts {target!r}: {self.reason} (excluded)"


def find_leaks(frame: pd.DataFrame, target: str, columns: list[str]) -> list[Leak]:
    """The columns of ``columns`` that alone predict ``frame[target]`` almost perfectly."""
    from sklearn.metrics import roc_auc_score

    y = frame[target].to_numpy(int)
    if y.min() == y.max():
        return []
    leaks = []
    for column in columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.isna().any():
            continue
        x = values.to_numpy(float)
        auc = float(roc_auc_score(y, x))
        auc = max(auc, 1 - auc)
        if auc >= AUC_LIMIT:
            leaks.append(Leak(column, f"single-feature ROC AUC {auc:.3f}"))
            continue
        ones = int((x == 1).sum())
        if set(np.unique(x)) <= {0.0, 1.0} and ones and y.mean() ** ones < CHANCE:
            share = float(y[x == 1].mean())
            if share >= IMPLIES_LIMIT:
                leaks.append(Leak(column, f"the target is 1 in {share:.0%} of its {ones} 1s"))
    return leaks
