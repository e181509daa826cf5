"""A sync killed at a random point, and two syncs at once, in separate processes."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kqxl.schema import SCHEMA
from kqxl.sync.apply import CONFLICT_SHEET, moved_sheet, read_side, sync_team
from kqxl.sync.journal import Journal, journal_path
from tests.test_sync import TODAY, _key, _set, _team

# The child imports kqxl, says so, then syncs: kills are timed from the start of the sync.
# With a third argument it also says "wrote" after each workbook it wrote and waits that long,
# so that a kill can be aimed between two writes (a sync writes its few workbooks within
# milliseconds; a kill at a random time rarely lands between them).
RUN = (
    "import sys, time, datetime as dt\n"
    "import kqxl.sync.apply as apply\n"
    "import kqxl.api\n"
    "if len(sys.argv) > 3:\n"
    "    inner = apply._write\n"
    "    def _write(*args, **kwargs):\n"
    "        inner(*args, **kwargs)\n"
    "        print('wrote', flush=True)\n"
    "        time.sleep(float(sys.argv[3]))\n"
    "    apply._write = _write\n"
    "print('ready', flush=True)\n"
    "apply.sync_team(sys.argv[1], today=dt.date(2026, 11, 23), lock_timeout=float(sys.argv[2]))\n"
)


def _edited_team(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    master = _team(folder)
    sync_team(master, today=TODAY)
    zhang, li = folder / "客户跟进表-张伟.xlsx", folder / "客户跟进表-李娜.xlsx"
    k0, k1, k3 = _key(master, "公司0"), _key(master, "公司1"), _key(master, "公司3")
    _set(zhang, k0, "fax", "027-1")
    _set(zhang, k0, "contact_name", "赵")
    _set(master, k0, "contact_name", "钱")
    _set(master, k1, "owner_rep", "张伟")
    _set(li, k3, "address", "汉口")
    return master


def _state(master: Path) -> dict[str, object]:
    """What the files say, sheet by sheet (the bytes differ: zip times, backups)."""
    out: dict[str, object] = {}
    for path in sorted(master.parent.glob("*.xlsx")):
        role = "master" if path == master else "rep"
        side = read_side(path, role, SCHEMA)
        sheets = {name: s.table for name, s in side.sheets.items()}
        extra = {
            name: [list(r) for r in side.grid.sheets[name].rows]
            for name in (CONFLICT_SHEET, *(moved_sheet(s.name) for s in SCHEMA.sheets))
            if name in side.grid.sheets
        }
        out[path.name] = (sheets, extra)
    return out


def _spawn(
    master: Path, timeout: float = 10.0, pause: float | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    paused = [] if pause is None else [str(pause)]
    return subprocess.Popen(
        [sys.executable, "-c", RUN, str(master), str(timeout), *paused],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_mid_sync_then_rerun_converges(tmp_path: Path) -> None:
    reference = _edited_team(tmp_path / "ref")
    pristine = tmp_path / "pristine"
    shutil.copytree(reference.parent, pristine)
    proc = _spawn(reference)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    started = time.perf_counter()
    assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    full = time.perf_counter() - started
    expected = _state(reference)
    before = _state(pristine / reference.name)
    rng = random.Random(20261123)
    halfway = 0
    for run in range(8):
        folder = tmp_path / f"run{run}"
        shutil.copytree(pristine, folder)
        master = folder / reference.name
        aimed = run % 2 == 0  # every other kill lands right after the sync's first write
        proc = _spawn(master, pause=5.0 if aimed else None)
        assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
        if aimed:
            assert proc.stdout.readline() == b"wrote\n"
        else:
            time.sleep(rng.uniform(0.0, full))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed = _state(master)
        halfway += killed not in (before, expected)
        if aimed:  # one workbook written, the others not yet
            assert killed not in (before, expected), run
        for _ in range(3):
            if sync_team(master, today=TODAY).sync_id is None:
                break
        assert sync_team(master, today=TODAY).sync_id is None  # converged
        state = _state(master)
        assert {k.replace(str(folder), "") for k in state} == set(expected)
        assert state == expected, run
        assert not list(folder.glob("*.tmp")) and not list(folder.glob(".*.tmp"))
        with Journal(journal_path(master)) as journal:  # readable, agrees with the files
            base = journal.base()
        side = read_side(master, "master", SCHEMA)
        for sheet, s in side.sheets.items():
            assert set(base.get(sheet, {})) == set(s.table)
    assert halfway, "no kill landed between the first and the last write"


@pytest.mark.slow
def test_two_syncs_at_once_one_waits_or_names_the_holder(tmp_path: Path) -> None:
    master = _edited_team(tmp_path)
    first, second = _spawn(master, 60.0), _spawn(master, 0.0)
    out2 = second.communicate()
    out1 = first.communicate()
    codes = sorted([first.returncode, second.returncode])
    if codes == [0, 0]:  # the second ran after the first: it found nothing left to do
        assert sync_team(master, today=TODAY).sync_id is None
    else:
        assert codes[0] == 0
        err = (out1[1] + out2[1]).decode()
        assert "sync_busy" in err or "正在同步" in err
