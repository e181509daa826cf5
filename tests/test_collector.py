"""The library pauses the cyclic collector for the length of one job, and only then."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from kqxl import api
from kqxl.collector import paused_collector, quiet_gc
from kqxl.errors import WorkbookError


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    (gc.enable if was else gc.disable)()


def test_a_job_runs_without_the_collector_and_gives_it_back(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[bool] = []
    real = api._evaluate

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(api, "_evaluate", spy)
    missing = tmp_path / "无此文件.xlsx"
    with pytest.raises(WorkbookError):
        api.validate_workbook(missing)  # fails inside the pause: the collector comes back
    assert seen == [False] and gc.isenabled()


def test_a_pause_inside_a_pause_leaves_the_switch_to_the_outer_one() -> None:
    with quiet_gc():
        with quiet_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_host_stays_off() -> None:
    gc.disable()
    paused_collector(lambda: None)()
    assert not gc.isenabled()


def test_what_the_host_froze_stays_frozen() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with quiet_gc():
            [[i] for i in range(1000)]
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()


def test_the_survivors_of_a_pause_age_as_if_collected() -> None:
    with quiet_gc():
        kept = [[i] for i in range(10_000)]
    # moved to the oldest generation: the next young collection does not walk them again
    assert gc.get_count()[0] < len(kept)


def test_a_sync_runs_without_the_collector(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kqxl.sync import apply

    seen: list[bool] = []

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        raise WorkbookError.from_key("unreadable", path=tmp_path, detail="-")

    monkeypatch.setattr(apply, "_run", spy)
    (tmp_path / "团队总表.xlsx").write_bytes(b"")
    with pytest.raises(WorkbookError):
        api.sync_team(tmp_path / "团队总表.xlsx")
    assert seen == [False] and gc.isenabled()
