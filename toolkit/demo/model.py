"""Demo register outcomes per municipality with planted effects, for the municipality model.

Stands in for the DREAM-derived municipality outcomes until those exist: one row per
municipality with the NY CHANCE goals (mål 1-3), the two controls of seed 004 ch. 4 (mean
unemployment seniority, share in match groups 4-5) and each activation type's share of offers.
The self-support degree (mål 2) is built with KNOWN effects, so the demo model can be seen to
recover them (PLANTED lists them). Deterministic; pure function (the CLI writes the file).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from toolkit.demo.surveys import municipalities, municipality_climate

# effect on mål 2 (share of the period self-supporting, 0-1) of one unit of each variable
PLANTED = {
    "anciennitet": -0.0006,  # per week of mean unemployment seniority
    "andel_match45": -0.30,  # per unit share in match groups 4-5
    "akt_praktik": 0.40,  # company internships (clear job aim): +
    "akt_revalidering": 0.50,  # revalidation (clear job aim): +
    "akt_vejledning": -0.30,  # short guidance courses (diffuse job aim): −
}
CLIMATE_EFFECT = 0.015  # the latent that also tilts leaders' answers (maal_*, akt_1)

# activation types as in registers/dream_codes.yaml (column names as toolkit.outcomes.municipality_frame)
ACTIVATION_SHARES = {
    "akt_vejledning": (0.30, 0.07),
    "akt_projekter": (0.20, 0.06),
    "akt_uddannelse": (0.04, 0.02),
    "akt_loentilskud_privat": (0.06, 0.03),
    "akt_loentilskud_offentlig": (0.05, 0.025),
    "akt_praktik": (0.16, 0.05),
    "akt_revalidering": (0.05, 0.025),
}


def demo_register_outcomes(seed: int = 2024, noise: float = 0.02) -> pd.DataFrame:
    """One row per municipality: kommune, personer, maal1-3, controls and activation shares."""
    rng = np.random.default_rng(seed + 77)
    kom = municipalities()["kode"].to_numpy()
    n = len(kom)
    klima = municipality_climate(seed).reindex(kom).to_numpy()
    d = pd.DataFrame({"kommune": kom})
    d["personer"] = np.round(np.exp(rng.normal(5.0, 0.8, n))).astype(int) + 20
    d["anciennitet"] = np.round(rng.normal(160, 30, n), 1)
    d["andel_match45"] = np.clip(rng.normal(0.70, 0.08, n), 0.4, 0.95)
    for col, (mean, sd) in ACTIVATION_SHARES.items():
        tilt = {"akt_praktik": 0.02, "akt_vejledning": -0.02}.get(col, 0.0) * klima
        d[col] = np.clip(mean + tilt + rng.normal(0, sd, n), 0.0, 0.9)
    centred = {c: d[c] - d[c].mean() for c in PLANTED}
    maal2 = 0.14 + sum(b * centred[c] for c, b in PLANTED.items()) + CLIMATE_EFFECT * klima + rng.normal(0, noise, n)
    d["maal2"] = np.clip(maal2, 0.0, 1.0)
    # mål 1 (share in job or education) shares the structure, with its own noise
    maal1 = 0.20 + sum(1.2 * b * centred[c] for c, b in PLANTED.items()) + CLIMATE_EFFECT * klima + rng.normal(0, 0.03, n)
    d["maal1"] = np.clip(maal1, 0.0, 1.0)
    # mål 3 (activation degree) is driven by other things
    d["maal3"] = np.clip(0.35 + 0.04 * klima + rng.normal(0, 0.06, n), 0.0, 1.0)
    cols = ["kommune", "personer", "maal1", "maal2", "maal3", "anciennitet", "andel_match45", *ACTIVATION_SHARES]
    return d[cols]
