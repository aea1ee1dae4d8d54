"""Development cases for every applicant, activist, candidate and probationary member, at a
step matching their status; some overdue, some returned once by the street tier."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.people import MEMBER_COLUMNS
from domain.development import STEPS, earliest, next_state

CASE_COLUMNS = (
    "id",
    "member_id",
    "org_path",
    "status",
    "next_step",
    "next_level",
    "next_earliest_on",
    "next_due_on",
    "extension_months",
    "version",
    "opened_on",
)
RECORD_COLUMNS = (
    "id",
    "case_id",
    "step",
    "decision",
    "level",
    "acted_on",
    "late",
    "notice_from",
    "notice_to",
    "votes_due",
    "votes_present",
    "votes_yes",
    "class_hours",
    "people",
    "notes",
)
NEXT_STEPS = {
    "APPLICANT": (2, 3),
    "ACTIVIST": (4, 7),
    "CANDIDATE": (8, 17),
    "PROBATIONARY": (18, 22),
}
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}


class DevelopmentPlanner:
    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.pipeline: list[tuple] = []  # (member id, org path, status, joined_on)
        self.full: dict[int, list[int]] = {}  # branch id → full members

    def observe(self, row: tuple) -> None:
        status = row[_I["status"]]
        if status in NEXT_STEPS:
            self.pipeline.append(
                (
                    row[_I["id"]],
                    row[_I["org_id"]],
                    row[_I["org_path"]],
                    status,
                    row[_I["joined_on"]],
                )
            )
        elif status == "FULL":
            self.full.setdefault(row[_I["org_id"]], []).append(row[_I["id"]])

    def _events(self, start: dt.date, last: int, returned: bool) -> list[tuple[int, str, dt.date]]:
        """(step, decision, date) for steps 1..last from `start`, obeying the time rules."""
        rng = self.rng
        history: dict[int, dt.date] = {}
        events: list[tuple[int, str, dt.date]] = []
        sequence = list(range(1, last + 1))
        if returned and last >= 13:
            at = sequence.index(13)
            sequence[at:at] = [13, 12]  # 13 returned to 12, then both again
        returning = returned and last >= 13
        for n in sequence:
            first = earliest(n, history, 0) or start
            day = max(first, (events[-1][2] if events else start)) + dt.timedelta(
                days=rng.randint(3, 25) if events else 0
            )
            if n == 13 and returning:
                events.append((13, "RETURN", day))
                returning = False
                history.pop(12, None)
                continue
            events.append((n, "PASS", day))
            history[n] = day
        return events

    def cases(self) -> Iterator[tuple[tuple, list[tuple]]]:
        rng = self.rng
        record_id = 1
        for case_id, (member_id, branch, path, status, joined) in enumerate(self.pipeline, 1):
            last = rng.randint(*NEXT_STEPS[status]) - 1
            returned = last >= 13 and rng.random() < 0.1
            start = self.as_of - dt.timedelta(days=rng.randint(20, 200))
            events = self._events(start, last, returned)
            anchor = 15 if status == "PROBATIONARY" and joined else None
            for _ in range(3):  # shift the start until the dates fit the reference date
                pinned = next((d for n, dec, d in events if n == anchor), None)
                shift = (
                    (pinned - joined)
                    if pinned and joined
                    else (events[-1][2] - self.as_of + dt.timedelta(days=rng.randint(1, 90)))
                )
                if shift.days <= 0 and not pinned:
                    break
                start -= shift
                events = self._events(start, last, returned)
                if not pinned:
                    break
            overshoot = events[-1][2] - self.as_of
            if not anchor and overshoot.days > 0:  # still ahead: move the whole history back
                events = [(n, dec, d - overshoot) for n, dec, d in events]
            if anchor:  # admitted members: approval done by now, later steps only if due
                events = [
                    (n, dec, min(d, self.as_of))
                    for n, dec, d in events
                    if n <= 18 or d <= self.as_of
                ]
                last = events[-1][0]
            history = {n: d for n, dec, d in events if dec == "PASS"}
            state = next_state(last + 1, history, 0)
            yield (
                (
                    case_id,
                    member_id,
                    path,
                    "OPEN",
                    state["next_step"],
                    state["next_level"].name,
                    state["next_earliest_on"],
                    state["next_due_on"],
                    0,
                    len(events),
                    events[0][2],
                ),
                [
                    self._record(record_id + i, case_id, branch, n, dec, d)
                    for i, (n, dec, d) in enumerate(events)
                ],
            )
            record_id += len(events)

    def _record(
        self, rid: int, case_id: int, branch: int, n: int, decision: str, day: dt.date
    ) -> tuple:
        rng, s = self.rng, STEPS[n - 1]
        notice = (
            (day - dt.timedelta(days=10), day - dt.timedelta(days=1)) if s.notice else (None, None)
        )
        votes: tuple[int | None, int | None, int | None] = (None, None, None)
        if s.vote:
            due_ = rng.randint(9, 40)
            present = rng.randint(due_ // 2 + 1, due_)
            votes = (due_, present, rng.randint(due_ // 2 + 1, present))
        people = None
        if s.people[1]:
            pool = self.full.get(branch, [])
            people = ",".join(str(p) for p in rng.sample(pool, min(len(pool), s.people[1])))
        hours = rng.randint(24, 40) if s.min_hours else None
        note = "材料不全，退回支部补充" if decision == "RETURN" else None
        return (
            rid,
            case_id,
            n,
            decision,
            s.level.name,
            day,
            False,
            *notice,
            *votes,
            hours,
            people,
            note,
        )
