"""From scenarios to strategy: wind-tunnelling, each lever tested against every consistent scenario.

A lever (a stake of ``levers.csv`` with its instruments) is robust when it works whatever the future
(van der Heijden's wind-tunnelling: options tested against every scenario). From the lever ×
scenario matrix (0 does not work, 1 partly, 2 works):

- « tous » : it works (2) in every scenario;
- « aucun » : it does not work (0) in any scenario;
- « certains » : otherwise (it works, or partly works, in some);
- « à évaluer » : some scenario is not assessed yet.
"""

from __future__ import annotations

import pandas as pd

ROBUSTNESS_TEXT = {"tous": "fonctionne dans tous les scénarios", "certains": "fonctionne dans certains scénarios",
                   "aucun": "ne fonctionne dans aucun scénario", "à évaluer": "pas encore évalué partout"}


def robustness(windtunnel: pd.DataFrame) -> pd.DataFrame:
    """One row per lever: how many scenarios it works in, partly works in, fails in, and its robustness."""
    works = (windtunnel == 2).sum(axis=1)
    partly = (windtunnel == 1).sum(axis=1)
    fails = (windtunnel == 0).sum(axis=1)
    assessed = windtunnel.notna().sum(axis=1)
    total = windtunnel.shape[1]
    label = pd.Series("certains", index=windtunnel.index)
    label[works == total] = "tous"
    label[fails == total] = "aucun"
    label[assessed < total] = "à évaluer"
    return pd.DataFrame({"works": works, "partly": partly, "fails": fails, "assessed": assessed,
                         "robustness": label}).astype({"works": int, "partly": int, "fails": int, "assessed": int})
