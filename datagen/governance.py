"""Governance data: a term in force for every grass-roots organisation and the one before it
where it ended in the last twelve months (so the re-election rate has a year of history),
some overdue, some postponed with approval, some due in the next six months with a request
pending; the elections that began them; weak-organisation cases in every state with
deadlines over the last twelve months and the next few, their progress notes, and the
assessment inputs of the sweep."""

import datetime as dt
import random

from datagen.tree import Node, Tree
from domain.calendar import add_months
from domain.governance import DEVELOPING_LEVELS, TERM_YEARS

TERM_COLUMNS = (
    "id", "org_id", "org_path", "years", "started_on", "regular_due_on", "due_on", "ended_on",
    "version",
)  # fmt: skip
ELECTION_COLUMNS = (
    "id", "org_id", "org_path", "term_id", "held_on", "seats", "candidates", "committee",
    "secretary_id", "recorded_by",
)  # fmt: skip
CHANGE_COLUMNS = (
    "id", "term_id", "org_id", "org_path", "kind", "new_due_on", "reason", "state",
    "requested_by", "requested_on", "decided_by", "decided_on", "version",
)  # fmt: skip
CASE_COLUMNS = (
    "id", "org_id", "org_path", "year", "state", "reasons", "problems", "measures",
    "responsible_leader", "deadline", "proposed_on", "opened_on", "score", "dissatisfied_pct",
    "accepted_on", "version",
)  # fmt: skip
NOTE_COLUMNS = ("id", "case_id", "org_path", "written_on", "text", "written_by")
ASSESSMENT_COLUMNS = (
    "id", "org_id", "org_path", "year", "last_place", "satisfaction_pct", "recorded_by",
)  # fmt: skip
YEARS = {level.name: years for level, years in TERM_YEARS.items()}
CASE_SHARE = 0.02  # of grass-roots organisations, a weak-org case in the period shown
PROBLEMS = (
    "班子软弱涣散，书记长期空缺，组织生活不正常。",
    "三会一课制度落实不到位，党员教育管理松散。",
    "两年未发展党员，党员队伍老化。",
    "未按期换届，班子成员履职不力。",
)
MEASURES = (
    "选优配强支部书记，街道班子成员挂点联系，每月督导组织生活。",
    "制定整改台账，落实三会一课，开展党员集中轮训。",
    "培养入党积极分子，建立后备力量库。",
)
NOTES = (
    "召开专题组织生活会，查摆问题，明确整改责任。",
    "街道党工委书记到点指导，整改台账逐项销号。",
    "新任书记到岗，支委会恢复每月召开。",
)
LEADERS = ("王建国", "李红梅", "张志强", "刘晓燕", "陈德明", "杨秀英")
REASONS = ("SECRETARY_VACANT", "LIFE_NOT_HELD", "NO_DEVELOPMENT", "MISSED_REELECTION")
DEVELOPING = {level.name for level in DEVELOPING_LEVELS}


def reasons_for(level: str) -> list[str]:
    """The sweep's reasons that can find an organisation of `level`: 三会一课 is a branch's,
    the development rule a developing body's (`domain.governance.DEVELOPING_LEVELS`)."""
    return [
        r
        for r in REASONS
        if (r != "LIFE_NOT_HELD" or level == "BRANCH")
        and (r != "NO_DEVELOPMENT" or level in DEVELOPING)
    ]


class GovernancePlanner:
    """Rows of the governance tables for the tree, as they stand on `as_of`."""

    def __init__(self, tree: Tree, as_of: dt.date, seed: int) -> None:
        self.tree = tree
        self.as_of = as_of
        self.rng = random.Random(seed)
        self.terms: list[tuple] = []
        self.elections: list[tuple] = []
        self.changes: list[tuple] = []
        self.cases: list[tuple] = []
        self.notes: list[tuple] = []
        self.assessments: list[tuple] = []

    def _term(self, node: Node, years: int, start: dt.date, due: dt.date, end: dt.date | None):
        term_id = len(self.terms) + 1
        regular = add_months(start, 12 * years)
        self.terms.append((term_id, node.id, node.path, years, start, regular, due, end, 1))
        seats = self.rng.choice((3, 5) if years == 3 else (5, 7, 9))
        candidates = -(-seats * 6 // 5) + self.rng.randrange(2)  # ≥ seats × 1.2
        self.elections.append(
            (len(self.elections) + 1, node.id, node.path, term_id, start, seats, candidates,
             "", None, None)
        )  # fmt: skip
        return term_id, regular

    def _change(self, term_id: int, node: Node, new_due: dt.date, asked: dt.date, state: str):
        decided = asked + dt.timedelta(days=20) if state != "PENDING" else None
        self.changes.append(
            (len(self.changes) + 1, term_id, node.id, node.path, "POSTPONE", new_due,
             "辖区调整，经上级党组织同意延期换届。", state, None, asked, None, decided,
             1 if state == "PENDING" else 2)
        )  # fmt: skip

    def plan_terms(self) -> None:
        """Each grass-roots organisation's term in force (and the one before, where it was
        due in the last year): on time mostly, one in twenty overdue, some postponed with
        approval, some re-elected late."""
        rng, today = self.rng, self.as_of
        for node in self.tree.nodes:
            years = YEARS.get(node.level)
            if years is None:
                continue
            # the regular due date of the term in force a year ago
            due = today - dt.timedelta(days=365 - rng.randrange(years * 365))
            start = add_months(due, -12 * years)
            if due >= today:  # still in force, due ahead
                term_id, _ = self._term(node, years, start, due, None)
                if due < add_months(today, 6) and rng.random() < 0.1:
                    self._change(term_id, node, due + dt.timedelta(days=180), today, "PENDING")
                continue
            draw = rng.random()
            if draw < 0.05:  # overdue: never re-elected
                self._term(node, years, start, due, None)
                continue
            if draw < 0.15:  # postponed with approval, then elected by the new date or not yet
                extended = due + dt.timedelta(days=rng.randrange(60, 330))
                held = extended - dt.timedelta(days=rng.randrange(0, 40))
                ended = held if held < today else None
                term_id, _ = self._term(node, years, start, extended, ended)
                self._change(term_id, node, extended, due - dt.timedelta(days=60), "APPROVED")
            elif draw < 0.22:  # re-elected late
                held = due + dt.timedelta(days=rng.randrange(10, 120))
                ended = held if held < today else None
                self._term(node, years, start, due, ended)
            else:
                held = due - dt.timedelta(days=rng.randrange(0, 60))
                ended = held
                self._term(node, years, start, due, ended)
            if ended is not None:
                following = add_months(ended, 12 * years)
                self._term(node, years, ended, following, None)

    def plan_cases(self) -> None:
        """Weak-org cases with deadlines from a year ago to three months ahead, in every
        state; this year's sweep candidates (PROPOSED) and a dismissed one or two."""
        rng, today = self.rng, self.as_of
        governed = [n for n in self.tree.nodes if n.level in YEARS]
        chosen = rng.sample(governed, max(30, int(len(governed) * CASE_SHARE)))
        for i, node in enumerate(chosen):
            case_id = len(self.cases) + 1
            fits = reasons_for(node.level)
            reasons = ",".join(sorted(rng.sample(fits, rng.randrange(1, 3)), key=REASONS.index))
            if i % 10 == 0:  # a candidate of this year's sweep, or one dismissed
                state = "DISMISSED" if i % 20 == 0 else "PROPOSED"
                proposed = today - dt.timedelta(days=rng.randrange(5, 60))
                self.cases.append(
                    (case_id, node.id, node.path, today.year, state, reasons, None, None, None,
                     None, proposed, None, None, None, None, 1 if state == "PROPOSED" else 2)
                )  # fmt: skip
                continue
            deadline = today - dt.timedelta(days=365 - rng.randrange(455))
            opened = deadline - dt.timedelta(days=rng.randrange(120, 300))
            score = dissatisfied = accepted = None
            draw = rng.random()
            state = "RECTIFYING"
            if draw < 0.55:
                accepted = deadline - dt.timedelta(days=rng.randrange(0, 60))
            elif draw < 0.7:
                accepted = deadline + dt.timedelta(days=rng.randrange(5, 60))
            elif draw < 0.82:
                state, score, dissatisfied = "REDO", rng.randrange(50, 70), rng.randrange(20, 70)
            if accepted is not None and accepted < today:
                state, score, dissatisfied = "ACCEPTED", rng.randrange(70, 96), rng.randrange(5, 45)
            else:
                accepted = None
            self.cases.append(
                (case_id, node.id, node.path, opened.year, state, reasons, rng.choice(PROBLEMS),
                 rng.choice(MEASURES), rng.choice(LEADERS), deadline,
                 opened - dt.timedelta(days=rng.randrange(0, 30)), opened, score, dissatisfied,
                 accepted, 2 if state == "RECTIFYING" else 3)
            )  # fmt: skip
            for k in range(rng.randrange(1, 4)):
                written = opened + dt.timedelta(days=30 * (k + 1))
                if written < today:
                    self.notes.append(
                        (len(self.notes) + 1, case_id, node.path, written, NOTES[k], None)
                    )
        for node in rng.sample(governed, max(6, len(governed) // 100)):
            self.assessments.append(
                (len(self.assessments) + 1, node.id, node.path, today.year,
                 rng.random() < 0.3, rng.randrange(40, 98), None)
            )  # fmt: skip
