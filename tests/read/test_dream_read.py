"""Reading DREAM extracts: formats, chunking, the Thursday rule, and every bad-input error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import run_cli
from dream_fixtures import all_months, cubb_defs, frame, person

from toolkit.config.codes import load_codes
from toolkit.config.definitions import Columns, load_definitions
from toolkit.core.calendar import month_index, thursday_month
from toolkit.core.errors import ConfigError, DataError
from toolkit.read.dream import read_dream, unknown_codes
from toolkit.read.dream_columns import Request, parse_week_columns
from toolkit.register.extract import read_for
from toolkit.register.outcomes import register_tables

WINDOW = Request(first_month=month_index("2020-10"), last_month=month_index("2021-03"))


def small() -> pd.DataFrame:
    return frame([
        person("a", all_months(730), grad={"2020-12": 12.5}),
        person("b", all_months(130, "2020-12"), grad={"2021-01": 80}),
        person("c", {"2020-10": 651}),
    ])


def test_thursday_rule_and_week_53() -> None:
    assert thursday_month(2020, 53) == 2020 * 12 + 11  # Thu 31 Dec 2020
    assert thursday_month(2020, 49) == 2020 * 12 + 11  # Mon 30 Nov, Thu 3 Dec
    assert thursday_month(2021, 13) == 2021 * 12 + 3  # Mon 29 Mar, Thu 1 Apr
    assert thursday_month(2015, 1) == 2015 * 12 + 0  # Mon 29 Dec 2014, Thu 1 Jan 2015
    assert thursday_month(2026, 1) == 2026 * 12 + 0  # Mon 29 Dec 2025, Thu 1 Jan 2026


def test_parquet_reads_only_needed_columns_into_compact_arrays(tmp_path: Path) -> None:
    df = small()
    df["branche_2020_10"] = "not read"  # a column the definitions do not need
    df["y_2039"] = "x"  # a week before the window: not read either
    p = tmp_path / "d.parquet"
    df.to_parquet(p, index=False)
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(p, defs)
    assert reg.codes.dtype == np.int16 and reg.grad.dtype == np.float32
    assert reg.codes.shape == (3, 26) and reg.grad.shape == (3, 6)
    assert reg.month0 == month_index("2020-10")
    assert list(reg.ids) == ["a", "b", "c"]
    assert reg.codes[0].tolist() == [730] * 26
    assert reg.codes[2].tolist() == [651] * 5 + [0] * 21  # October has five Thursdays in 2020
    assert reg.grad[0].tolist() == [0, 0, 12.5, 0, 0, 0]
    assert reg.persons["birth_month"].tolist() == [1980 * 12 + 5] * 3


def test_chunked_csv_equals_one_batch_and_xpt_reads_alike(tmp_path: Path) -> None:
    df = small()
    p = tmp_path / "d.csv"
    df.to_csv(p, sep=";", decimal=",", index=False, encoding="cp1252")
    one = read_dream(p, Columns(), WINDOW)
    many = read_dream(p, Columns(), WINDOW, chunk_rows=1)
    assert np.array_equal(one.codes, many.codes) and np.array_equal(one.grad, many.grad)
    assert one.grad[0, 2] == pytest.approx(12.5)  # decimal comma
    # SAS transport file through pyreadstat's chunked reader (the .sas7bdat code path; pyreadstat
    # cannot write .sas7bdat, so .xpt stands in for it here)
    x = tmp_path / "d.xpt"
    sas = df.copy()
    sas.columns = [c.upper() if c == "pnr" else c for c in sas.columns]
    for c in sas.columns:
        if c.startswith(("y_", "grad_", "visit")):
            sas[c] = sas[c].astype(float)
    pyreadstat.write_xport(sas.rename(columns={"PNR": "pnr"}), str(x), file_format_version=8)
    xr = read_dream(x, Columns(), WINDOW, chunk_rows=2)
    assert np.array_equal(one.codes, xr.codes) and np.allclose(one.grad, xr.grad)


def write(tmp_path: Path, df: pd.DataFrame, name: str = "d.csv") -> Path:
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


def err(p: Path, **kw) -> DataError:
    with pytest.raises(DataError) as e:
        read_dream(p, Columns(), WINDOW, **kw)
    return e.value


def test_malformed_week_column_name(tmp_path: Path) -> None:
    p = write(tmp_path, small().rename(columns={"y_2041": "y_20x1"}))
    e = err(p)
    assert e.column == "y_20x1" and "malformed week column name 'y_20x1'" in e.message


def test_week_53_in_a_year_without_one(tmp_path: Path) -> None:
    df = small()
    df["y_2153"] = 730
    e = err(write(tmp_path, df))
    assert str(e) == f"week column 'y_2153': 2021 has no ISO week 53 (it has 52) ({tmp_path / 'd.csv'}, column y_2153)"


def test_duplicate_ids(tmp_path: Path) -> None:
    df = small()
    df.loc[2, "pnr"] = "a"
    e = err(write(tmp_path, df))
    assert e.message == "duplicate person id 'a' (rows 2, 4)" and e.row == 2 and e.column == "pnr"


def _ids(*ids: str) -> pd.DataFrame:
    return frame([person(i, all_months(730)) for i in ids])


@pytest.mark.parametrize("name", ["d.csv", "d.parquet"])
def test_digit_ids_are_checked_as_written_over_batches(tmp_path: Path, name: str) -> None:
    # CPR-style ids are checked as 64-bit keys: '0101' and '101' (and '00101') are three persons
    df = _ids("0101", "101", "00101", "0102", "17")
    p = tmp_path / name
    df.to_parquet(p, index=False) if name.endswith(".parquet") else df.to_csv(p, index=False)
    assert list(read_dream(p, Columns(), WINDOW, chunk_rows=2).ids) == ["0101", "101", "00101", "0102", "17"]
    df = _ids("0101", "101", "0102", "0101", "12345678901234567", "12345678901234567")
    df.to_parquet(p, index=False) if name.endswith(".parquet") else df.to_csv(p, index=False)
    e = err(p, chunk_rows=2)  # the repeats fall in different batches
    assert e.message == "duplicate person id '0101' (rows 2, 5, 6, 7)" and e.row == 2 and e.column == "pnr"


@pytest.mark.parametrize("ids", [("0101", "102", "x7", "0101"), ("P0101", "P102", "Q0101", "P0101"), ("P01", "P1", "P001", "P01")])
def test_ids_turning_to_text_midway_or_with_a_prefix_are_still_checked(tmp_path: Path, ids: tuple[str, ...]) -> None:
    df = _ids(*ids)  # keyed in the first batch; text (or another prefix) in the second, or one prefix all through
    e = err(write(tmp_path, df), chunk_rows=2)
    assert e.message == f"duplicate person id '{ids[0]}' (rows 2, 5)" and e.row == 2


def test_non_numeric_grad_csv_and_parquet(tmp_path: Path) -> None:
    df = small().astype({"grad_2021_01": object})
    df.loc[1, "grad_2021_01"] = "fuldtid"
    e = err(write(tmp_path, df))
    assert e.column == "grad_2021_01" and e.row == 3 and e.message == "non-numeric employment degree 'fuldtid'"
    df.to_parquet(tmp_path / "d.parquet", index=False)
    e = err(tmp_path / "d.parquet")
    assert e.column == "grad_2021_01" and e.row == 3 and e.message == "non-numeric employment degree 'fuldtid'"


def test_bad_codes(tmp_path: Path) -> None:
    df = small()
    df["y_2045"] = df["y_2045"].astype(object)
    df.loc[0, "y_2045"] = 1234
    e = err(write(tmp_path, df))
    assert e.column == "y_2045" and e.row == 2 and "outside 1-999" in e.message


def test_missing_required_columns(tmp_path: Path) -> None:
    e = err(write(tmp_path, small().drop(columns=["y_2101"])))
    assert e.column == "y_2101" and "not found" in e.message
    e = err(write(tmp_path, small().drop(columns=["grad_2021_02"])))
    assert e.column == "grad_2021_02"
    e = err(write(tmp_path, small().drop(columns=["pnr"])))
    assert e.column == "pnr" and "id column 'pnr' not found" in e.message
    defs = load_definitions(cubb_defs(tmp_path))
    with pytest.raises(DataError) as ex:
        read_for(write(tmp_path, small().drop(columns=["foed_dato"])), defs)
    assert ex.value.column == "foed_dato"


def test_unknown_codes_are_counted_listed_or_refused(tmp_path: Path) -> None:
    df = small()
    df.loc[1, ["y_2045", "y_2046"]] = 555
    p = write(tmp_path, df)
    defs = load_definitions(cubb_defs(tmp_path))
    reg = read_for(p, defs)
    assert unknown_codes(reg, defs.codes.known) == {555: 2}
    tables = register_tables(reg, defs)
    assert "555 (2 uger)" in tables[0].notes[-1]
    with pytest.raises(DataError, match="555"):
        register_tables(reg, defs, unknown="error")


def test_code_list_and_definitions_validation(tmp_path: Path) -> None:
    codes = load_codes()
    lut = codes.group_lut()
    assert codes.groups[lut[735] - 1].key == "kontanthjaelp_aktivitetsparat"
    assert codes.activation[codes.activation_lut()[735] - 1].key == "loentilskud_privat"
    assert codes.activation_lut()[730] == 0  # passive
    assert codes.activation[codes.activation_lut()[762] - 1].key == "revalidering"
    bad = tmp_path / "codes.yaml"
    bad.write_text("groups:\n  a: {label: A, codes: [130-139]}\n  b: {label: B, codes: [135]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="code 135 is already in group 'a'"):
        load_codes(bad)
    p = cubb_defs(tmp_path)
    p.write_text(p.read_text(encoding="utf-8").replace("kontanthjaelp_aktivitetsparat,", "kontanthjalp,"), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_definitions(p)
    assert str(e.value) == f"target_group.groups[1]: unknown code group 'kontanthjalp'; did you mean 'kontanthjaelp_jobparat'? ({p})"
    p.write_text(p.read_text(encoding="utf-8").replace("window: [2020-10, 2021-03]", "window: [2020-13, 2021-03]"), encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_definitions(p)
    assert str(e.value) == f"target_group.window[1]: expected a month as YYYY-MM, got '2020-13' ({p})"


def test_cli_error_names_the_column(tmp_path: Path) -> None:
    p = write(tmp_path, small().rename(columns={"y_2041": "y_20x1"}))
    r = run_cli("outcomes", p, "-d", cubb_defs(tmp_path), "--out", tmp_path / "o.xlsx")
    assert r.returncode == 2
    assert r.stderr == f"error: malformed week column name 'y_20x1': expected y_YYWW (two-digit year, ISO week 01-53) ({p}, column y_20x1)\n"


def test_parse_week_columns_orders_by_year_and_week() -> None:
    cols = parse_week_columns(["y_2101", "pnr", "y_2053", "y_9952", "y_0001"], "y_")
    assert [c.name for c in cols] == ["y_9952", "y_0001", "y_2053", "y_2101"]


def test_age_column_and_one_municipality_column(tmp_path: Path) -> None:
    """columns.age + age_at instead of a birth date; one municipality column instead of nykomYYYY."""
    from toolkit.register import select_target_group

    df = frame([person("a", all_months(730)), person("d", all_months(730))])
    df = df.drop(columns=["foed_dato", "nykom2021"]).rename(columns={"nykom2020": "kommune"})
    df["kommune"] = [657, 101]
    df["alder"] = [40, 66]
    p = write(tmp_path, df)
    defs = load_definitions(cubb_defs(tmp_path, "columns: {birth: null, age: alder, age_at: 2020-10, municipality: kommune}\n"))
    reg = read_for(p, defs)
    oct20 = month_index("2020-10")
    assert reg.persons["birth_month"].tolist() == [oct20 - 40 * 12 - 6, oct20 - 66 * 12 - 6]
    coh = select_target_group(reg, defs)
    assert coh.member.tolist() == [True, False]  # 66 at the start of the window
    assert coh.municipality.tolist() == [657, 101]


@pytest.mark.parametrize("ext", [".parquet", ".csv"])
def test_sex_coded_as_text_is_read_as_dst_codes(tmp_path: Path, ext: str) -> None:
    """Deliveries with kon = M/K or Mand/Kvinde give DST's 1 (man) / 2 (woman), not 'unknown'."""
    df = frame([person(pid, all_months(730)) for pid in "abcde"])
    df["kon"] = ["M", "K", " kvinde", "Mand", None]
    p = tmp_path / f"x{ext}"
    df.to_parquet(p, index=False) if ext == ".parquet" else df.to_csv(p, sep=";", index=False)
    reg = read_for(p, load_definitions(cubb_defs(tmp_path)))
    assert reg.persons["kon"].tolist() == [1, 2, 2, 1, 0]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_the_reader_holds_no_batch_it_has_handed_on(tmp_path: Path, suffix: str) -> None:
    """A streamed pass frees each batch's table once the worker has converted it: the reader keeps
    no reference while it reads the next one (it held one batch more than the workers did)."""
    import gc
    import weakref

    from toolkit.read.dream import raw_batches, to_register
    from toolkit.register.extract import read_shared

    df = frame([person(f"p{i}", all_months(730 if i % 2 else 130)) for i in range(7)])
    p = tmp_path / f"d{suffix}"
    df.to_parquet(p, index=False) if suffix == ".parquet" else df.to_csv(p, sep=";", index=False)
    defs = load_definitions(cubb_defs(tmp_path))
    cols, plan = read_shared(p, [defs], 2).reads[0]
    seen, ids = [], []
    for item in raw_batches(p, cols, plan, chunk_rows=2):
        table, first = item
        item.clear()  # what the pass's worker does
        ids += list(to_register(table, p, cols, plan, first).ids)
        seen.append(weakref.ref(table))
        del table
        gc.collect()
        assert seen[-1]() is None, f"batch {len(seen)} is still referenced after the worker let it go"
    assert len(seen) == 4 and ids == [f"p{i}" for i in range(7)]
