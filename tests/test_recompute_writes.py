"""Recompute writes only what changed, marks bad cells without touching the rep's formats, and
never overwrites a file it was not asked to."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.styles import PatternFill

from kqxl.api import plan_highlights, recompute_workbook, validate_workbook
from kqxl.book import CellChange, patch_workbook
from kqxl.book.highlight import HIGHLIGHT_MARK, HighlightRule, edit_tail
from kqxl.book.styles import HIGHLIGHT_RGB, StyleBook
from kqxl.book.template import template_columns
from kqxl.cells import column_letter
from kqxl.cli import cli
from kqxl.errors import WorkbookError
from kqxl.schema import SCHEMA

TODAY = dt.date(2026, 11, 23)
# the template's 校验 column of 客户 (the last)
CHECKS = column_letter([c.key for c in template_columns(SCHEMA.customers)].index("checks") + 1)
YELLOW = "FFFFFF00"


@pytest.fixture
def rep_book(team_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "客户跟进表-张伟.xlsx"
    shutil.copy(team_dir / target.name, target)
    return target


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def backups(book: Path) -> list[Path]:
    folder = book.parent / ".kqxl" / "backups"
    return sorted(folder.iterdir()) if folder.exists() else []


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def sheet_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as zf:
        workbook = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet\b[^>]*?\sname="{name}"[^>]*?\sr:id="(\w+)"', workbook)
        assert rid, workbook
        target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or re.search(
            rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels
        )
        assert target
        part = target.group(1).lstrip("/")
        return part if part.startswith("xl/") else "xl/" + part


def kqxl_rules(path: Path, sheet: str) -> list[str]:
    """The conditional-format blocks of ``sheet`` that hold kqxl's highlight rule."""
    with zipfile.ZipFile(path) as zf:
        xml = zf.read(sheet_part(path, sheet)).decode()
    blocks = re.findall(r"<conditionalFormatting\b.*?</conditionalFormatting>", xml, re.S)
    return [b for b in blocks if HIGHLIGHT_MARK in b.replace("&amp;", "&")]


# --- write only what changed ----------------------------------------------------------------


def test_a_second_recompute_writes_no_file_and_keeps_no_backup(rep_book: Path) -> None:
    first = recompute_workbook(rep_book, today=TODAY)
    assert not first.unchanged and first.cells_changed > 0
    before = rep_book.read_bytes()
    stat = rep_book.stat()
    kept = backups(rep_book)
    second = recompute_workbook(rep_book, today=TODAY)
    assert second.unchanged
    assert second.cells_changed == 0 and second.backup is None
    assert rep_book.read_bytes() == before
    assert rep_book.stat().st_mtime_ns == stat.st_mtime_ns
    assert backups(rep_book) == kept
    # the results are those of a full evaluation all the same
    assert second.result.model_dump() == validate_workbook(rep_book, today=TODAY).model_dump()


def test_cli_says_unchanged_in_chinese_and_in_json(rep_book: Path) -> None:
    run("recompute", rep_book, "--today", "2026-11-23")
    code, out, _ = run("recompute", rep_book, "--today", "2026-11-23")
    assert code == 1  # the sample holds findings
    assert f"{rep_book}：无变化，未写入（没有新的备份）。\n" in out
    assert "已写入" not in out
    code, out, _ = run("recompute", rep_book, "--today", "2026-11-23", "--json")
    [entry] = json.loads(out)["files"]
    assert entry["result"]["unchanged"] is True
    assert entry["result"]["backup"] is None


def test_only_cells_whose_value_changes_are_written(rep_book: Path) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    before = members(rep_book)
    # the rep fixes one cell on 客户 (U4 "五次" → 5): its 校验 and possibly its grade change
    patch_workbook(rep_book, [CellChange("客户", 4, 21, 5)], backup=False)
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    assert not done.unchanged
    assert 1 <= done.cells_changed <= 8  # that row's results, not the sheet's 1,000 cells
    after = members(rep_book)
    projects = sheet_part(rep_book, "项目")
    assert after[projects] == before[projects]  # a sheet without change is copied as it was
    assert openpyxl.load_workbook(rep_book)["客户"][f"{CHECKS}4"].value is None


def test_a_value_typed_over_a_computed_cell_is_restored(rep_book: Path) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    wb = openpyxl.load_workbook(rep_book, read_only=True)
    grade = wb["客户"]["C3"].value
    wb.close()
    patch_workbook(rep_book, [CellChange("客户", 3, 3, "手填")], backup=False)
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    assert done.cells_changed == 2  # the grade restored, and the notice about it in 校验
    wb = openpyxl.load_workbook(rep_book, read_only=True)
    assert wb["客户"]["C3"].value == grade
    assert "提示：C3：“客情等级”由 kqxl 计算" in str(wb["客户"][f"{CHECKS}3"].value)
    wb.close()


# --- --out never overwrites without asking -----------------------------------------------------


def test_out_refuses_an_existing_file_unless_forced_and_then_backs_it_up(
    rep_book: Path, tmp_path: Path
) -> None:
    other = tmp_path / "李四.xlsx"
    other.write_bytes(b"another rep's workbook")
    source = rep_book.read_bytes()
    code, out, err = run("recompute", rep_book, "--out", other, "--today", "2026-11-23")
    assert code == 2 and out == ""
    assert err == (
        f"kqxl: {other}：文件已存在，kqxl 不会覆盖它，未做任何改动。请换一个文件名。"
        "确需覆盖时加 --force（原文件会先备份到同一文件夹的 .kqxl/backups/ 中）。\n"
    )
    assert other.read_bytes() == b"another rep's workbook"
    assert rep_book.read_bytes() == source
    with pytest.raises(WorkbookError) as caught:
        recompute_workbook(rep_book, out=other, today=TODAY)
    assert caught.value.code == "out_exists"

    done = recompute_workbook(rep_book, out=other, today=TODAY, force=True)
    assert done.backup is not None
    assert Path(done.backup).read_bytes() == b"another rep's workbook"
    assert Path(done.backup).parent == tmp_path / ".kqxl" / "backups"
    assert validate_workbook(other, today=TODAY).customers
    assert rep_book.read_bytes() == source


def test_out_to_a_new_file_is_written_even_when_nothing_changes(
    rep_book: Path, tmp_path: Path
) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    copy = tmp_path / "副本.xlsx"
    done = recompute_workbook(rep_book, out=copy, today=TODAY)
    assert copy.exists() and not done.unchanged and done.cells_changed == 0


# --- the highlight: one conditional format kqxl owns --------------------------------------------


def test_one_highlight_rule_per_sheet_reads_the_check_column(rep_book: Path) -> None:
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    checks = done.result.layouts["客户"].columns["checks"]
    [block] = kqxl_rules(rep_book, "客户")
    assert f'sqref="A3:{CHECKS}13"' in block and column_letter(checks) == CHECKS
    formula = re.search(r"<formula>(.*?)</formula>", block)
    assert formula is not None
    assert formula.group(1).replace("&amp;", "&") == (
        f'ISNUMBER(FIND("；"&ADDRESS(ROW(),COLUMN(),4)&"：","；"&${CHECKS}3))'
    )
    assert len(kqxl_rules(rep_book, "项目")) == 1
    # no cell style carries a fill of kqxl's any more
    styles = members(rep_book)["xl/styles.xml"].decode()
    cell_xfs = re.search(r"<cellXfs.*?</cellXfs>", styles, re.S)
    assert cell_xfs is not None
    book = StyleBook(members(rep_book)["xl/styles.xml"])
    assert not book.highlight_ids()


def test_the_rule_is_rewritten_only_when_its_range_moves(rep_book: Path) -> None:
    recompute_workbook(rep_book, today=TODAY, backup=False)
    recompute_workbook(rep_book, today=TODAY, backup=False)
    assert len(kqxl_rules(rep_book, "客户")) == 1
    # a new customer row: the range grows, and there is still one rule
    patch_workbook(rep_book, [CellChange("客户", 14, 2, "新客户有限公司")], backup=False)
    recompute_workbook(rep_book, today=TODAY, backup=False)
    [block] = kqxl_rules(rep_book, "客户")
    assert f'sqref="A3:{CHECKS}14"' in block


def test_edit_tail_keeps_the_reps_own_rules_and_replaces_only_kqxls() -> None:
    styles = StyleBook(
        b'<styleSheet><fills count="2"><fill/><fill/></fills>'
        b'<cellXfs count="1"><xf fillId="0"/></cellXfs></styleSheet>'
    )
    own = (
        b'<conditionalFormatting sqref="C3:C9"><cfRule type="cellIs" dxfId="0" priority="3" '
        b'operator="greaterThan"><formula>5</formula></cfRule></conditionalFormatting>'
    )
    tail = b"</sheetData>" + own + b'<pageMargins left="0.7"/></worksheet>'
    rule = HighlightRule("客户", "A3:D9", f'ISNUMBER(FIND("；"&{HIGHLIGHT_MARK},$D3))')
    once = edit_tail(tail, b"", rule, styles)
    assert once.count(b"<conditionalFormatting") == 2 and own in once
    assert once.index(own) < once.index(b'sqref="A3:D9"') < once.index(b"<pageMargins")
    assert b'priority="4"' in once and b'dxfId="0"' in once  # after the rep's; first dxf
    assert edit_tail(once, b"", rule, styles) is once  # as it should be: left alone
    moved = HighlightRule("客户", "A3:E20", rule.formula.replace("$D3", "$E3"))
    again = edit_tail(once, b"", moved, styles)
    assert again.count(b"<conditionalFormatting") == 2 and b'sqref="A3:D9"' not in again
    gone = edit_tail(again, b"", HighlightRule("客户", None), styles)
    assert gone == tail


def test_a_sheet_without_check_column_gets_no_rule(rep_book: Path) -> None:
    result = validate_workbook(rep_book, today=TODAY)
    del result.layouts["客户"].columns["checks"]
    rules = {r.sheet: r for r in plan_highlights(result)}
    assert rules["客户"].sqref is None and rules["项目"].sqref is not None


def test_old_highlight_styles_are_taken_off_and_the_reps_fill_comes_back(
    rep_book: Path,
) -> None:
    wb = openpyxl.load_workbook(rep_book)
    wb["客户"]["U4"].fill = PatternFill("solid", fgColor=YELLOW)
    wb.save(rep_book)
    # as an older kqxl marked a bad cell: a highlight style on top of the rep's yellow
    patch_workbook(rep_book, [CellChange("客户", 4, 21, "五次", highlight=True)], backup=False)
    wb = openpyxl.load_workbook(rep_book)
    assert wb["客户"]["U4"].fill.fgColor.rgb == HIGHLIGHT_RGB
    recompute_workbook(rep_book, today=TODAY, backup=False)
    wb = openpyxl.load_workbook(rep_book)
    assert wb["客户"]["U4"].fill.fgColor.rgb == YELLOW
    assert wb["客户"]["U4"].value == "五次"
    assert recompute_workbook(rep_book, today=TODAY, backup=False).unchanged


# --- LibreOffice shows it: the rep's yellow, kqxl's red while bad, yellow again once fixed ------


def _soffice(work: Path, path: Path, target: str) -> Path:
    out = work / f"lo-{target.split(':')[0]}-{len(list(work.iterdir()))}"
    out.mkdir()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "HOME": str(work)},
        timeout=600,  # a hung soffice must not hang the suite
    )
    # the HTML export writes the 看板's charts as images beside the page
    [made] = (p for p in out.iterdir() if p.suffix == f".{target.split(':')[0]}")
    return made


def _shown_fill(work: Path, book: Path, text: str) -> str | None:
    """The background LibreOffice shows (conditional formats applied, as its HTML export
    renders them) for the cell of the 客户 sheet whose value is ``text``."""
    html = _soffice(work, book, "html").read_text("utf-8", errors="replace")
    cell = re.search(r"<td\b([^>]*)>(?:(?!</td>).)*?(?<=>)" + re.escape(text) + "<", html, re.S)
    assert cell is not None, text
    color = re.search(r'bgcolor="#([0-9A-Fa-f]{6})"', cell.group(1))
    return color.group(1).upper() if color else None


@pytest.mark.libreoffice
@pytest.mark.parametrize("saved_between", [False, True], ids=["kqxl-only", "libreoffice-saved"])
def test_libreoffice_shows_the_highlight_over_the_reps_fill_and_the_fill_after_the_fix(
    rep_book: Path, tmp_path: Path, saved_between: bool
) -> None:
    work = tmp_path / "lo"
    work.mkdir()
    wb = openpyxl.load_workbook(rep_book)
    wb["客户"]["U4"].value = "八次"  # a mistake in a cell the rep coloured yellow
    wb["客户"]["U4"].fill = PatternFill("solid", fgColor=YELLOW)
    wb["客户"]["U5"].fill = PatternFill("solid", fgColor=YELLOW)
    wb.save(rep_book)
    recompute_workbook(rep_book, today=TODAY, backup=False)
    assert _shown_fill(work, rep_book, "八次") == HIGHLIGHT_RGB[2:]
    if saved_between:
        saved = _soffice(work, rep_book, "xlsx:Calc MS Excel 2007 XML")
        shutil.copy(saved, rep_book)
    # the rep fixes the cell (through the patch writer, as any program would save it)
    patch_workbook(rep_book, [CellChange("客户", 4, 21, 987)], backup=False)
    recompute_workbook(rep_book, today=TODAY, backup=False)
    assert len(kqxl_rules(rep_book, "客户")) == 1
    assert openpyxl.load_workbook(rep_book)["客户"]["U4"].fill.fgColor.rgb == YELLOW
    assert _shown_fill(work, rep_book, "987") == YELLOW[2:]


# --- the row fast path -----------------------------------------------------------------------


def test_fast_path_puts_a_new_first_cell_before_the_others_and_keeps_the_rest() -> None:
    from kqxl.book.sheetxml import Change, SheetRewriter, cells_of_row

    row = b'<row r="5"><c r="B5" t="s"><v>1</v></c><c r="D5"><v>7</v></c></row>'
    xml = b"<worksheet><sheetData>" + row + b"</sheetData></worksheet>"
    changes = [
        Change(5, 1, "K-1", None),
        Change(5, 4, 8, None),
        Change(5, 6, "尾", None),
    ]
    rewriter = SheetRewriter(changes, styles=None, date1904=False)
    calls: list[int] = []
    slow = rewriter._merge

    def counted(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        return slow(*args, **kwargs)  # type: ignore[arg-type]

    rewriter._merge = counted  # type: ignore[method-assign]
    out = b"".join(rewriter.run(iter([xml])))
    assert not calls  # the fast path did it
    body = out[out.index(b"<row") : out.index(b"</row>") + 6]
    refs = re.findall(rb'<c r="([A-Z]+)5"', body)
    assert refs == [b"A", b"B", b"D", b"F"]
    cells = cells_of_row(body)
    assert cells[1][1] == "K-1" and cells[2][:3] == ("s", "1", False)
    assert cells[4][1] == "8" and cells[6][1] == "尾"


def _rewrite_row(row: bytes, changes: list[object], *, full: bool = False) -> tuple[bytes, int]:
    """The rewritten row, and how many times the full merge ran (``full``: forced)."""
    from kqxl.book.sheetxml import SheetRewriter

    xml = b"<worksheet><sheetData>" + row + b"</sheetData></worksheet>"
    rewriter = SheetRewriter(changes, styles=None, date1904=False)  # type: ignore[arg-type]
    calls: list[int] = []
    slow = rewriter._merge

    def counted(*args: object, **kwargs: object) -> bytes:
        calls.append(1)
        return slow(*args, **kwargs)  # type: ignore[arg-type]

    rewriter._merge = counted  # type: ignore[method-assign]
    if full:
        rewriter._merge_fast = lambda *args: None  # type: ignore[method-assign]
    out = b"".join(rewriter.run(iter([xml])))
    return out[out.index(b"<row") : out.index(b"</row>") + 6], len(calls)


@pytest.mark.parametrize(
    "cols",
    [
        (1, 3, 5, 7),  # new cells before, between and after the existing ones
        (2, 3, 4),  # a new cell between two replaced ones
        (3, 5, 6, 9),  # between and after only
        (1, 2, 4, 6, 8),  # every existing cell replaced, a new one around each
        (10,),  # after the last only
    ],
)
def test_fast_path_places_new_cells_between_existing_ones_as_the_full_merge_does(
    cols: tuple[int, ...],
) -> None:
    from kqxl.book.sheetxml import Change, cells_of_row

    row = (
        b'<row r="5" spans="2:8"><c r="B5" t="s"><v>1</v></c><c r="D5"><v>7</v></c>'
        b'<c r="F5" s="0"><v>2.5</v></c><c r="H5" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    changes = [Change(5, c, f"新{c}" if c % 2 else c * 10, None) for c in cols]
    fast, slow_calls = _rewrite_row(row, list(changes))
    full, _ = _rewrite_row(row, list(changes), full=True)
    assert slow_calls == 0  # the fast path did it
    assert cells_of_row(fast) == cells_of_row(full)
    refs = [int(c) for c in re.findall(rb'<c r="[A-Z]+(\d+)"', fast)]
    assert refs == [5] * len(refs)
    letters = re.findall(rb'<c r="([A-Z]+)5"', fast)
    assert letters == sorted(letters, key=lambda x: (len(x), x))  # columns in order


@pytest.mark.parametrize(
    "row",
    [
        # a cell whose r is not its first attribute
        b'<row r="5"><c r="B5"><v>1</v></c><c s="0" r="D5"><v>7</v></c></row>',
        # columns out of order, the new cell between them
        b'<row r="5"><c r="B5"><v>1</v></c><c r="E5"><v>7</v></c><c r="A5"><v>0</v></c></row>',
        # something after the last cell
        b'<row r="5"><c r="B5"><v>1</v></c><c r="D5"><v>7</v></c><extLst/></row>',
    ],
)
def test_fast_path_leaves_an_odd_row_to_the_full_merge(row: bytes) -> None:
    from kqxl.book.sheetxml import Change, cells_of_row

    changes = [Change(5, 3, "新", None)]
    out, slow_calls = _rewrite_row(row, list(changes))
    assert slow_calls == 1
    assert cells_of_row(out)[3][1] == "新"


# --- verification as the bytes are produced ----------------------------------------------------


def test_a_deflater_that_corrupts_its_output_stops_the_write(
    rep_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kqxl.book import zipcopy

    real = zipcopy.zlib_ng.compressobj

    class Flipping:
        """Deflates each chunk with its first byte changed: a fault no CRC of the input sees."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            self.inner = real(*args, **kwargs)  # type: ignore[arg-type]

        def compress(self, data: bytes) -> bytes:
            return self.inner.compress(bytes([data[0] ^ 1]) + data[1:] if data else data)

        def flush(self, *args: int) -> bytes:
            return self.inner.flush(*args)

    before = rep_book.read_bytes()
    patch_workbook(rep_book, [CellChange("客户", 3, 3, "手填")], backup=False)
    changed = rep_book.read_bytes()
    assert changed != before
    monkeypatch.setattr(zipcopy.zlib_ng, "compressobj", Flipping)
    with pytest.raises(WorkbookError) as caught:
        recompute_workbook(rep_book, today=TODAY, backup=False)
    assert caught.value.code == "verify_failed"
    assert rep_book.read_bytes() == changed  # the original stays as it was


def _part(rows: int) -> list[bytes]:
    """A sheet's rows, in chunks of odd sizes (repeats reach back across segments)."""
    body = b"".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>客户{r % 97}</t></is></c></row>'.encode()
        for r in range(1, rows)
    )
    return [body[i : i + 777] for i in range(0, len(body), 777)]


@pytest.mark.parametrize("segment", [1 << 10, 5000, 64 << 10, 4 << 20])
def test_a_part_deflated_in_segments_is_one_stream(
    monkeypatch: pytest.MonkeyPatch, segment: int
) -> None:
    import zlib

    from kqxl.book import zipcopy

    monkeypatch.setattr(zipcopy, "SEGMENT", segment)
    chunks = _part(3000)
    raw = b"".join(chunks)
    done = zipcopy.deflate(iter(chunks))
    try:
        done.file.seek(0)
        data = done.file.read()
    finally:
        done.close()
    assert zlib.decompress(data, -15) == raw  # zlib, as every zip reader, inflates it whole
    assert (done.crc, done.size, done.csize) == (zlib.crc32(raw), len(raw), len(data))
    # nothing and one chunk are one segment, deflated without a worker
    for given in ([], [b""], [b"<row/>"]):
        small = zipcopy.deflate(given)
        small.file.seek(0)
        assert zlib.decompress(small.file.read(), -15) == b"".join(given)
        small.close()


def test_a_segment_that_does_not_inflate_back_stops_the_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading
    import zlib

    from kqxl.book import zipcopy

    monkeypatch.setattr(zipcopy, "SEGMENT", 4096)
    real = zipcopy.zlib_ng.decompressobj
    calls = []

    class Late:
        """Inflates the third segment with one byte changed."""

        def __init__(self, *args: object, **kwargs: object) -> None:
            self.inner = real(*args, **kwargs)  # type: ignore[arg-type]
            calls.append(self)
            self.third = len(calls) == 3
            self.unused_data = b""
            self.eof = False

        def decompress(self, data: bytes) -> bytes:
            out = self.inner.decompress(data)
            self.eof = self.inner.eof
            return bytes([out[0] ^ 1]) + out[1:] if self.third else out

        def flush(self) -> bytes:
            return self.inner.flush()

    monkeypatch.setattr(zipcopy.zlib_ng, "decompressobj", Late)
    threads = threading.active_count()
    with pytest.raises(zlib.error):
        zipcopy.deflate(iter(_part(3000)))
    assert threading.active_count() == threads  # the workers are gone


def test_a_rewrite_that_fails_midway_leaves_no_worker_behind() -> None:
    import threading

    from kqxl.book import zipcopy

    def rows() -> Iterator[bytes]:
        yield from _part(400_000)[:20_000]  # more than two segments
        raise ValueError("第 9 行：文本过长")

    threads = threading.active_count()
    with pytest.raises(ValueError, match="第 9 行"):
        zipcopy.deflate(rows())
    assert threading.active_count() == threads


def test_members_inflate_as_zipfile_reads_them(rep_book: Path, tmp_path: Path) -> None:
    from kqxl.book.zipcopy import inflate_member

    stored = tmp_path / "stored.zip"
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("a.xml", b"<a/>" * 1000)
    for path in (rep_book, stored):
        with zipfile.ZipFile(path) as zf, path.open("rb") as fh:
            for info in zf.infolist():
                assert b"".join(inflate_member(fh, info)) == zf.read(info)


def test_a_sheet_whose_bytes_do_not_match_its_crc_is_reported_damaged(
    rep_book: Path, tmp_path: Path
) -> None:
    from kqxl.book.zipcopy import inflate_member

    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(rep_book) as zf:
        info, start = zf.getinfo(name), zf.start_dir
    raw = bytearray(rep_book.read_bytes())
    # the directory's record of the sheet: its CRC (16 bytes in) off by one
    record = raw.find(b"PK\x01\x02", start)
    while raw[record + 46 : record + 46 + len(name)] != name.encode():
        record = raw.find(b"PK\x01\x02", record + 4)
    raw[record + 16 : record + 20] = (info.CRC ^ 1).to_bytes(4, "little")
    bad = tmp_path / "crc.xlsx"
    bad.write_bytes(bytes(raw))
    with zipfile.ZipFile(bad) as zf, bad.open("rb") as fh, pytest.raises(zipfile.BadZipFile):
        b"".join(inflate_member(fh, zf.getinfo(name)))
    with pytest.raises(WorkbookError) as caught:
        patch_workbook(bad, [CellChange("客户", 3, 3, "手填")], backup=False)
    assert caught.value.code == "damaged"  # found when the file is opened, before any write


def test_a_member_longer_than_its_directory_says_is_refused(tmp_path: Path) -> None:
    from kqxl.book.zipcopy import inflate_member

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.xml", b"\0" * (64 << 20))
    with zipfile.ZipFile(bomb) as zf, bomb.open("rb") as fh:
        info = zf.getinfo("a.xml")
        info.file_size = 1 << 20  # the directory understates what the data inflates to
        read = 0
        with pytest.raises(zipfile.BadZipFile):
            for chunk in inflate_member(fh, info):
                read += len(chunk)
        assert read <= 5 << 20  # never more than 4 MiB inflated past the size given


def test_a_recompute_with_nothing_to_change_inflates_no_sheet_again(
    rep_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kqxl.book.patch as patch_module

    recompute_workbook(rep_book, today=TODAY, backup=False)
    probed: list[str] = []
    real_probe = patch_module.probe_sheet

    def probe(chunks, marked):  # type: ignore[no-untyped-def]
        probed.append("probe")
        return real_probe(chunks, marked)

    monkeypatch.setattr(patch_module, "probe_sheet", probe)
    # the conditional formats are checked in the tails the read kept: no second inflate
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    assert done.unchanged and probed == []
    # a rule a person changed since is still put right (the read sees the file as it is now)
    with zipfile.ZipFile(rep_book) as zf:
        part = sheet_part(rep_book, "客户")
        xml = zf.read(part)
    ours = f'"；"&amp;${CHECKS}3))'.encode()  # kqxl's rule reads the 校验 column
    changed = xml.replace(ours, '"；"&amp;$A3))'.encode())
    assert changed != xml
    _replace_member(rep_book, part, changed)
    done = recompute_workbook(rep_book, today=TODAY, backup=False)
    assert not done.unchanged and probed == []
    [block] = kqxl_rules(rep_book, "客户")
    assert f'"；"&${CHECKS}3))' in block.replace("&amp;", "&")


def _replace_member(path: Path, name: str, data: bytes) -> None:
    tmp = path.with_suffix(".tmp.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == name else src.read(info))
    tmp.replace(path)
