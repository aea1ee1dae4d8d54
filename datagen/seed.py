"""`dangjian seed`: build the tree, draw members, load everything in one transaction."""

import datetime as dt
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from datagen.activity import ACTIVITY_COLUMNS, PARTICIPANT_COLUMNS, ActivityPlanner
from datagen.anchors import ACCOUNTS, ANCHOR_UNIT, ANCHOR_UNIT_FEEDS
from datagen.checkin import (
    CHECK_IN_COLUMNS,
    POST_COLUMNS,
    SERVICE_COLUMNS,
    TEAM_COLUMNS,
    CheckInPlanner,
)
from datagen.development import CASE_COLUMNS, DevelopmentPlanner
from datagen.development import RECORD_COLUMNS as STEP_COLUMNS
from datagen.dues import BASE_COLUMNS, MONTH_COLUMNS, PAYMENT_COLUMNS, DuesPlanner
from datagen.floating import (
    ATTENDEE_COLUMNS,
    CONTACT_COLUMNS,
    RECORD_COLUMNS,
    REPORT_COLUMNS,
    SUGGESTION_COLUMNS,
    SYMPOSIUM_COLUMNS,
    FloatingPlanner,
)
from datagen.governance import (
    ASSESSMENT_COLUMNS,
    ELECTION_COLUMNS,
    NOTE_COLUMNS,
    TERM_COLUMNS,
    GovernancePlanner,
)
from datagen.governance import CASE_COLUMNS as RECTIFICATION_COLUMNS
from datagen.governance import CHANGE_COLUMNS as TERM_CHANGE_COLUMNS
from datagen.learning import (
    CLASS_COLUMNS,
    DELIVERY_COLUMNS,
    ENROLMENT_COLUMNS,
    PAIRING_COLUMNS,
    RESOURCE_COLUMNS,
    SESSION_COLUMNS,
    LearningPlanner,
)
from datagen.people import MEMBER_COLUMNS, MemberFactory, posts, setting_of
from datagen.shape import SCALES, ShapeBuilder
from datagen.tree import ORG_COLUMNS, Node, Tree
from datagen.writer import BulkWriter, batched
from domain.clock import clock
from models import Organization
from resolvers.dues import load_rule_set
from resolvers.learning import fill_totals

SEED = 20240101
CHUNK = 20_000


@dataclass
class SeedReport:
    scale: str
    organizations: int
    members: int
    accounts: int
    check_ins: int
    service_records: int
    dues_payments: int
    seconds: float


Progress = Callable[[str, int, int], None]


def terminal_progress(stage: str, done: int, total: int) -> None:
    """One refreshing line on stderr."""
    end = "\n" if done >= total else ""
    sys.stderr.write(
        f"\r  {stage:<14} {done:>9,} / {total:,} ({100 * done // max(total, 1)}%)" + end
    )
    sys.stderr.flush()


def member_rows(
    tree: Tree,
    communities: dict[str, list[Node]],
    factory: MemberFactory,
    links: dict[str, tuple[int, int]],
) -> Iterator[tuple]:
    """Every branch's members in id order; in-service members get a residential community."""
    rng = factory.rng
    by_name = tree.by_name
    feeds = next((n for n in tree.nodes if n.residents_wanted), None)
    anchor_unit = by_name.get(f"中共{ANCHOR_UNIT}")
    for branch in tree.nodes:
        if branch.level != "BRANCH":
            continue
        roll = posts(branch.size)
        for i in range(branch.size):
            fixed = dict(branch.people[i]) if i < len(branch.people) else {}
            account = fixed.pop("_account", None)
            resident = fixed.pop("_resident", None)
            post = fixed.pop("_post", next(roll))
            residential = by_name[f"中共{resident}党委"] if resident else None
            if setting_of(branch) == "unit" and residential is None:
                if feeds and feeds.residents_wanted and branch.parent is anchor_unit:
                    residential = feeds
                elif rng.random() < 0.5:
                    pick = rng.choice(communities[branch.district.name])  # type: ignore[union-attr]
                    residential = None if pick is feeds else pick
            if residential is feeds and feeds is not None:
                feeds.residents_wanted -= 1
            row = factory.make(branch, post=post, residential=residential, **fixed)
            if account:
                links[account] = (row[0], branch.id)
            yield row, branch


def account_rows(tree: Tree, links: dict[str, tuple[int, int]]) -> tuple[list[tuple], list[tuple]]:
    """Demo accounts (README) and their grants; self-only accounts get `member` at their org."""
    accounts, grants = [], []
    for i, (username, display, role, scope) in enumerate(ACCOUNTS, start=1):
        member_id, own_org = links.get(username, (None, None))
        accounts.append((i, username, member_id, display, True, 1))
        grants.append((i, i, role, tree.by_name[scope].id if scope else own_org))
    return accounts, grants


async def load_accounts(writer: BulkWriter, tree: Tree, links: dict[str, tuple[int, int]]) -> int:
    """The demo accounts and their grants; how many accounts."""
    accounts, grants = account_rows(tree, links)
    await writer.insert(
        "account",
        ("id", "username", "member_id", "display_name", "active", "token_version"),
        accounts,
    )
    await writer.insert("role_grant", ("id", "account_id", "role", "org_id"), grants)
    return len(accounts)


def account_id(username: str) -> int:
    return next(i for i, a in enumerate(ACCOUNTS, start=1) if a[0] == username)


async def load_check_ins(
    writer: BulkWriter,
    planner: CheckInPlanner,
    tree: Tree,
    links: dict[str, tuple[int, int]],
    report: Progress,
) -> tuple[list[tuple], int]:
    """Check-ins, teams, posts and service records; 欧丽 and 杜娟 as the story tells."""
    ouli, dujuan = links["ouli"][0], links["dujuan"][0]
    huxi = tree.by_name[f"中共{ANCHOR_UNIT_FEEDS[0]}党委"]
    check_ins = planner.check_ins({ouli, dujuan})
    await writer.insert("check_in", CHECK_IN_COLUMNS, check_ins)
    teams = planner.teams({huxi.id: links["huxi_secretary"][0]})
    await writer.insert("service_team", TEAM_COLUMNS, teams)
    await writer.insert("volunteer_post", POST_COLUMNS, planner.posts(check_ins, teams, {ouli}))
    report("check-ins", len(check_ins), len(check_ins))
    reviewers = {huxi.id: account_id("huxi_secretary")}
    done = 0
    for chunk in batched(planner.services(check_ins, reviewers, {dujuan}), CHUNK):
        done += await writer.insert("service_record", SERVICE_COLUMNS, chunk)
        report("service records", done, done)
    return check_ins, done


async def load_dues(
    writer: BulkWriter, dues: DuesPlanner, links: dict[str, tuple[int, int]], report: Progress
) -> int:
    """Bases and a year of payments; 欧丽 has paid up to the end of the quarter before last,
    so the last full quarter is open (on 2026-11-25: paid to June, July to September open)."""
    dues.stops[links["ouli"][0]] = dues.last - dues.last % 3 - 4
    rules = await load_rule_set(writer.conn, dues.as_of)
    for chunk in batched(dues.bases(rules), CHUNK):
        await writer.insert("dues_base", BASE_COLUMNS, chunk)
    done = 0
    for chunk in batched(dues.payments(), CHUNK):
        done += await writer.insert("dues_payment", PAYMENT_COLUMNS, [p for p, _ in chunk])
        await writer.insert("dues_month", MONTH_COLUMNS, [m for _, ms in chunk for m in ms])
        report("dues payments", done, done)
    return done


async def load_floating(
    writer: BulkWriter, planner: FloatingPlanner, links: dict[str, tuple[int, int]]
) -> int:
    """Floating records, their contacts and reports, and 南彭街道's symposiums; 陈佳 as the
    story tells. How many records."""
    chenjia = links["chenjia"][0]
    records = planner.plan_records(chenjia)
    await writer.insert("floating_record", RECORD_COLUMNS, records)
    for chunk in batched(planner.contacts(), CHUNK):
        await writer.insert("floating_contact", CONTACT_COLUMNS, chunk)
    await writer.insert("floating_report", REPORT_COLUMNS, planner.reports())
    meetings, attendees, said = planner.symposiums(chenjia, account_id("banan_admin"))
    await writer.insert("symposium", SYMPOSIUM_COLUMNS, meetings)
    await writer.insert("symposium_attendee", ATTENDEE_COLUMNS, attendees)
    await writer.insert("suggestion", SUGGESTION_COLUMNS, said)
    return len(records)


async def load_activities(
    writer: BulkWriter, life: ActivityPlanner, huxi_checked_in: list[int], report: Progress
) -> int:
    """Twelve months of activities; 浒溪社区's with its checked-in members, and the monthly
    主题党日 of 青年塘社区网格第一党支部."""
    activities = life.plan()
    parts = life.huxi_life(huxi_checked_in) + life.grid_theme_days()
    done = 0
    for chunk in batched(life.activities, CHUNK):
        done += await writer.insert("activity", ACTIVITY_COLUMNS, chunk)
        report("activities", done, len(activities))
    await writer.insert("activity_participant", PARTICIPANT_COLUMNS, life.numbered(parts))
    return done


async def load_learning(writer: BulkWriter, study: LearningPlanner, life: ActivityPlanner) -> None:
    """石忠's pairing and deliveries (at the theme days planned) and 李家沱街道's class; the
    resources and sessions went in with the members."""
    pairings, deliveries = study.delivery(life.activities)
    await writer.insert("study_pairing", PAIRING_COLUMNS, pairings)
    await writer.insert("study_delivery", DELIVERY_COLUMNS, deliveries)
    classes, enrolments = study.training()
    await writer.insert("training_class", CLASS_COLUMNS, classes)
    await writer.insert("training_enrolment", ENROLMENT_COLUMNS, enrolments)
    # the maintained yearly totals, from everything credited (attendance went in before)
    await fill_totals(writer.conn, (study.as_of.year - 1, study.as_of.year))


async def load_governance(writer: BulkWriter, planner: GovernancePlanner) -> None:
    """Terms, elections and term changes; weak-org cases, their notes, assessment inputs."""
    planner.plan_terms()
    planner.plan_cases()
    for chunk in batched(planner.terms, CHUNK):
        await writer.insert("org_term", TERM_COLUMNS, chunk)
    for chunk in batched(planner.elections, CHUNK):
        await writer.insert("election", ELECTION_COLUMNS, chunk)
    await writer.insert("term_change", TERM_CHANGE_COLUMNS, planner.changes)
    await writer.insert("org_assessment", ASSESSMENT_COLUMNS, planner.assessments)
    await writer.insert("rectification_case", RECTIFICATION_COLUMNS, planner.cases)
    await writer.insert("rectification_note", NOTE_COLUMNS, planner.notes)
    await writer.last_elections()


async def seed(
    engine: AsyncEngine,
    scale: str,
    *,
    reset: bool = False,
    progress: Progress | None = None,
    as_of: dt.date | None = None,
    factor: float = 1.0,
    base_only: bool = False,
) -> SeedReport | None:
    """Load the `scale` data set as it stands at the start of `as_of` (default: today), so
    the story holds on whatever day it is seeded; deterministic for a given `as_of`. None
    (nothing written) if data exist and not `reset`. `factor` multiplies the city
    (`Scale.times`); `base_only` loads organisations, members and the demo accounts only,
    what the scale curve reads (the 10× city's activity tables would take hours)."""
    as_of = as_of or clock().today()
    started = time.perf_counter()
    report = progress or (lambda *_: None)
    async with engine.begin() as conn:
        if await conn.scalar(select(Organization.id).limit(1)) is not None and not reset:
            return None
        writer = BulkWriter(conn)
        await writer.clear()
        rng = random.Random(SEED)
        builder = ShapeBuilder(SCALES[scale].times(factor), rng)
        tree = builder.build()
        orgs = (tree.org_row(n, as_of) for n in tree.nodes)
        await writer.insert("organization", ORG_COLUMNS, orgs)
        report("organizations", len(tree.nodes), len(tree.nodes))
        total = sum(n.size for n in tree.nodes)
        links: dict[str, tuple[int, int]] = {}
        factory = MemberFactory(rng, as_of)
        if base_only:
            done = 0
            rows = (row for row, _ in member_rows(tree, builder.communities, factory, links))
            for chunk in batched(rows, CHUNK):
                done += await writer.insert("member", MEMBER_COLUMNS, chunk)
                report("members", done, total)
            await writer.link_secretaries()
            accounts = await load_accounts(writer, tree, links)
            await writer.finish()
            return SeedReport(
                scale, len(tree.nodes), done, accounts, 0, 0, 0, time.perf_counter() - started
            )
        planner = CheckInPlanner(tree, rng, as_of)
        dues = DuesPlanner(rng, as_of)
        development = DevelopmentPlanner(rng, as_of)
        floating = FloatingPlanner(tree, SEED + 21, as_of)
        life = ActivityPlanner(tree, as_of, SEED + 20)
        study = LearningPlanner(tree, as_of, SEED + 22)
        await writer.insert("study_resource", RESOURCE_COLUMNS, study.resources)

        def observed() -> Iterator[tuple]:
            for row, branch in member_rows(tree, builder.communities, factory, links):
                planner.observe(row, branch)
                dues.observe(row)
                development.observe(row)
                floating.observe(row, branch)
                life.observe(row, branch)
                study.observe(row)
                yield row

        done = 0
        for chunk in batched(observed(), CHUNK):
            done += await writer.insert("member", MEMBER_COLUMNS, chunk)
            await writer.insert("study_session", SESSION_COLUMNS, study.take())
            report("members", done, total)
        await writer.link_secretaries()
        accounts = await load_accounts(writer, tree, links)
        check_ins, services = await load_check_ins(writer, planner, tree, links, report)
        huxi = tree.by_name[f"中共{ANCHOR_UNIT_FEEDS[0]}党委"].id
        reported = [c[1] for c in check_ins if c[2] == huxi and c[8] == "ACTIVE"]
        payments = await load_dues(writer, dues, links, report)
        for chunk in batched(development.cases(), CHUNK):
            await writer.insert("development_case", CASE_COLUMNS, [c for c, _ in chunk])
            await writer.insert(
                "development_record", STEP_COLUMNS, [r for _, rs in chunk for r in rs]
            )
        floating.lost = factory.out_of_touch
        await load_floating(writer, floating, links)
        await load_activities(writer, life, reported, report)
        await load_learning(writer, study, life)
        await load_governance(writer, GovernancePlanner(tree, as_of, SEED + 23))
        await writer.finish()
    return SeedReport(
        scale,
        len(tree.nodes),
        done,
        accounts,
        len(check_ins),
        services,
        payments,
        time.perf_counter() - started,
    )
