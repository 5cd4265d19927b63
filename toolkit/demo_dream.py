"""A synthetic DREAM extract for the demo wave (deterministic; ~30,000 persons, 2016-2023).

Weekly benefit codes come from a person-level weekly Markov chain over benefit states; monthly
employment degrees (`grad_YYYY_MM`) follow from the weeks in a job plus wage-hour episodes on
benefit. Municipality effects are planted: the job hazard rises with the demo's latent
`municipality_climate` (the same latent that tilts the demo survey answers), and municipalities
with a better climate use more company internships – so the municipality model has something real
to find. Activation rises after July 2021 (the demo NY CHANCE programme start).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .demo import municipalities, municipality_climate
from .dream import thursday_month, weeks_in_year

PROGRAMME = (657, 661, 740, 820)  # Herning, Holstebro, Silkeborg, Vesthimmerland
YEARS = range(2016, 2024)
PROGRAMME_START = date(2021, 7, 1)

# states: code base (activity digit added for activity states), or None for blank weeks
SELF, JOB, KH_A, KH_J, UH_A, INT, DAG, SYG, SU, FLEKS, LEDY, FOP, RESS, JOBAFK, DEAD, EMIG, PENS, REVAL = range(18)
CODE = {SELF: 0, JOB: 0, KH_A: 730, KH_J: 130, UH_A: 720, INT: 700, DAG: 111, SYG: 890, SU: 651, FLEKS: 771,
        LEDY: 740, FOP: 783, RESS: 810, JOBAFK: 785, DEAD: 999, EMIG: 997, PENS: 998, REVAL: 760}
ACTIVITY_STATES = (KH_A, KH_J, UH_A, INT)
# weekly transition probabilities to other states (the job hazard is person-specific, below)
MOVES = {
    KH_A: {SU: 0.0004, FLEKS: 0.0005, LEDY: 0.0005, FOP: 0.0012, RESS: 0.0007, SELF: 0.0012, SYG: 0.0005, KH_J: 0.0006, JOBAFK: 0.0002, REVAL: 0.0002},
    UH_A: {SU: 0.0018, SELF: 0.0012, LEDY: 0.0003, FOP: 0.0004, RESS: 0.0006, SYG: 0.0005, KH_A: 0.0004},
    INT: {SU: 0.0005, SELF: 0.0012, EMIG: 0.0008, FOP: 0.0004, RESS: 0.0004, KH_A: 0.0006},
    KH_J: {SU: 0.0006, SELF: 0.0018, SYG: 0.0006, KH_A: 0.0010, DAG: 0.0004},
    DAG: {KH_J: 0.004, SELF: 0.004, SYG: 0.002},
    SYG: {KH_A: 0.006, JOBAFK: 0.004, FOP: 0.002, SELF: 0.004},
    SU: {SELF: 0.004, KH_J: 0.002},
    SELF: {KH_J: 0.003, KH_A: 0.002, DAG: 0.001},
    JOB: {DAG: 0.0040, SELF: 0.0015, SYG: 0.0015, KH_J: 0.0030, KH_A: 0.0020},
    FLEKS: {LEDY: 0.004},
    LEDY: {FLEKS: 0.015},
    RESS: {FLEKS: 0.004, FOP: 0.004, KH_A: 0.004},
    JOBAFK: {RESS: 0.006, FOP: 0.004, KH_A: 0.004},
    REVAL: {KH_A: 0.002},
}
JOB_HAZARD = {KH_A: 0.0016, UH_A: 0.0030, INT: 0.0020, KH_J: 0.0045, DAG: 0.020, SYG: 0.010, SU: 0.006, SELF: 0.012,
              RESS: 0.0015, JOBAFK: 0.002, REVAL: 0.012}
MATCH_EFFECT = {1: 2.5, 2: 2.0, 3: 1.5, 4: 0.7, 5: 0.35, 25: 1.8}
# activation types by activity digit: guidance, projects, education, wage subsidy priv/pub, internship priv/pub
DIGITS = np.array([1, 3, 4, 5, 6, 7, 8])


def demo_weeks() -> list[tuple[int, int]]:
    return [(y, w) for y in YEARS for w in range(1, weeks_in_year(y) + 1)]


def _municipality_weights(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    w = rng.lognormal(0.0, 0.7, len(codes))
    w[np.isin(codes, PROGRAMME)] = np.median(w) * 1.6  # four mid-to-large programme municipalities
    return w / w.sum()


def synthetic_extract(seed: int = 2024, persons: int = 30_000) -> pd.DataFrame:
    """The demo DREAM extract as a DataFrame in DREAM's wide layout (one row per person)."""
    rng = np.random.default_rng(seed + 500)
    kom = municipalities()["kode"].to_numpy()
    klima = municipality_climate(seed).reindex(kom).to_numpy()
    n = persons
    ki = rng.choice(len(kom), n, p=_municipality_weights(rng, kom))
    c = klima[ki]
    # municipality activation profile: better climate → more company internships, less guidance
    mix = np.exp(np.column_stack([0.8 - 0.5 * klima, 0.6 + 0 * klima, -1.3 + 0 * klima, -1.6 + 0 * klima, -2.6 + 0 * klima,
                                  0.1 + 0.8 * klima, -0.6 + 0.5 * klima]) + rng.normal(0, 0.25, (len(kom), 7)))
    mix = mix / mix.sum(axis=1, keepdims=True)
    act_level = np.exp(rng.normal(0, 0.3, len(kom)))  # how much each municipality activates

    state = rng.choice([KH_A, KH_J, UH_A, INT, DAG, SYG, JOB, SU, SELF, FOP, FLEKS, RESS], n,
                       p=[0.34, 0.24, 0.08, 0.07, 0.05, 0.04, 0.08, 0.02, 0.04, 0.01, 0.01, 0.02])
    match = np.where(np.isin(state, [KH_A, UH_A, INT, FOP, FLEKS, RESS]),
                     rng.choice([1, 2, 3, 4, 5, 25], n, p=[0.01, 0.03, 0.08, 0.38, 0.48, 0.02]),
                     rng.choice([1, 2, 3, 4, 5, 25], n, p=[0.25, 0.25, 0.25, 0.10, 0.07, 0.08]))
    # municipalities differ in how heavy their target group is (independent of the climate)
    heavy = rng.normal(0, 0.5, len(kom))[ki]
    match = np.where((match <= 3) & (rng.random(n) < 0.25 * (heavy > 0.3)), 5, match)
    age2020 = np.clip(rng.gamma(6.0, 6.5, n) + 16, 18, 66).astype(int)
    birth = np.array([date(2020, 1, 1).toordinal() - int(a * 365.25) - int(d) for a, d in zip(age2020, rng.integers(0, 365, n))])
    birth_dates = [date.fromordinal(int(b)) for b in birth]
    birth_month = np.array([d.year * 12 + d.month - 1 for d in birth_dates])
    sex = rng.choice([1, 2], n, p=[0.47, 0.53])
    origin = rng.choice([1, 2, 3], n, p=[0.65, 0.325, 0.025]).astype(float)
    origin[rng.random(n) < 0.004] = np.nan
    int_akt = rng.random(n) < 0.55  # integrationsydelse recipients visited as aktivitetsparat
    frailty = np.exp(rng.normal(0, 0.5, n) - 0.02 * np.maximum(age2020 - 45, 0))
    job_mult = np.array([MATCH_EFFECT[m] for m in match]) * frailty * np.exp(0.8 * c)
    wage_prob = 0.010 * np.array([MATCH_EFFECT[m] for m in match]) ** 0.5 * np.exp(0.3 * c)
    job_grad = rng.uniform(45, 100, n).round(1)
    # staggered entry into the benefit system (2016-2020), later in some municipalities: gives the
    # unemployment seniority its spread; seniority lowers the job hazard (duration dependence)
    entry = np.clip(rng.exponential(70, n) * np.exp(rng.normal(0, 0.4, len(kom)))[ki], 0, 235).astype(int)
    entry[rng.random(n) < 0.35] = 0
    pre = np.where(rng.random(n) < 0.5, JOB, SELF)
    first_state = state.copy()
    state = np.where(entry > 0, pre, state)
    dur = np.zeros(n, np.int16)

    weeks = demo_weeks()
    W = len(weeks)
    codes = np.zeros((W, n), np.int16)
    states = np.zeros((W, n), np.int8)
    act = np.zeros(n, np.int16)  # current activity digit (0 passive)
    left = np.zeros(n, np.int16)  # weeks left of the current offer
    start_w = next(i for i, (y, w) in enumerate(weeks) if date.fromisocalendar(y, w, 4) >= PROGRAMME_START)
    for t, (y, wk) in enumerate(weeks):
        month = thursday_month(y, wk)
        age = (month - birth_month) // 12
        u = rng.random(n)
        entering = entry == t
        state = np.where(entering & (t > 0), first_state, state)
        waiting = entry > t
        new = state.copy()
        for s, moves in MOVES.items():
            idx = np.flatnonzero(state == s)
            if not len(idx):
                continue
            p_job = np.minimum(JOB_HAZARD.get(s, 0.0) * job_mult[idx] * np.exp(-0.004 * dur[idx])
                               * np.where(act[idx] >= 7, 2.2, np.where(act[idx] == 1, 0.8, 1.0)), 0.5)
            cum = p_job.copy()
            ui = u[idx]
            dest = np.where(ui < cum, JOB, s)
            for d, p in moves.items():
                hit = (dest == s) & (ui >= cum) & (ui < cum + p)
                dest = np.where(hit, d, dest)
                cum = cum + p
            new[idx] = dest
        new = np.where(waiting, state, new)
        alive = ~np.isin(new, [DEAD, EMIG])
        new = np.where(alive & (rng.random(n) < 0.00006), DEAD, new)
        new = np.where(alive & (rng.random(n) < 0.00004) & (origin >= 2), EMIG, new)
        new = np.where((age >= 66) & ~np.isin(new, [JOB, DEAD, EMIG]), PENS, new)
        left_state = new != state
        act = np.where(left_state, 0, act)
        left = np.where(left_state, 0, left)
        state = new
        on = np.isin(state, ACTIVITY_STATES)
        dur = np.where(on | np.isin(state, [DAG, SYG]), np.minimum(dur + 1, 400), np.where(state == JOB, 0, dur)).astype(np.int16)
        # activation offers: start hazard rises after the programme start
        lift = 5.0 if t >= start_w else 1.0
        p_start = np.where(state == KH_J, 0.0025, 0.004) * act_level[ki] * lift * np.where(state == UH_A, 1.8, 1.0)
        starting = on & (act == 0) & (rng.random(n) < p_start)
        if starting.any():
            cum = mix[ki[starting]].cumsum(axis=1)
            pick = (rng.random(starting.sum())[:, None] > cum).sum(axis=1)
            act[starting] = DIGITS[np.minimum(pick, 6)]
            left[starting] = rng.geometric(1 / 12, starting.sum())
        left = np.where(act > 0, left - 1, 0)
        act = np.where((act > 0) & (left <= 0), 0, act)
        base = np.array([CODE[s] for s in range(18)], np.int16)[state]
        codes[t] = np.where(on, base + act, base)
        states[t] = state
    # a handful of weeks with a code the code list lacks, to show how unknown codes are reported
    odd = rng.choice(n, 3, replace=False)
    codes[300:304, odd] = 555

    week_month = np.array([thursday_month(y, w) for y, w in weeks])
    months = np.arange(YEARS[0] * 12, 2024 * 12)
    grad = np.zeros((len(months), n), np.float32)
    benefit_weeks = (codes > 0) & ~np.isin(codes, [997, 999])
    for k, m in enumerate(months):
        sl = week_month == m
        jobs = (states[sl] == JOB).mean(axis=0)
        on_benefit = benefit_weeks[sl].any(axis=0)
        g = np.where(jobs > 0, (jobs * job_grad).round(1), 0.0)
        wage = on_benefit & (rng.random(n) < wage_prob) & np.isin(states[sl][-1], [KH_A, KH_J, UH_A, INT, DAG])
        grad[k] = np.where(wage, np.maximum(g, rng.uniform(4, 40, n).round(1)), g)

    cols: dict[str, object] = {
        "pnr": [f"P{i:07d}" for i in range(1, n + 1)],
        "kon": sex,
        "foed_dato": [d.isoformat() for d in birth_dates],
        "herkomst": pd.array(origin, dtype="Int8"),
        "match": match.astype(np.int16),
    }
    moved = ki.copy()
    for y in YEARS:
        if y > YEARS[0]:
            mv = rng.random(n) < 0.015
            moved = np.where(mv, rng.choice(len(kom), n), moved)
        cols[f"nykom{y}"] = kom[moved].astype(np.int16)
    for y in YEARS:
        for q in range(1, 5):
            first = next(t for t, (yy, ww) in enumerate(weeks) if week_month[t] == y * 12 + 3 * (q - 1))
            s = states[first]
            v = np.where(np.isin(s, [KH_A, UH_A]) | ((s == INT) & int_akt), 2, np.where(np.isin(s, [KH_J, INT]), 1, 0))
            cols[f"visit{q}kv{y}"] = pd.array(np.where(v > 0, v, 0), dtype="Int8").astype("Int8")
            cols[f"visit{q}kv{y}"][v == 0] = pd.NA  # type: ignore[index]
    for t, (y, w) in enumerate(weeks):
        col = pd.array(codes[t], dtype="Int16")
        col[codes[t] == 0] = pd.NA
        cols[f"y_{y % 100:02d}{w:02d}"] = col
    for k, m in enumerate(months):
        g = pd.array(grad[k], dtype="Float32")
        g[(grad[k] == 0) & (rng.random(n) < 0.7)] = pd.NA  # blank and 0 both mean no employment
        cols[f"grad_{m // 12}_{m % 12 + 1:02d}"] = g
    return pd.DataFrame(cols)
