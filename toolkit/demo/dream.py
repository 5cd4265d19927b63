"""A synthetic DREAM extract for the demo wave (deterministic; ~30,000 persons, 2016-2023).

Weekly benefit codes come from a person-level weekly Markov chain over benefit states; monthly
employment degrees (`grad_YYYY_MM`) follow from the weeks in a job plus wage-hour episodes on
benefit. Activation rises after July 2021 (the demo NY CHANCE programme start).

Municipality effects are planted so the municipality model (wave chapter 4, on
`toolkit.outcomes.municipality_frame`) has something real to find. From the programme start the
NY CHANCE cohort's weekly hazard of leaving kontanthjælp for a job or self-support rises with the
demo's latent `municipality_climate` (which also tilts the leaders' answers) and with the share of
the municipality's offers that are company internships, and falls with the share that are short
guidance courses (PLANTED); it also falls with the weeks already on benefit (the unemployment
seniority) and in match groups 4-5, and municipalities differ in both (later entry into the
benefit system, a heavier target group). `municipal_profile` returns the planted truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from toolkit.core.calendar import thursday_month, weeks_in_year
from toolkit.demo.surveys import municipalities, municipality_climate

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
COHORT_STATES = (KH_A, KH_J)  # the NY CHANCE cohort's benefits (kontanthjælp)
AGE_SHAPE, AGE_SCALE = 3.5, 7.0  # age in 2020: 18 + gamma(shape, scale)
STATE_P = [0.40, 0.30, 0.06, 0.05, 0.04, 0.03, 0.04, 0.01, 0.03, 0.01, 0.01, 0.02]  # first benefit state
ENTRY_MEAN, ENTRY_SPREAD = 110, 0.9  # mean delay (weeks) of entry into the benefit system; municipal log-sd
PRE_EXIT = 0.6  # before the start kontanthjælp is sticky: its exit rates relative to MOVES/JOB_HAZARD
PRE_OFFER, OFFER_LIFT = 0.002, 20.0  # weekly offer hazard on kontanthjælp before the start, and its rise after
PRE_CLIMATE = 0.2  # log job hazard per sd of the climate, all the time (the programme adds PLANTED["klima"])
# The planted municipality effects, from the programme start, on the cohort's weekly hazard of
# leaving kontanthjælp for a job or self-support (log scale): per sd of the climate and per unit
# share of the municipality's offers that are company internships / short guidance courses.
PLANTED = {"klima": 0.3, "praktik": 6.0, "vejledning": -6.0}
PROGRAMME_LIFT = {KH_A: 12.0, KH_J: 5.0}  # the programme raises every cohort member's job hazard …
AFTER_OTHER = 0.5  # … and halves their other exits (førtidspension, ressourceforløb, …)
MATCH_PROGRAMME = 0.6  # the lift for persons in match groups 4-5 relative to 1-3 (on top of MATCH_EFFECT)
SENIORITY_EFFECT = 0.010  # log hazard per week on benefit (duration dependence; the seniority effect)
MIX_SPREAD = 0.12  # municipal sd of the internship and the guidance share of offers
HEAVY_MEAN, HEAVY_SPREAD = 0.3, 0.35  # municipal probability that a match 1-3 person is in match 4-5 instead
# activation types by activity digit: guidance, projects, education, wage subsidy priv/pub, internship priv/pub
DIGITS = np.array([1, 3, 4, 5, 6, 7, 8])


def demo_weeks() -> list[tuple[int, int]]:
    return [(y, w) for y in YEARS for w in range(1, weeks_in_year(y) + 1)]


def _municipality_weights(rng: np.random.Generator, codes: np.ndarray) -> np.ndarray:
    w = rng.lognormal(0.0, 0.7, len(codes))
    w[np.isin(codes, PROGRAMME)] = np.median(w) * 1.6  # four mid-to-large programme municipalities
    return w / w.sum()


@dataclass
class MunicipalProfile:
    """The planted per-municipality truth behind the demo extract (index = position in `kode`)."""

    kode: np.ndarray
    klima: np.ndarray  # toolkit.demo.municipality_climate: also tilts the leaders' answers
    mix: np.ndarray  # municipality × DIGITS: the probability that an offer is of that type
    act_level: np.ndarray  # how much the municipality activates (multiplies the offer hazard)
    entry_scale: np.ndarray  # how late its recipients entered the benefit system (→ seniority)
    heavy: np.ndarray  # probability that a would-be match 1-3 person is in match group 4-5 instead

    @property
    def praktik(self) -> np.ndarray:
        return self.mix[:, np.isin(DIGITS, (7, 8))].sum(axis=1)

    @property
    def vejledning(self) -> np.ndarray:
        return self.mix[:, DIGITS == 1].sum(axis=1)

    def programme_effect(self) -> np.ndarray:
        """Log job hazard per municipality from the programme start: climate and offer profile."""
        return (PLANTED["klima"] * self.klima + PLANTED["praktik"] * (self.praktik - self.praktik.mean())
                + PLANTED["vejledning"] * (self.vejledning - self.vejledning.mean()))


def municipal_profile(seed: int = 2024) -> MunicipalProfile:
    """Draw each municipality's planted characteristics (deterministic in the seed)."""
    rng = np.random.default_rng(seed + 501)
    kom = municipalities()["kode"].to_numpy()
    klima = municipality_climate(seed).reindex(kom).to_numpy()
    K = len(kom)
    # offer profile: the shares of company internships and of short guidance courses are each the
    # municipality's own choice (drawn independently of each other and of the climate); the rest of
    # the offers are split between projects, education and wage subsidies
    praktik = np.clip(0.25 + rng.normal(0, MIX_SPREAD, K), 0.05, 0.55)
    vejledning = np.clip(0.33 + rng.normal(0, MIX_SPREAD, K), 0.05, 0.6)
    # the four CUBB programme municipalities build their offers on company internships
    prog = np.isin(kom, PROGRAMME)
    praktik[prog], vejledning[prog] = 0.40, 0.15
    over = np.maximum((praktik + vejledning) / 0.85, 1.0)  # leave at least 15 % for the other types
    praktik, vejledning = praktik / over, vejledning / over
    rest = np.exp(np.log([0.55, 0.2, 0.15, 0.1]) + rng.normal(0, 0.3, (K, 4)))
    rest *= ((1 - praktik - vejledning) / rest.sum(axis=1))[:, None]
    private = np.clip(rng.normal(0.7, 0.1, K), 0.3, 0.95)
    mix = np.column_stack([vejledning, rest, praktik * private, praktik * (1 - private)])
    return MunicipalProfile(
        kode=kom, klima=klima, mix=mix,
        act_level=np.exp(rng.normal(0, 0.25, K)),
        entry_scale=np.exp(rng.normal(0, ENTRY_SPREAD, K)),
        heavy=np.clip(rng.normal(HEAVY_MEAN, HEAVY_SPREAD, K), 0.0, 0.9),
    )


def synthetic_extract(seed: int = 2024, persons: int = 30_000, *, part: int = 0, first_id: int = 1) -> pd.DataFrame:
    """The demo DREAM extract as a DataFrame in DREAM's wide layout (one row per person).

    `part` > 0 draws another batch of persons of the same population (same municipalities and
    planted effects), numbered from `first_id`: a large extract is generated batch by batch."""
    rng = np.random.default_rng(seed + 500 if part == 0 else [seed + 500, part])
    prof = municipal_profile(seed)
    kom = prof.kode
    n = persons
    ki = rng.choice(len(kom), n, p=_municipality_weights(rng, kom))
    c = prof.klima[ki]
    mix, act_level = prof.mix, prof.act_level
    programme = np.exp(prof.programme_effect())[ki]  # per person

    state = rng.choice([KH_A, KH_J, UH_A, INT, DAG, SYG, JOB, SU, SELF, FOP, FLEKS, RESS], n, p=STATE_P)
    match = np.where(np.isin(state, [KH_A, UH_A, INT, FOP, FLEKS, RESS]),
                     rng.choice([1, 2, 3, 4, 5, 25], n, p=[0.01, 0.03, 0.08, 0.38, 0.48, 0.02]),
                     rng.choice([1, 2, 3, 4, 5, 25], n, p=[0.25, 0.25, 0.25, 0.10, 0.07, 0.08]))
    # municipalities differ in how heavy their target group is (independent of the climate)
    match = np.where((match <= 3) & (rng.random(n) < prof.heavy[ki]), np.where(rng.random(n) < 0.4, 4, 5), match)
    age2020 = np.clip(rng.gamma(AGE_SHAPE, AGE_SCALE, n) + 18, 18, 66).astype(int)
    birth = np.array([date(2020, 1, 1).toordinal() - int(a * 365.25) - int(d) for a, d in zip(age2020, rng.integers(0, 365, n))])
    birth_dates = [date.fromordinal(int(b)) for b in birth]
    birth_month = np.array([d.year * 12 + d.month - 1 for d in birth_dates])
    sex = rng.choice([1, 2], n, p=[0.47, 0.53])
    origin = rng.choice([1, 2, 3], n, p=[0.65, 0.325, 0.025]).astype(float)
    origin[rng.random(n) < 0.004] = np.nan
    int_akt = rng.random(n) < 0.55  # integrationsydelse recipients visited as aktivitetsparat
    frailty = np.exp(rng.normal(0, 0.5, n) - 0.02 * np.maximum(age2020 - 45, 0))
    match_effect = np.array([MATCH_EFFECT[m] for m in match])
    job_mult = match_effect * frailty * np.exp(PRE_CLIMATE * c)
    match_self = match_effect ** 0.8  # the match group matters a little less for self-support
    match_lift = np.where(np.isin(match, (4, 5)), MATCH_PROGRAMME, 1.0)  # the programme helps the job-ready most
    wage_prob = 0.010 * match_effect ** 0.5 * np.exp(0.3 * c)
    job_grad = rng.uniform(45, 100, n).round(1)
    # staggered entry into the benefit system (2016-2019), later in some municipalities: gives the
    # unemployment seniority its spread; seniority lowers the exit hazard (duration dependence)
    entry = np.clip(rng.exponential(ENTRY_MEAN, n) * prof.entry_scale[ki], 0, 200).astype(int)
    entry[rng.random(n) < 0.25] = 0
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
        after = t >= start_w
        for s, moves in MOVES.items():
            idx = np.flatnonzero(state == s)
            if not len(idx):
                continue
            seniority = np.exp(-SENIORITY_EFFECT * dur[idx])
            p_job = JOB_HAZARD.get(s, 0.0) * job_mult[idx] * seniority * np.where(act[idx] >= 7, 2.2, np.where(act[idx] == 1, 0.8, 1.0))
            # kontanthjælp is sticky before the start; from the start the programme speeds its exits to
            # a job and to self-support, by the municipality's planted effects
            boost = PROGRAMME_LIFT[s] * programme[idx] * match_lift[idx] if after and s in COHORT_STATES else None
            slow = (AFTER_OTHER if after else PRE_EXIT) if s in COHORT_STATES else 1.0
            p_job = np.minimum(p_job * (slow if boost is None else boost), 0.5)
            cum = p_job.copy()
            ui = u[idx]
            dest = np.where(ui < cum, JOB, s)
            for d, p in moves.items():
                q = p * boost * seniority * match_self[idx] if (boost is not None and d == SELF) else p * slow
                hit = (dest == s) & (ui >= cum) & (ui < cum + q)
                dest = np.where(hit, d, dest)
                cum = cum + q
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
        lift = OFFER_LIFT if t >= start_w else 1.0
        p_start = np.where(state == KH_J, 0.5, 1.0) * PRE_OFFER * act_level[ki] * lift * np.where(state == UH_A, 1.8, 1.0)
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
        "pnr": [f"P{i:07d}" for i in range(first_id, first_id + n)],
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


DREAM_START = (1991, 32)  # the first week of DREAM
GRAD_START = 2008  # the first year of monthly employment degrees


def national_width(df: pd.DataFrame, history_from: int) -> pd.DataFrame:
    """The extract as wide as a national one: weekly codes from `history_from` (not before week 32
    of 1991) and grad from 2008, the earlier weeks and months copied cyclically from the simulated
    years (realistic density for reading, not meant to be analysed)."""
    first = max(history_from, DREAM_START[0])
    early = [(y, w) for y in range(first, YEARS[0]) for w in range(DREAM_START[1] if y == DREAM_START[0] else 1, weeks_in_year(y) + 1)]
    weeks = [f"y_{y % 100:02d}{w:02d}" for y, w in demo_weeks()]
    months = [m for m in range(max(first, GRAD_START) * 12, YEARS[0] * 12)]
    grads = [c for c in df.columns if c.startswith("grad_")]
    head = [c for c in df.columns if c not in grads and c not in weeks]
    cols = {c: df[c] for c in head}
    cols.update({f"y_{y % 100:02d}{w:02d}": df[weeks[(j - len(early)) % len(weeks)]] for j, (y, w) in enumerate(early)})
    cols.update({c: df[c] for c in weeks})
    cols.update({f"grad_{m // 12}_{m % 12 + 1:02d}": df[grads[(j - len(months)) % len(grads)]] for j, m in enumerate(months)})
    cols.update({c: df[c] for c in grads})
    return pd.DataFrame(cols)
