"""Generated team histories: random edits on reps and master between syncs, reassignments,
deletions and new rows; after every sync the plan, applied, must converge, keep every value
somewhere, and keep each rep to their own rows."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kqxl.cells import CellValue
from kqxl.sync.merge import SheetTables, SyncPlan, plan_sync, same, schema_columns

SHEET = "客户"
COLUMNS = {SHEET: schema_columns()[SHEET]}
REPS = ("甲", "乙", "丙")
REP_FIELDS = ("contact_name", "fax")
MANAGER_FIELDS = ("manager_note",)
values = st.sampled_from([None, "a", "b", "c", " a ", "d"])

Table = dict[str, dict[str, CellValue]]


class Team(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.master: Table = {}
        self.reps: dict[str, Table] = {r: {} for r in REPS}
        self.moved: dict[str, Table] = {r: {} for r in REPS}
        self.base: Table = {}
        self.counter = 0
        self.entered: list[tuple[str, str, CellValue]] = []  # (key, field, value) synced
        self.journal: set[tuple[str, str, CellValue]] = set()  # values the journal holds
        self.rep_edits_elsewhere: list[tuple[str, str, str, CellValue]] = []
        self.last: SyncPlan | None = None

    def _new_key(self) -> str:
        self.counter += 1
        return f"KH-{self.counter}"

    @rule(rep=st.sampled_from(REPS), name=st.sampled_from(["江城置业", "楚天", "光谷"]))
    def rep_adds(self, rep: str, name: str) -> None:
        key = self._new_key()
        self.reps[rep][key] = {"customer_name": name, "owner_rep": None}

    @rule(owner=st.sampled_from(REPS))
    def master_adds(self, owner: str) -> None:
        key = self._new_key()
        self.master[key] = {"customer_name": f"总表{key}", "owner_rep": owner}

    @precondition(lambda self: any(self.reps.values()))
    @rule(data=st.data(), field=st.sampled_from(REP_FIELDS + MANAGER_FIELDS), value=values)
    def rep_edits(self, data: Any, field: str, value: CellValue) -> None:
        rep = data.draw(st.sampled_from([r for r in REPS if self.reps[r]]))
        key = data.draw(st.sampled_from(sorted(self.reps[rep])))
        self.reps[rep][key][field] = value

    @precondition(lambda self: bool(self.master))
    @rule(data=st.data(), field=st.sampled_from(REP_FIELDS + MANAGER_FIELDS), value=values)
    def master_edits(self, data: Any, field: str, value: CellValue) -> None:
        key = data.draw(st.sampled_from(sorted(self.master)))
        self.master[key][field] = value

    @precondition(lambda self: bool(self.master))
    @rule(data=st.data(), owner=st.sampled_from(REPS))
    def master_reassigns(self, data: Any, owner: str) -> None:
        key = data.draw(st.sampled_from(sorted(self.master)))
        self.master[key]["owner_rep"] = owner

    @precondition(lambda self: any(self.reps.values()))
    @rule(data=st.data())
    def rep_deletes(self, data: Any) -> None:
        rep = data.draw(st.sampled_from([r for r in REPS if self.reps[r]]))
        key = data.draw(st.sampled_from(sorted(self.reps[rep])))
        del self.reps[rep][key]

    @rule()
    def sync(self) -> None:
        # what this sync sees is what must never be lost from here on (a value typed and
        # overwritten or deleted by the same person before any sync was never kqxl's to keep)
        for table in (self.master, *self.reps.values()):
            for key, row in table.items():
                self.entered.extend((key, f, v) for f, v in row.items() if v is not None)
        plan = plan_sync(
            {SHEET: SheetTables(self.master, self.base, self.reps)}, COLUMNS, active=REPS
        )
        self._journal(plan)
        for u in plan.master.updates:
            self.master[u.key][u.field] = u.new
        for a in plan.master.appends:
            self.master[a.key] = dict(a.fields)
        for rep, side in plan.reps.items():
            for _, key in side.moves_out:
                self.moved[rep][key] = self.reps[rep].pop(key)
            for u in side.updates:
                self.reps[rep][u.key][u.field] = u.new
            for a in side.appends:
                self.reps[rep][a.key] = dict(a.fields)
        self.base = {k: dict(v) for k, v in plan.base[SHEET].items()}
        self.last = plan
        again = plan_sync(
            {SHEET: SheetTables(self.master, self.base, self.reps)}, COLUMNS, active=REPS
        )
        assert not again.master and not any(again.reps.values()), "a re-sync changes nothing"
        assert not again.conflicts and not again.refused and not again.missing

    def _journal(self, plan: SyncPlan) -> None:
        for u in [*plan.changes, *plan.edits]:
            self.journal.update({(u.key, u.field, u.old), (u.key, u.field, u.new)})
        for c in plan.conflicts:
            self.journal.update({(c.key, c.field, c.master_value), (c.key, c.field, c.rep_value)})
        for r in plan.refused:
            self.journal.add((r.key, r.field, r.value))
        for rep, side in plan.reps.items():
            for _, key in side.moves_out:
                for f, v in self.reps[rep][key].items():
                    self.journal.add((key, f, v))

    @invariant()
    def nothing_lost(self) -> None:
        """Every value a sync saw is in a workbook, an 已移交 sheet or the journal."""
        held: set[tuple[str, str, CellValue]] = set(self.journal)
        for table in [self.master, *self.reps.values(), *self.moved.values(), self.base]:
            for key, row in table.items():
                held.update((key, f, v) for f, v in row.items())
        for key, field, value in self.entered:
            assert any(k == key and f == field and same(v, value) for k, f, v in held), (
                key,
                field,
                value,
            )

    def check_after_sync(self) -> None:
        """Convergence and security, right after a sync: every row of the master is in its
        rep's workbook with the same values, and a rep holds no row that is not theirs."""
        assert self.last is not None
        collided = {c.key for c in self.last.collisions}
        for key, row in self.master.items():
            owner = row["owner_rep"]
            assert isinstance(owner, str)
            mine = self.reps[owner].get(key)
            assert mine is not None, (key, owner)
            for field in (*REP_FIELDS, *MANAGER_FIELDS, "customer_name", "owner_rep"):
                assert same(mine.get(field), row.get(field)), (key, field)
        for rep, table in self.reps.items():
            for key in table:
                if key in collided:
                    continue
                assert self.master[key]["owner_rep"] == rep, (rep, key)


class TeamAfterSync(Team):
    @rule()
    def sync(self) -> None:
        super().sync()
        self.check_after_sync()


TestTeam = TeamAfterSync.TestCase
TestTeam.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
