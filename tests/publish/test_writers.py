"""Excel and tidy writers: real files written to tmp_path and read back."""

from __future__ import annotations

import csv
from dataclasses import replace
import hashlib
from pathlib import Path

import openpyxl
import pytest

from toolkit.core.table import Cell, Display, DuplicateKeyError, Figure, Kind, Role, Table, keyed
from toolkit.publish import excel
from toolkit.publish.excel import Provenance, safe_sheet_name, write_workbook
from toolkit.publish.tidy import write_tidy


def seed_table_2_1() -> Table:
    """Seed 004 Tabel 2.1 (first two items), item × group rows, as published."""
    cats = ["Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "Ved ikke"]
    pct = {("Mål 1", "Ledere"): [6, 24, 26, 20, 2], ("Mål 1", "Medarbejdere"): [8, 27, 13, 8, 9]}
    n = {"Ledere": 78, "Medarbejdere": 65}
    groups, labels, cells = [], [], []
    for (item, grp), counts in pct.items():
        groups.append(item)
        labels.append(grp)
        cells.append([Cell(c / n[grp], Kind.PERCENT, n=c) for c in counts] + [Cell(n[grp], Kind.BASE)])
    return Table(id="maal", number="Tabel 2.1", title="Kommunernes vurdering af mulighederne for at realisere de tre mål",
                 question="I hvilken grad vurderer I indsatsens tre målsætninger som realistiske?",
                 row_labels=labels, row_groups=groups, column_labels=cats + ["Total"], cells=cells,
                 notes=["Kilde: Survey blandt jobcenterledere og medarbejdere."])


def count_table(title: str = "=SUM(A1)") -> Table:
    return Table(id="open", number="Tabel 2.5", title="Åbne besvarelser", row_labels=[title, "@cmd", "Total"],
                 column_labels=["Antal", "Procent"],
                 cells=[[Cell(3, Kind.COUNT), Cell(0.75, Kind.PERCENT)], [Cell(1, Kind.COUNT), Cell(0.25, Kind.PERCENT)],
                        [Cell(4, Kind.COUNT), Cell(1.0, Kind.PERCENT)]],
                 figure=Figure(kind="bar", title="Fordeling", columns=[1]))


@pytest.fixture
def workbook(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "input.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    out = tmp_path / "out.xlsx"
    write_workbook([seed_table_2_1(), count_table()], out, Provenance(command="toolkit test", inputs=[src]))
    return out, src


def test_workbook_has_contents_tables_and_provenance(workbook: tuple[Path, Path]) -> None:
    out, src = workbook
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Indhold", "Tabel 2.1", "Tabel 2.5", "Proveniens"]
    contents = wb["Indhold"]
    assert contents["B4"].value == "Kapitel 2" and contents["A4"].value is None  # chapter heading
    assert contents["A5"].value == "Tabel 2.1"
    assert contents["B5"].hyperlink.location == "'Tabel 2.1'!A1" or contents["B5"].hyperlink.target == "#'Tabel 2.1'!A1"
    # the chart under Tabel 2.5 has no number of its own: it gets the chapter's next Figur number
    rows = [(r[0], r[1]) for r in contents.iter_rows(min_row=5, max_col=2, values_only=True)]
    assert rows == [("Tabel 2.1", seed_table_2_1().title), ("Tabel 2.5", "Åbne besvarelser"), ("Figur 2.1", "Fordeling")]
    chart_cell = f"A{wb['Tabel 2.5']._charts[0].anchor._from.row + 1}"  # the link goes to the chart under the table
    assert chart_cell == "A9" and contents["B7"].hyperlink.target == f"#'Tabel 2.5'!{chart_cell}"
    assert contents["B5"].alignment.wrap_text
    for name in ("Tabel 2.1", "Tabel 2.5"):  # a link back on every sheet
        back = next(c for row in wb[name].iter_rows(max_row=4) for c in row if c.hyperlink)
        assert "Indhold" in back.value and (back.hyperlink.location or back.hyperlink.target).endswith("'Indhold'!A1")
    prov = {r[0]: r[1] for r in wb["Proveniens"].iter_rows(values_only=True) if r[0]}
    assert prov["Kommando"] == "toolkit test"
    assert prov["Værktøj"].startswith("toolkit ")
    assert prov[str(src)] == hashlib.sha256(src.read_bytes()).hexdigest()


def test_table_sheet_layout_formats_and_print_setup(workbook: tuple[Path, Path]) -> None:
    ws = openpyxl.load_workbook(workbook[0])["Tabel 2.1"]
    assert ws["A1"].value == "Tabel 2.1 Kommunernes vurdering af mulighederne for at realisere de tre mål"
    assert ws["A2"].value.startswith("I hvilken grad")
    # header row 4: two stub columns (item, group), then categories and Total
    assert [ws.cell(4, c).value for c in range(3, 9)] == ["Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "Ved ikke", "Total"]
    assert ws["A5"].value == "Mål 1" and ws["B5"].value == "Ledere"
    assert ws["A6"].value in (None, "") and ws["B6"].value == "Medarbejdere"
    pct = ws["C5"]
    assert pct.value == pytest.approx(6 / 78) and pct.number_format == "0.0 %"
    assert ws["H5"].value == 78 and isinstance(ws["H5"].value, int) and ws["H5"].number_format == "#,##0"
    assert ws["A8"].value == "Kilde: Survey blandt jobcenterledere og medarbejdere."
    assert ws.freeze_panes == "C5"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4


def test_text_that_looks_like_a_formula_stays_text(workbook: tuple[Path, Path]) -> None:
    ws = openpyxl.load_workbook(workbook[0])["Tabel 2.5"]
    cell = ws["A4"]
    assert cell.value == "=SUM(A1)" and cell.data_type == "s"
    assert ws["A5"].value == "@cmd"


def test_chart_is_written(workbook: tuple[Path, Path]) -> None:
    ws = openpyxl.load_workbook(workbook[0])["Tabel 2.5"]
    assert len(ws._charts) == 1


def test_safe_sheet_names() -> None:
    taken: set[str] = set()
    long = "Tabel 3.1: Hvilket af nedenstående udsagn [x]?/\\*"
    a = safe_sheet_name(long, taken)
    b = safe_sheet_name(long, taken)
    assert len(a) <= 31 and len(b) <= 31 and a != b
    assert not set("[]:*?/\\") & set(a + b)
    assert safe_sheet_name("History", taken).lower() != "history"
    assert safe_sheet_name("'quoted'", taken) == "quoted"


def test_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.xlsx"

    def boom(self: object, filename: object) -> None:
        Path(str(filename)).write_bytes(b"half a workbook")
        raise RuntimeError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(RuntimeError):
        write_workbook([count_table()], out, Provenance(command="x"))
    assert list(tmp_path.iterdir()) == []


def test_interrupted_write_keeps_previous_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.xlsx"
    write_workbook([count_table("first")], out, Provenance(command="x"))
    before = out.read_bytes()
    monkeypatch.setattr(excel, "build_workbook", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError):
        write_workbook([count_table("second")], out, Provenance(command="x"))
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_tidy_csv_one_line_per_number_unrounded(tmp_path: Path) -> None:
    t = seed_table_2_1()
    t.cells[0][0] = Cell(None, Kind.PERCENT, suppressed=True)
    out = write_tidy([t, count_table()], tmp_path / "t.csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["table", "number", "group", "row", "column", "stat", "value"]
    body = rows[1:]
    assert len(body) == 2 * 6 + 3 * 2
    assert ["maal", "Tabel 2.1", "Mål 1", "Ledere", "Slet ikke", "percent", ""] in body  # suppressed: line kept, no value
    line = next(r for r in body if r[:5] == ["maal", "Tabel 2.1", "Mål 1", "Ledere", "I mindre grad"])
    assert line[5] == "percent" and float(line[6]) == pytest.approx(100 * 24 / 78, abs=1e-12)
    assert ["maal", "Tabel 2.1", "Mål 1", "Ledere", "Total", "base", "78"] in body
    assert ["open", "Tabel 2.5", "", "Total", "Procent", "percent", "100"] in body


def test_tidy_table_column_holds_the_key(tmp_path: Path) -> None:
    a, b = keyed([count_table()], "cubb"), keyed([count_table()], "nychance")
    out = write_tidy(a + b, tmp_path / "t.csv")
    assert sorted({r["table"] for r in csv.DictReader(out.open(encoding="utf-8"))}) == ["cubb/open", "nychance/open"]


def test_writers_refuse_two_tables_with_one_key(tmp_path: Path) -> None:
    """A bug (the analyses' ids were not keyed), not a user error: nothing is written."""
    twins = [count_table("a"), count_table("b")]
    with pytest.raises(DuplicateKeyError, match="two tables have the key 'open'"):
        write_tidy(twins, tmp_path / "t.csv")
    with pytest.raises(DuplicateKeyError, match="two tables have the key 'open'"):
        write_workbook(twins, tmp_path / "t.xlsx", Provenance(command="x"))
    assert list(tmp_path.iterdir()) == []


def test_total_style_follows_the_role_not_the_label(tmp_path: Path) -> None:
    cells = [[Cell(3, Kind.COUNT)], [Cell(4, Kind.COUNT)], [Cell(7, Kind.COUNT)]]
    t = Table(id="r", title="Roller", row_labels=["Total", "b", "Sum"], column_labels=["Antal"], cells=cells,
              row_roles=[Role.BODY, Role.BODY, Role.TOTAL])
    ws = openpyxl.load_workbook(write_workbook([t], tmp_path / "r.xlsx", Provenance(command="x")))["r"]
    assert [ws.cell(r, 1).style for r in (4, 5, 6)] == ["tk_label", "tk_label", "tk_label_total"]
    assert [ws.cell(r, 2).style for r in (4, 5, 6)] == ["tk_count", "tk_count", "tk_count_total"]


def test_a_number_is_stored_as_a_number_in_its_display_format(tmp_path: Path) -> None:
    """What a number is (Kind) apart from how it is shown (Display): never text, e.g. a margin error of 6,7e-13."""
    cells = [[Cell(6.709e-13, Kind.STAT, display=Display(1, "scientific"))], [Cell(0.12345, Kind.PERCENT, display=Display(2))],
             [Cell(2.5, Kind.STAT, display=Display(0))], [Cell(1234.5678, Kind.MEAN, display=Display(2))], [Cell(0.5, Kind.STAT)]]
    t = Table(id="d", title="Visning", row_labels=["a", "b", "c", "d", "e"], column_labels=["Værdi"], cells=cells)
    ws = openpyxl.load_workbook(write_workbook([t], tmp_path / "d.xlsx", Provenance(command="x")))["d"]
    got = [(ws.cell(r, 2).value, ws.cell(r, 2).number_format) for r in range(4, 9)]
    assert got == [(6.709e-13, "0.0E+00"), (0.12345, "0.00 %"), (2.5, "0"), (1234.5678, "#,##0.00"), (0.5, "0.000")]
    tidy = {r["row"]: r["value"] for r in csv.DictReader(write_tidy([t], tmp_path / "d.csv").open(encoding="utf-8"))}
    assert tidy == {"a": "6.709e-13", "b": "12.345", "c": "2.5", "d": "1234.5678", "e": "0.5"}  # unrounded


def test_table_shape_is_checked() -> None:
    with pytest.raises(ValueError):
        Table(id="x", title="x", row_labels=["a"], column_labels=["b", "c"], cells=[[Cell(1)]])


def test_chart_of_selected_rows_stacked(tmp_path: Path) -> None:
    """Figur 3.1.1 shape: job and wage hours stacked per municipality, leaving out Total and N."""
    import xml.etree.ElementTree as ET
    import zipfile

    rows = ["Ordinært job", "Ordinære løntimer", "Total", "Antal personer"]
    vals = [[0.11, 0.127], [0.196, 0.251], [0.306, 0.378]]
    cells = [[Cell(v, Kind.PERCENT) for v in r] for r in vals] + [[Cell(791, Kind.BASE), Cell(2026, Kind.BASE)]]
    t = Table(id="k", number="Tabel 3.1.2", title="Ordinær beskæftigelse", row_labels=rows,
              column_labels=["Kommune 1", "Kommune 2"], cells=cells,
              figure=Figure(kind="bar", series_in="rows", rows=[0, 1], stacked=True))
    out = write_workbook([t], tmp_path / "f.xlsx", Provenance(command="x"))
    with zipfile.ZipFile(out) as z:
        root = ET.fromstring(z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart"))))
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    assert root.find(".//c:grouping", ns).get("val") == "stacked"
    series = root.findall(".//c:ser", ns)
    assert [s.find("c:tx/c:v", ns).text for s in series] == ["Ordinært job", "Ordinære løntimer"]
    refs = [s.find("c:val/c:numRef/c:f", ns).text for s in series]
    assert refs == ["'Tabel 3.1.2'!$B$4:$C$4", "'Tabel 3.1.2'!$B$5:$C$5"]  # rows 4-5: the two drawn rows only
    assert root.find(".//c:cat/c:numRef/c:f", ns) is not None or root.find(".//c:cat/c:strRef/c:f", ns) is not None


def test_horizontal_bars_in_table_order_without_legend_for_one_series(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET
    import zipfile

    t = count_table("Første")
    t.figure = Figure(kind="barh", columns=[1])
    out = write_workbook([t], tmp_path / "h.xlsx", Provenance(command="x"))
    with zipfile.ZipFile(out) as z:
        root = ET.fromstring(z.read(next(n for n in z.namelist() if n.startswith("xl/charts/chart"))))
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}
    assert root.find(".//c:barDir", ns).get("val") == "bar"
    assert root.find(".//c:catAx/c:scaling/c:orientation", ns).get("val") == "maxMin"
    assert root.find(".//c:legend", ns) is None
    assert len(root.findall(".//c:ser", ns)) == 1


def test_text_in_a_total_row_gets_the_total_style(tmp_path: Path) -> None:
    t = Table(id="s", title="Fortegn", row_labels=["Faktor", "I alt"], column_labels=["Fortegn"],
              cells=[[Cell("+", Kind.TEXT)], [Cell("−", Kind.TEXT)]], row_roles=[Role.BODY, Role.TOTAL])
    ws = openpyxl.load_workbook(write_workbook([t], tmp_path / "s.xlsx", Provenance(command="x")))["s"]
    assert ws["B4"].style == "tk_text" and ws["B5"].style == "tk_text_total" and ws["B5"].font.b


def test_long_title_and_notes_wrap_within_the_table_width(tmp_path: Path) -> None:
    t = seed_table_2_1()
    t.notes.append("Anm.: " + "Meget lang note om tabellens opgørelse. " * 20)
    ws = openpyxl.load_workbook(write_workbook([t], tmp_path / "w.xlsx", Provenance(command="x")))["Tabel 2.1"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:H1", "A2:H2", "A8:H8", "A9:H9"} <= merged  # title, question, both notes span the 8 columns
    assert ws["A9"].alignment.wrap_text
    assert ws.row_dimensions[9].height and ws.row_dimensions[9].height > 2 * 12  # several lines tall


def test_note_cites_the_number_the_table_has_in_this_workbook(tmp_path: Path) -> None:
    """A note naming another table by key shows that table's number after renumbering (Tabel 7.3 → 7.1)."""
    from toolkit.core.table import cite, renumber

    jobs = Table(id="maal1_samlet", number="Tabel 3.1.1", title="Job", row_labels=["Job"], column_labels=["Andel"],
                 cells=[[Cell(0.4, Kind.PERCENT)]])
    other = Table(id="maal1_afgang", number="Tabel 3.1.3", title="Øvrige", row_labels=["SU"], column_labels=["Andel"],
                  cells=[[Cell(0.1, Kind.PERCENT)]], notes=[f"Anm.: Afgang til job fremgår af {cite(jobs.key)}."])
    tables = renumber(keyed([jobs, other], "7/1"), "7")
    out = write_workbook(tables, tmp_path / "c.xlsx", Provenance(command="t"))
    ws = openpyxl.load_workbook(out)["Tabel 7.2"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Anm.")]
    assert notes == ["Anm.: Afgang til job fremgår af Tabel 7.1."]


def test_question_line_that_repeats_the_title_is_left_out(tmp_path: Path) -> None:
    t = Table(id="o", number="Tabel 6.1", title="Respondenternes oprindelse", question="Oprindelse",
              row_labels=["Dansk"], column_labels=["Procent"], cells=[[Cell(0.9, Kind.PERCENT)]])
    u = replace(t, id="p", key="p", number="Tabel 6.2", question="Hvor er du født?")
    wb = openpyxl.load_workbook(write_workbook([t, u], tmp_path / "q.xlsx", Provenance(command="t")))
    texts = [c.value for row in wb["Tabel 6.1"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "Oprindelse" not in texts
    assert wb["Tabel 6.2"]["A2"].value == "Hvor er du født?"


def test_small_coefficients_and_ses_show_two_significant_digits(tmp_path: Path) -> None:
    cells = [[Cell(-0.00213, Kind.COEF), Cell(0.00041, Kind.SE)], [Cell(0.512, Kind.COEF), Cell(0.0, Kind.SE)]]
    t = Table(id="m", title="Model", row_labels=["x", "y"], column_labels=["Koefficient", "SE"], cells=cells)
    ws = openpyxl.load_workbook(write_workbook([t], tmp_path / "m.xlsx", Provenance(command="x")))["m"]
    assert [ws.cell(4, c).number_format for c in (2, 3)] == ["0.0000", "0.00000"]  # -0,0021 and 0,00041
    assert [ws.cell(5, c).number_format for c in (2, 3)] == ["0.000", "0.000"]  # the template's where it suffices
    assert excel.significant_format(12.5, "0.000") == "0.000"


def test_provenance_paths_are_normalised(tmp_path: Path) -> None:
    (tmp_path / "registers").mkdir()
    (tmp_path / "surveys" / "demo").mkdir(parents=True)
    src = tmp_path / "registers" / "cubb.yaml"
    src.write_text("a: 1\n", encoding="utf-8")
    out = write_workbook([count_table()], tmp_path / "p.xlsx", Provenance(command="t", inputs=[tmp_path / "surveys" / "demo" / ".." / ".." / "registers" / "cubb.yaml"]))
    files = [c.value for c in openpyxl.load_workbook(out)["Proveniens"]["A"] if isinstance(c.value, str) and c.value.endswith("cubb.yaml")]
    assert files == [str(src)]
