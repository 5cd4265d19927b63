"""Print layout without LibreOffice: A4 page setup, widths, row heights, chart anchors, fonts."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import run_cli
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from toolkit.core.table import Cell, Figure, Kind, Table
from toolkit.publish import layout
from toolkit.publish.excel import Provenance, write_workbook


@pytest.fixture(scope="module")
def demo_workbook(demo_wave_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo wave's workbook as `toolkit report` writes it."""
    out = tmp_path_factory.mktemp("layout") / "demo.xlsx"
    r = run_cli("report", demo_wave_dir / "wave.yaml", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def test_demo_workbook_prints_cleanly(demo_workbook: Path) -> None:
    """The whole demo workbook: no chart over a page break or text, no cut text, no font < 8 pt."""
    wb = openpyxl.load_workbook(demo_workbook)
    assert layout.problems(wb) == []
    charts = [ws for ws in wb.worksheets if ws._charts]
    assert len(charts) >= 8
    # every chart numbered and in the contents, linked to its cell; every table sheet links back
    links = {c.hyperlink.target: c.row for c in wb["Indhold"]["B"] if c.hyperlink}
    for ws in charts:
        cell = f"#'{ws.title}'!A{ws._charts[0].anchor._from.row + 1}"
        target = cell if cell in links else f"#'{ws.title}'!A1"
        assert str(wb["Indhold"].cell(links[target], 1).value).startswith("Figur "), ws.title
        assert any(c.hyperlink and "'Indhold'!A1" in c.hyperlink.target for row in ws.iter_rows(max_row=4) for c in row)
    # Tabel 7.3's note names the job table by the number it has here (the seed called it Tabel 3.1.1)
    note = next(c.value for c in wb["Tabel 7.3"]["A"] if c.value and "fremgår af" in str(c.value))
    cited = note.split("fremgår af ")[1].split(" og")[0]
    assert cited == "Tabel 7.1" and "opnået ordinær beskæftigelse" in wb[cited]["A1"].value
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
        assert ws.page_setup.scale in layout.SCALES
        if ws.sheet_state == "visible":  # one page across, computed from the column widths and the page setup
            width = sum(layout.col_pt(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, ws.max_column + 1)
                        if not ws.column_dimensions[get_column_letter(c)].hidden)
            assert width * ws.page_setup.scale / 100 <= layout.page_area(ws)[0] * 1.001, ws.title
    # the 45-column municipality data is Bilag 1, listed at its place in chapter 4
    assert "Bilag 1" in wb.sheetnames and wb["Bilag 1"]["A1"].value == "Bilag 1 Kommunedata: én række pr. kommune"
    titles = [c.value for c in wb["Indhold"]["B"]]
    assert "Kommunedata: én række pr. kommune – se Bilag 1" in titles and titles.index("Bilag") > titles.index("Kapitel 7 CUBB – resultatmål 1 og 2")


def test_reader_sees_labels_not_the_model_specs_variable_names(demo_workbook: Path, demo_dir: Path) -> None:
    """No cell a reader sees (hidden sheets and the provenance sheet aside) holds a variable name
    of the model spec (politikere_bevaagenhed, medarbejdere_maal_1, akt_praktik …)."""
    import re

    import yaml

    from toolkit.config.model import spec_from_dict
    from toolkit.municipal.indicators import expand
    from toolkit.read.tabular import read_data

    spec = spec_from_dict(yaml.safe_load((demo_dir.parent / "model.yaml").read_text(encoding="utf-8")))
    names = set(spec.register_spec.variables) | {i.name for i in expand(spec, {k: read_data(demo_dir / f"{k}.sav") for k in spec.instruments})}
    assert {"politikere_bevaagenhed", "medarbejdere_maal_1", "akt_praktik", "maal2"} <= names
    word = re.compile(r"[A-Za-z0-9_æøåÆØÅ]+")
    wb = openpyxl.load_workbook(demo_workbook)
    seen = [(ws.title, c.coordinate, c.value) for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title != "Proveniens"
            for row in ws.iter_rows() for c in row if isinstance(c.value, str) and names & set(word.findall(c.value))]
    assert seen == []


def test_a4_landscape_area_from_the_margins() -> None:
    ws = Workbook().active
    ws.page_setup.orientation = "landscape"
    for k, v in layout.MARGINS.items():
        setattr(ws.page_margins, k, v)
    assert layout.page_area(ws) == pytest.approx((842 - 72 * 1.0, 595 - 72 * 1.2))
    assert layout.col_pt(10) == pytest.approx(75 * 0.75)  # 7 px a character + 5 px


def _long_sheet(rows: int, chart_row: int) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.page_setup.orientation = "landscape"
    for r in range(1, rows + 1):
        ws.cell(r, 1, f"række {r}").font = Font(size=10)
        ws.cell(r, 2, r).font = Font(size=10)
    ch = BarChart()
    ch.add_data(Reference(ws, min_col=2, min_row=1, max_row=5))
    ch.height, ch.width = 9, 18  # cm: 255 pt
    ws.add_chart(ch, f"A{chart_row}")
    return wb


def test_chart_across_a_page_break_is_found_and_fixed_by_a_break_before_it() -> None:
    # page height at 100 %: 595 - 86.4 = 508.6 pt, planned 96 % = 488 pt = 32 rows of 15 pt;
    # a 255 pt (17-row) chart at row 25 runs to row 41: over the break after row 32
    wb = _long_sheet(24, 25)
    ws = wb.active
    for k, v in layout.MARGINS.items():
        setattr(ws.page_margins, k, v)
    assert layout.pages(ws, 60)[0] == (1, 32)
    assert any("runs over a page break" in p for p in layout.problems(wb))
    layout.fit_sheet(ws, header_rows=range(1, 2), table_end=24)
    assert [b.id for b in ws.row_breaks.brk] == [24]
    assert ws.print_title_rows is None  # the table fits one page: no header band repeated over the chart
    assert layout.problems(wb) == []


def test_chart_over_text_and_a_chart_larger_than_the_page() -> None:
    wb = _long_sheet(20, 10)
    assert any("covers text" in p for p in layout.problems(wb))
    wb = _long_sheet(3, 5)
    wb.active._charts[0].height = 25
    assert any("larger than the page" in p for p in layout.problems(wb))


def test_text_wider_than_its_cell_and_small_fonts() -> None:
    wb = Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 10  # 56 pt
    ws["A1"] = "Bemærkning om noget langt"  # 25 characters at 10 pt: over 100 pt
    ws["A1"].font = Font(size=10)
    ws["A2"] = 12345678.9
    ws["A2"].number_format = "#,##0.0"
    ws["A3"] = "ord ord ord ord ord ord ord ord"
    ws["A3"].alignment = Alignment(wrap_text=True)
    ws["A4"] = "lille"
    ws["A4"].font = Font(size=7)
    found = layout.problems(wb)
    assert any("A1" in p and "wider than its cell" in p for p in found)
    assert any("A2" in p and "wider than its cell" in p for p in found)  # '12.345.678,9' would show ###
    assert any("A3" in p and "lines" in p for p in found)  # wrapped, but the row is one line high
    assert any("A4" in p and "font 7.0 pt" in p for p in found)
    ws.row_dimensions[3].height = 60
    assert not any("A3" in p for p in layout.problems(wb))


def test_fit_to_page_scale_counts_as_printed() -> None:
    """A sheet shrunk to one page wide prints its fonts smaller: 10 pt at 50 % is 5 pt."""
    wb = Workbook()
    ws = wb.active
    for c in range(1, 21):
        ws.cell(1, c, "x").font = Font(size=10)
        ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width = 20
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    need = 20 * layout.col_pt(20)
    assert layout.scale(ws) == pytest.approx((595 - 72 * 1.5) / need)  # portrait, openpyxl's margins
    assert any("below 8" in p for p in layout.problems(wb))


def _wide_table(ncol: int, label: str = "Kolonne") -> Table:
    return Table(id="w", number="Tabel 4.8", title="Bred tabel", row_labels=["Herning", "Holstebro"],
                 column_labels=[f"{label} {j}" for j in range(ncol)],
                 cells=[[Cell(0.123 * j, Kind.COEF) for j in range(ncol)] for _ in range(2)])


def test_wide_table_wraps_to_the_page_at_a_readable_scale(tmp_path: Path) -> None:
    t = _wide_table(6, "En lang kolonneoverskrift")
    wb = openpyxl.load_workbook(write_workbook([t], tmp_path / "w.xlsx", Provenance(command="t")))
    ws = wb["Tabel 4.8"]
    assert layout.problems(wb) == []
    assert ws.print_title_cols is None
    width = sum(layout.col_pt(ws.column_dimensions[c].width) for c in "ABCDEFG")
    assert width * ws.page_setup.scale / 100 <= layout.page_area(ws)[0]
    assert ws["B3"].alignment.wrap_text and ws.row_dimensions[3].height >= 2 * layout.line_pt(10)


def test_very_wide_table_goes_to_an_appendix_sheet_one_page_across(tmp_path: Path) -> None:
    """45 columns cannot fit A4 at 8 pt: the table becomes Bilag 1, printed in page-sized blocks
    (stub and header on every page), listed at its place and under Bilag; audit reads it back."""
    from toolkit.publish.audit import checked
    from toolkit.publish.disclosure import Policy
    from toolkit.publish.workbook_audit import read_back

    rows, ncol = [f"Kommune {i}" for i in range(70)], 45
    def cell(i: int, j: int) -> Cell:  # register counts in the first ten columns (one hidden now and then), survey means after
        if j >= 10:
            return Cell(i * 100 + j + 0.5, Kind.MEAN)
        return Cell(None, Kind.COUNT, n=3, suppressed=True) if (i + j) % 17 == 0 else Cell(10 + i + j, Kind.COUNT, n=10 + i + j)
    cells = [[cell(i, j) for j in range(ncol)] for i in range(len(rows))]
    wide = Table(id="w", number="Tabel 4.8", title="Kommunedata", row_labels=rows, stub_header="Kommune",
                 column_labels=[f"Ledere: andel med svaret i høj grad, spørgsmål {j}" for j in range(ncol)], cells=cells, register=True)
    small = Table(id="s", number="Tabel 4.9", title="Lille", row_labels=["a"], column_labels=["Antal"], cells=[[Cell(1, Kind.COUNT)]])
    out = write_workbook([wide, small], tmp_path / "w.xlsx", Provenance(command="t"), disclosure=checked([wide], Policy()))
    wb = openpyxl.load_workbook(out)
    assert "Tabel 4.8" not in wb.sheetnames and wb.sheetnames[:4] == ["Indhold", "Tabel 4.9", "Bilag 1", "Diskretionering"]
    ws = wb["Bilag 1"]
    assert ws["A1"].value == "Bilag 1 Kommunedata" and ws.page_setup.orientation == "landscape"
    contents_rows = [(c.value, wb["Indhold"].cell(c.row, 2).value) for c in wb["Indhold"]["A"]]
    assert ("Tabel 4.8", "Kommunedata – se Bilag 1") in contents_rows and ("Bilag 1", "Kommunedata") in contents_rows
    links = [c.hyperlink.target for c in wb["Indhold"]["B"] if c.hyperlink]
    assert (None, "Bilag") in contents_rows and links.count("#'Bilag 1'!A1") == 2  # at its chapter's place and under Bilag
    # one page across at >= 8 pt, from the column widths and the page setup
    s = ws.page_setup.scale / 100
    assert layout.col_pt(None) and sum(layout.col_pt(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width)
                                       for c in range(1, ws.max_column + 1)) * s <= layout.page_area(ws)[0]
    assert min(c.font.sz for row in ws.iter_rows() for c in row if c.value is not None) * s >= 8
    assert layout.problems(wb) == []
    # every page starts with the stub header and a header row, and every cell is printed exactly once
    pages = layout.pages(ws)
    assert len(pages) > 4
    header_rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Kommune"]
    assert all(any(a <= r <= b for r in header_rows) for a, b in pages[:-1])
    tables, _ = read_back(out)  # `toolkit audit` finds each register cell in its block
    got = tables[0]
    for i in range(len(rows)):
        for j in range(10):
            c = cells[i][j]
            assert got.cells[i][j].suppressed == c.suppressed and (c.suppressed or got.cells[i][j].value == c.value), (i, j)
    shown = sorted(c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float))
    assert shown == sorted(cells[i][j].value for i in range(len(rows)) for j in range(10, ncol))  # each mean printed once


def test_long_table_repeats_its_header_rows(tmp_path: Path) -> None:
    t = Table(id="l", number="Tabel 2.4", title="Lang", row_labels=[f"Række {i}" for i in range(80)], column_labels=["Andel"],
              cells=[[Cell(0.5, Kind.PERCENT)] for _ in range(80)])
    wb = openpyxl.load_workbook(write_workbook([t], tmp_path / "l.xlsx", Provenance(command="t")))
    assert wb["Tabel 2.4"].print_title_rows == "$3:$3"
    assert layout.problems(wb) == []


@pytest.mark.parametrize(("values", "percent", "symmetric", "axis"), [
    ([0.31, 0.44], True, False, (0.0, 0.5, 0.1)),      # shares up to 44 %: to 50 %
    ([0.72, 0.9], True, False, (0.0, 1.0, 0.2)),       # above 60 %: the whole 0-100 %
    ([0.012, 0.043], True, False, (0.0, 0.05, 0.01)),  # small shares: a round value near the data
    ([1234.0, 17.0], False, False, (0.0, 1250.0, 250.0)),
    ([-0.012, 0.03], False, False, (-0.02, 0.03, 0.01)),
    ([-0.354, 0.521], False, True, (-0.6, 0.6, 0.2)),  # Figur 4.1's coefficients: ±0,6, not 1,000
    ([0.2, 0.52], False, True, (0.0, 0.6, 0.2)),       # one sign: from 0
    ([], True, False, (0.0, 0.1, 0.02)),               # nothing drawn
])
def test_value_axis_starts_at_zero_and_ends_on_a_round_value(values: list[float], percent: bool, symmetric: bool,
                                                            axis: tuple[float, float, float]) -> None:
    assert layout.value_axis(values, percent=percent, symmetric=symmetric) == pytest.approx(axis)


def test_coefficient_chart_axis_is_symmetric_with_the_steps_decimals(tmp_path: Path) -> None:
    t = Table(id="f", number="Figur 4.1", title="Faktorer", row_labels=["a", "b", "c"], column_labels=["Standardiseret koefficient"],
              cells=[[Cell(v, Kind.STAT)] for v in (-0.354, 0.521, -0.267)], figure=Figure(kind="bar", title="Faktorer"))
    ax = openpyxl.load_workbook(write_workbook([t], tmp_path / "f.xlsx", Provenance(command="t")))["Figur 4.1"]._charts[0].y_axis
    assert (ax.scaling.min, ax.scaling.max, ax.majorUnit) == pytest.approx((-0.6, 0.6, 0.2))
    assert ax.number_format.formatCode == "0.0"  # -0,6 … 0,6, not -0,600 or 1,000


def test_long_category_labels_get_horizontal_bars_with_every_label(tmp_path: Path) -> None:
    labels = ["Korte vejlednings- og afklaringsforløb", "Kontanthjælp, jobparat", "Ordinært job"]
    t = Table(id="s", number="Tabel 5.3", title="Status", row_labels=labels, column_labels=["Andel"],
              cells=[[Cell(v, Kind.PERCENT)] for v in (0.076, 0.295, 0.44)], figure=Figure(kind="bar", title="Status", number="Figur 5.3"))
    ch = openpyxl.load_workbook(write_workbook([t], tmp_path / "s.xlsx", Provenance(command="t")))["Tabel 5.3"]._charts[0]
    assert ch.type == "bar"  # horizontal bars
    assert ch.x_axis.tickLblSkip == 1  # every label
    assert (ch.y_axis.scaling.min, ch.y_axis.scaling.max) == (0, 0.5)
    short = Table(id="k", number="Tabel 5.4", title="Køn", row_labels=["Mand", "Kvinde"], column_labels=["Andel"],
                  cells=[[Cell(0.5, Kind.PERCENT)], [Cell(0.5, Kind.PERCENT)]], figure=Figure(kind="bar", title="Køn"))
    ch = openpyxl.load_workbook(write_workbook([short], tmp_path / "k.xlsx", Provenance(command="t")))["Tabel 5.4"]._charts[0]
    assert ch.type == "col"


def test_goal_chart_observed_solid_projected_dashed_target_dotted(tmp_path: Path) -> None:
    """Seed Figur 2.1: per goal one colour; observed quarters solid, projected dashed, the target level drawn."""
    rows = ["3. kvt. 2021", "4. kvt. 2021", "1. kvt. 2022 (fremskrevet)"]
    t = Table(id="g", number="Figur 2.1", title="Målene", row_labels=rows, column_labels=["Mål 1", "Mål 2"],
              cells=[[Cell(0.05, Kind.PERCENT), Cell(0.07, Kind.PERCENT)], [Cell(0.08, Kind.PERCENT), Cell(0.15, Kind.PERCENT)],
                     [Cell(0.10, Kind.PERCENT), Cell(0.2, Kind.PERCENT)]],
              figure=Figure(kind="line", title="Målene", projected_from=2, targets=[0.25, None]))
    wb = openpyxl.load_workbook(write_workbook([t], tmp_path / "g.xlsx", Provenance(command="t")))
    ws = wb["Figur 2.1"]
    ch = ws._charts[0]
    names = [s.tx.v for s in ch.series]
    assert names == ["Mål 1", "Mål 1 (fremskrevet)", "Mål 1: målsætning", "Mål 2", "Mål 2 (fremskrevet)"]
    dashes = [s.graphicalProperties.line.prstDash for s in ch.series]
    assert dashes == ["solid", "dash", "sysDot", "solid", "dash"]
    colours = [s.graphicalProperties.line.solidFill.srgbClr for s in ch.series]
    assert colours[0] == colours[1] == colours[2] != colours[3] == colours[4]
    assert not any(s.smooth for s in ch.series)
    # the pieces come from hidden columns: observed up to the last observed quarter, the projection from it on
    helper = [[ws.cell(r, c).value for r in (4, 5, 6)] for c in range(5, 10)]
    assert helper[0] == [0.05, 0.08, None] and helper[1] == [None, 0.08, 0.10] and helper[2] == [0.25] * 3
    assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].hidden for c in range(5, 10))
    assert ch.y_axis.scaling.max == pytest.approx(0.3)  # the target level (25 %) is inside the axis
    assert layout.problems(wb) == []


def test_chart_with_suppressed_points_says_so_and_one_of_nothing_is_left_out(tmp_path: Path) -> None:
    def table(key: str, number: str, hidden: list[bool]) -> Table:
        cells = [[Cell(None if h else v, Kind.PERCENT, n=50, suppressed=h)] for v, h in zip((0.3, 0.4, 0.5), hidden)]
        return Table(id=key, number=number, title="Andel", row_labels=["Herning", "Holstebro", "Silkeborg"],
                     column_labels=["Andel"], cells=cells, figure=Figure(kind="bar", title="Andel"))
    some = table("some", "Tabel 7.2", [False, True, True])
    none = table("none", "Tabel 7.5", [True, True, True])
    wb = openpyxl.load_workbook(write_workbook([some, none], tmp_path / "c.xlsx", Provenance(command="t")))
    notes = lambda ws: [c.value for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Anm.")]  # noqa: E731
    assert len(wb["Tabel 7.2"]._charts) == 1
    title = wb["Tabel 7.2"]._charts[0].x_axis.title.tx.rich.p[0].r[0].t
    assert title == "x = diskretioneret: vises ikke"  # on the chart too
    assert notes(wb["Tabel 7.2"]) == ["Anm.: Figuren mangler de diskretionerede tal (x); de er ikke nul."]
    assert wb["Tabel 7.5"]._charts == []
    assert notes(wb["Tabel 7.5"]) == ["Anm.: Figuren udelades: alle dens tal er diskretioneret (x)."]
    listed = [c.value for c in wb["Indhold"]["A"] if isinstance(c.value, str) and c.value.startswith("Figur")]
    assert listed == ["Figur 7.1"]  # the omitted chart takes no number
