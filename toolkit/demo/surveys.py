"""The synthetic demo wave: four questionnaires and the citizen population margins.

Deterministic (seeded numpy Generator), so the demo workbook is the same on every machine.
Answers use the seed reports' Danish scales and labels; the citizen survey's non-response is
biased on origin, age, sex and match group, as in seed 004 ch. 6, so weighting matters.
Pure functions returning data; `toolkit demo` writes them to disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from toolkit.core.resources import registers_file

GRAD = {1: "Slet ikke", 2: "I mindre grad", 3: "I nogen grad", 4: "I høj grad", 5: "Ved ikke"}
JNV = {1: "Ja", 2: "Nej", 3: "Ved ikke"}
TICK = {0: "Ikke valgt", 1: "Valgt"}
ORIGIN = {1: "Dansk oprindelse", 2: "Indvandrer/efterkommer, vestlige lande", 3: "Indvandrer/efterkommer, mindre udviklede lande"}
AGE = {1: "18-29 år", 2: "30-39 år", 3: "40-49 år", 4: "50-59 år", 5: "60-64 år"}
SEX = {1: "Mand", 2: "Kvinde"}
MATCH = {1: "Matchgruppe 1", 2: "Matchgruppe 2", 3: "Matchgruppe 3", 4: "Matchgruppe 4", 5: "Matchgruppe 5"}


@dataclass
class Instrument:
    """One questionnaire's data with the labels a .sav file carries."""

    name: str
    data: pd.DataFrame
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)


def municipalities() -> pd.DataFrame:
    """The 98 Danish municipalities (code, name, region) from registers/municipalities.csv."""
    return pd.read_csv(registers_file("municipalities.csv"), encoding="utf-8")


def _answers(rng: np.random.Generator, n: int, probs: list[float], shift: np.ndarray | None = None) -> np.ndarray:
    """Draw 1-based codes; `shift` (per respondent) tilts the ordered part of the scale upward."""
    p = np.asarray(probs, float)
    p = p / p.sum()
    if shift is None:
        return rng.choice(np.arange(1, len(p) + 1), size=n, p=p)
    out = np.empty(n, int)
    k = len(p) - 1  # last category (Ved ikke) is not ordered
    for i in range(n):
        q = p.copy()
        q[:k] = q[:k] * np.exp(shift[i] * np.arange(k))
        out[i] = rng.choice(np.arange(1, len(p) + 1), p=q / q.sum())
    return out


def _battery(rng: np.random.Generator, inst: Instrument, prefix: str, items: list[str], question: str,
             probs: list[float], scale: dict[int, str] = GRAD, shift: np.ndarray | None = None) -> None:
    for k, item in enumerate(items, start=1):
        col = f"{prefix}_{k}"
        inst.data[col] = _answers(rng, len(inst.data), probs, shift)
        inst.variable_labels[col] = f"{question} – {item}"
        inst.value_labels[col] = dict(scale)


GOALS = ["Mål 1: 25 % i job eller uddannelse", "Mål 2: 15 % selvforsørgende", "Mål 3: 40 % aktiveringsgrad"]
GOAL_Q = "I hvilken grad vurderer I indsatsens tre målsætninger som realistiske for jeres kommune?"
BARRIERS = [
    "At finde eller udvikle aktiveringstilbud, som egner sig til målgruppen",
    "At give mere tid til denne målgruppe",
    "At finde virksomheder, som er tilstrækkeligt rummelige til målgruppen",
    "At finde medarbejdere til at varetage indsatsen",
    "At undgå, at administrationen af initiativet tager energi og fokus fra indsatsen",
    "At sikre at målgruppen fastholdes i job efter indsatsens afslutning",
]
TOOLS = [
    "Hyppigere samtaler", "Tæt opfølgning", "Coaching af de ledige", "Sygeopfølgningsplan",
    "Afklaring af helbredsmæssig situation", "Øget kontrol (fx kontrol af fremmøde) og sanktionering",
]
ACTIVATION = ["Virksomhedspraktik", "Løntilskud", "Vejledning og opkvalificering", "Særligt tilrettelagte projekter", "Mentorordning"]
OPEN_CODES = {
    1: "Flersidede/helhedsorienterede tilbud/nye tilbud",
    2: "Tæt/skræddersyet opfølgning",
    3: "Støttementor/praktisk gris",
    4: "Rummelige virksomheder/øget kontakt",
    5: "Flere ressourcer/mere tid",
}
OPEN_TEXT = {
    1: "Flere helhedsorienterede tilbud", 2: "Tættere opfølgning på den enkelte", 3: "En støttementor",
    4: "Mere kontakt til rummelige virksomheder", 5: "Mere tid til hver borger",
}
NEEDED = {1: "'Mere af det samme', dvs. en vedholdende indsats med de nuværende redskaber", 2: "Nye typer af redskaber", 3: "Andet", 4: "Ved ikke"}


def _kommune_sample(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.sort(rng.choice(municipalities()["kode"].to_numpy(), size=n, replace=False))


def municipality_climate(seed: int = 2024) -> pd.Series:
    """A latent 'implementation quality' per municipality (mean 0, sd 1) that tilts answers.

    Register outcomes in the demo extract can be driven by the same latent so the municipality
    model has real effects to find.
    """
    rng = np.random.default_rng(seed + 99)
    codes = municipalities()["kode"].to_numpy()
    return pd.Series(rng.normal(0, 1, len(codes)), index=codes, name="klima")


def _staff_like(rng: np.random.Generator, name: str, n: int, klima: pd.Series, role_label: str, shift_scale: float) -> Instrument:
    kom = _kommune_sample(rng, n)
    inst = Instrument(name, pd.DataFrame({"id": np.arange(1, n + 1), "kommune": kom}))
    inst.variable_labels.update(id="Respondent-id", kommune="Kommune (kode)")
    inst.value_labels["kommune"] = dict(zip(municipalities()["kode"], municipalities()["kommune"]))
    shift = shift_scale * klima.reindex(kom).to_numpy()
    _battery(rng, inst, "maal", GOALS, GOAL_Q, [8, 32, 35, 22, 3], shift=shift)
    inst.data["rolle"] = role_label
    inst.variable_labels["rolle"] = "Respondentgruppe"
    return inst


def leaders(seed: int = 2024) -> Instrument:
    """Job-centre leaders (n=78), one per municipality."""
    rng = np.random.default_rng(seed + 1)
    klima = municipality_climate(seed)
    inst = _staff_like(rng, "ledere", 78, klima, "Ledere", 0.35)
    _battery(rng, inst, "barr", BARRIERS, "Hvilke af følgende forhold vurderer I som væsentlige barrierer i forhold til at sikre succes for indsatsen?", [15, 22, 30, 30, 3])
    n = len(inst.data)
    inst.data["behov"] = _answers(rng, n, [62, 21, 14, 3])
    inst.variable_labels["behov"] = "Hvad vurderer I, at der skal til for at få flere af de ledige borgere i målgruppen i job?"
    inst.value_labels["behov"] = dict(NEEDED)
    nye = _answers(rng, n, [5, 2, 2, 2, 1]).astype(float)
    nye[rng.random(n) < 0.8] = np.nan  # only some answer the open question
    inst.data["nye_redskaber_kode"] = nye
    inst.variable_labels["nye_redskaber_kode"] = "Hvilke nye redskaber vurderer I, at der skal til? (kodet åbent svar)"
    inst.value_labels["nye_redskaber_kode"] = dict(OPEN_CODES)
    inst.data["nye_redskaber"] = [OPEN_TEXT[int(c)] if c == c else "" for c in nye]
    inst.variable_labels["nye_redskaber"] = "Hvilke nye redskaber vurderer I, at der skal til? (åbent svar)"
    # leaders' use of activation types: a municipality-level indicator for the model
    klima = municipality_climate(seed).reindex(inst.data["kommune"]).to_numpy()
    for k, item in enumerate(ACTIVATION, start=1):
        p = 1 / (1 + np.exp(-(0.2 + (0.9 if k == 1 else 0.0) * klima)))
        inst.data[f"akt_{k}"] = (rng.random(n) < p).astype(int)
        inst.variable_labels[f"akt_{k}"] = f"Hvilke aktiveringstilbud anvender I mest for målgruppen? – {item}"
        inst.value_labels[f"akt_{k}"] = dict(TICK)
    return inst


def staff(seed: int = 2024) -> Instrument:
    """Job-centre staff (n=65)."""
    rng = np.random.default_rng(seed + 2)
    klima = municipality_climate(seed)
    inst = _staff_like(rng, "medarbejdere", 65, klima, "Medarbejdere", 0.2)
    _battery(rng, inst, "redsk", TOOLS, "I hvilken grad er følgende en del af indsatsen for målgruppen i jeres kommune?", [8, 22, 32, 34, 4])
    n = len(inst.data)
    inst.data["projekt"] = _answers(rng, n, [37, 55, 8])
    inst.variable_labels["projekt"] = "Har kommunen etableret særlige projekter for målgruppen?"
    inst.value_labels["projekt"] = dict(JNV)
    tilfreds = _answers(rng, n, [5, 20, 45, 25, 5]).astype(float)
    tilfreds[inst.data["projekt"].to_numpy() != 1] = np.nan  # filter: asked only of those answering Ja
    inst.data["projekt_udbytte"] = tilfreds
    inst.variable_labels["projekt_udbytte"] = "I hvilken grad vurderer du, at projekterne har bidraget til at flere kommer i job?"
    inst.value_labels["projekt_udbytte"] = dict(GRAD)
    for k, item in enumerate(["Motion", "Kostvejledning", "Misbrugsbehandling", "Psykologhjælp"], start=1):
        inst.data[f"elem_{k}"] = _answers(rng, n, [55, 38, 7])
        inst.variable_labels[f"elem_{k}"] = f"Omfatter nogle af forløbene for målgruppen følgende elementer? – {item}"
        inst.value_labels[f"elem_{k}"] = dict(JNV)
    # asked of leaders too (seed Tabel 2.4 and 2.5 show both groups); drawn last so the
    # variables above are unchanged
    inst.data["behov"] = _answers(rng, n, [43, 28, 26, 3])
    inst.variable_labels["behov"] = "Hvad vurderer I, at der skal til for at få flere af de ledige borgere i målgruppen i job?"
    inst.value_labels["behov"] = dict(NEEDED)
    nye = _answers(rng, n, [6, 5, 5, 3, 4]).astype(float)
    nye[rng.random(n) < 0.55] = np.nan
    inst.data["nye_redskaber_kode"] = nye
    inst.variable_labels["nye_redskaber_kode"] = "Hvilke nye redskaber vurderer I, at der skal til? (kodet åbent svar)"
    inst.value_labels["nye_redskaber_kode"] = dict(OPEN_CODES)
    inst.data["nye_redskaber"] = [OPEN_TEXT[int(c)] if c == c else "" for c in nye]
    inst.variable_labels["nye_redskaber"] = "Hvilke nye redskaber vurderer I, at der skal til? (åbent svar)"
    return inst


def politicians(seed: int = 2024) -> Instrument:
    """Local politicians (n=85)."""
    rng = np.random.default_rng(seed + 3)
    klima = municipality_climate(seed)
    kom = _kommune_sample(rng, 85)
    inst = Instrument("politikere", pd.DataFrame({"id": np.arange(1, 86), "kommune": kom}))
    inst.variable_labels.update(id="Respondent-id", kommune="Kommune (kode)")
    inst.value_labels["kommune"] = dict(zip(municipalities()["kode"], municipalities()["kommune"]))
    inst.data["fokus"] = _answers(rng, 85, [9, 78, 9, 4])
    inst.variable_labels["fokus"] = "Hvilket af nedenstående udsagn er mest kendetegnende for de politiske udmeldinger i jeres kommune om tilgangen til indsatsen?"
    inst.value_labels["fokus"] = {1: "Fokus: Aktivering i et omfang, som sikrer 65 % refusion", 2: "Fokus: Varig beskæftigelse og således mindre udgifter", 3: "Andet", 4: "Ved ikke"}
    inst.data["bevaagenhed"] = _answers(rng, 85, [4, 20, 42, 33, 1], shift=0.3 * klima.reindex(kom).to_numpy())
    inst.variable_labels["bevaagenhed"] = "I hvilken grad vurderer I, at indsatsen har medført øget lokalpolitisk bevågenhed på målgruppen i jeres kommune?"
    inst.value_labels["bevaagenhed"] = dict(GRAD)
    return inst


def citizen_population(seed: int = 2024, size: int = 12_000) -> pd.DataFrame:
    """The whole synthetic target group with the four weighting characteristics."""
    rng = np.random.default_rng(seed + 4)
    pop = pd.DataFrame({
        "oprindelse": rng.choice([1, 2, 3], size, p=[0.62, 0.08, 0.30]),
        "alder": rng.choice([1, 2, 3, 4, 5], size, p=[0.14, 0.22, 0.28, 0.25, 0.11]),
        "koen": rng.choice([1, 2], size, p=[0.55, 0.45]),
        "match": rng.choice([1, 2, 3, 4, 5], size, p=[0.04, 0.08, 0.18, 0.30, 0.40]),
    })
    pop["kommune"] = rng.choice(municipalities()["kode"].to_numpy(), size)
    return pop


def citizen_margins(pop: pd.DataFrame) -> pd.DataFrame:
    """Population counts per category of each weighting variable (`variable, category, target`)."""
    rows = []
    for var, labels in (("oprindelse", ORIGIN), ("alder", AGE), ("koen", SEX), ("match", MATCH)):
        counts = pop[var].value_counts()
        for code in labels:
            rows.append({"variable": var, "category": code, "target": int(counts.get(code, 0))})
    return pd.DataFrame(rows)


def citizens(seed: int = 2024, sampled: int = 3_000) -> tuple[Instrument, pd.DataFrame]:
    """Citizen survey respondents (~870 of 3,000 sampled, 29 % response) and the population margins.

    Response is less likely for immigrants from less developed countries, older people, men and
    match group 5 – the biases seed 004 reports – so unweighted tables are off.
    """
    rng = np.random.default_rng(seed + 5)
    pop = citizen_population(seed)
    sample = pop.iloc[rng.choice(len(pop), sampled, replace=False)].reset_index(drop=True)
    logit = (-0.37 - 0.7 * (sample["oprindelse"] == 3) - 0.18 * (sample["alder"] - 3)
             - 0.35 * (sample["koen"] == 1) - 0.6 * (sample["match"] == 5) + 0.3 * (sample["match"] <= 2))
    respond = rng.random(sampled) < 1 / (1 + np.exp(-logit))
    d = sample[respond].reset_index(drop=True)
    d.insert(0, "id", np.arange(1, len(d) + 1))
    n = len(d)
    inst = Instrument("borgere", d)
    inst.variable_labels.update(id="Respondent-id", oprindelse="Oprindelse", alder="Alder", koen="Køn", match="Matchgruppe", kommune="Kommune (kode)")
    inst.value_labels.update(oprindelse=dict(ORIGIN), alder=dict(AGE), koen=dict(SEX), match=dict(MATCH))
    # motivation depends on guidance and (negatively) on match group: weighting changes results
    guidance = _answers(rng, n, [27, 19, 23, 24, 7], shift=-0.15 * (d["match"].to_numpy() - 3))
    d["vejledning"] = guidance
    inst.variable_labels["vejledning"] = "I hvilken grad synes du at din vejleder/sagsbehandler er god til at målrette sin vejledning til dig og din situation?"
    inst.value_labels["vejledning"] = dict(GRAD)
    p_yes = np.select([guidance == 1, guidance == 2, guidance == 3, guidance == 4], [0.08, 0.18, 0.31, 0.37], 0.18)
    p_yes = p_yes * np.where(d["match"].to_numpy() == 5, 0.7, 1.1)
    u = rng.random(n)
    d["lyst"] = np.where(u < p_yes, 1, np.where(u < p_yes + 0.13, 3, 2))
    inst.variable_labels["lyst"] = "Oplever du, at kommunens indsats inden for det seneste år har givet dig mere lyst til at komme i arbejde?"
    inst.value_labels["lyst"] = dict(JNV)
    for k, item in enumerate(["Samtaler med sagsbehandler", "Virksomhedspraktik", "Kursus eller uddannelse", "Løntilskudsjob", "Mentor", "Helbredsafklaring"], start=1):
        d[f"tilbud_{k}"] = (rng.random(n) < [0.7, 0.3, 0.25, 0.12, 0.1, 0.2][k - 1]).astype(int)
        inst.variable_labels[f"tilbud_{k}"] = f"Hvilke tilbud har du modtaget inden for det seneste år? – {item}"
        inst.value_labels[f"tilbud_{k}"] = dict(TICK)
    _battery(rng, inst, "udbytte", ["Mere lyst til at arbejde", "Bedre helbred", "Flere kompetencer", "Større netværk"],
             "I hvilken grad har indsatsen givet dig følgende?", [30, 25, 25, 12, 8], shift=-0.1 * (d["match"].to_numpy() - 3))
    inst.data = d
    return inst, citizen_margins(pop)


def all_instruments(seed: int = 2024) -> tuple[list[Instrument], pd.DataFrame]:
    """The four demo questionnaires and the citizen margins."""
    cit, margins = citizens(seed)
    return [leaders(seed), staff(seed), politicians(seed), cit], margins


def margins_with_labels(margins: pd.DataFrame) -> pd.DataFrame:
    """Margins with value labels as categories (what an evaluator would type)."""
    lab = {"oprindelse": ORIGIN, "alder": AGE, "koen": SEX, "match": MATCH}
    out = margins.copy()
    out["category"] = [lab[v][int(c)] for v, c in zip(out["variable"], out["category"])]
    return out


def to_writable(inst: Instrument) -> dict[str, Any]:
    """Arguments for pyreadstat.write_sav (labels kept; strings sized for SPSS)."""
    return {
        "df": inst.data,
        "column_labels": [inst.variable_labels.get(c, "") for c in inst.data.columns],
        "variable_value_labels": {k: {float(c): v for c, v in lab.items()} for k, lab in inst.value_labels.items() if k in inst.data.columns},
    }
