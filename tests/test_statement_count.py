"""No N+1: the number of SQL statements per request does not grow with the page size."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.conftest import Api


@contextmanager
def counting(api: Api) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        # not the principal's read: a PostgreSQL process skips it while it keeps the
        # principal (server/auth.py), so it would make a count depend on what ran before
        if "authz_epoch" not in statement:
            statements.append(statement)

    event.listen(api.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(api.engine.sync_engine, "before_cursor_execute", record)


async def statements_for(api: Api, query: str, first: int, user: str) -> int:
    with counting(api) as statements:
        data = await api.data(query, {"first": first}, user=user)
    assert data
    return len(statements)


QUERIES = {
    "members-with-org-and-parent": """query($first: Int) { members(first: $first) {
        totalCount edges { node { name phone organization { name parent { name } } } } } }""",
    "orgs-with-children-members-stats": """query($first: Int) {
        organizations(first: $first, level: BRANCH) { edges { node { name memberCount
          ancestors { name } stats { byGender { key count } } secretary { name }
          members(first: 3) { totalCount edges { node { name organization { name } } } }
          children { totalCount edges { node { name } } } } } } }""",
    "nodes-and-viewer": """query($first: Int) { viewer { member { name } grants { role } }
        members(first: $first) { edges { node { id employer { name }
          residentialCommunity { name } } } } }""",
    "community-check-in-view": """query($first: Int) {
        organizations(search: "浒溪", level: COMMUNITY, first: 1) { edges { node {
          checkInSummary { verifiedHours membersMeetingTarget }
          checkIns(first: $first) { totalCount edges { node { verifiedHours
            member { name organization { name } } employer { name } grid { name }
            services(first: 2) { totalCount edges { node { minutes member { name } } } }
          } } } } } } }""",
    "dues-by-branch": """query($first: Int) {
        organizations(level: BRANCH, first: $first) { edges { node { name
          dues(month: "2026-09") { payableFen collectedFen arrears { key count } }
          duesArrears(month: "2026-09", minMonths: 1, first: 2) { totalCount
            edges { node { months member { name duesLedger { paidFen } } } } } } } }
        streets: organizations(level: STREET, first: $first) { edges { node {
          duesPublication(year: 2026, first: 2) { totalCount
            edges { node { payableFen collectedFen organization { name } } } } } } } }""",
    "development-cases": """query($first: Int) {
        organizations(level: STREET, first: 5) { edges { node { developmentBoard { openCases }
          developmentCases(first: $first) { totalCount edges { node { version
            next { dueOn } timeline { step } member { name developmentCase { status } } } } }
        } } } }""",
    "activities-and-boards": """query($first: Int) {
        organizations(level: BRANCH, first: $first) { edges { node { name
          lifeCompliance(period: "2026") { themeDayRate byChild { branches } }
          activities(first: 2) { totalCount edges { node { title organization { name }
            attendanceSummary { present } myParticipation { status } lecturer { name }
            attendance(first: 2) { totalCount edges { node { attendance member { name } } } }
          } } } } } } }""",
    "member-activities": """query($first: Int) { members(first: $first) { edges { node {
        upcoming: activities(first: 2) { edges { node { title } } }
        attended: activities(which: ATTENDED, first: 2) { totalCount edges { node { title } } }
        } } } }""",
    "grants-and-offers": """query($first: Int) {
        organizations(level: DISTRICT, first: 3) { edges { node { name
          grants(first: $first) { totalCount edges { node { role scope { name }
            account { username member { name } grants(first: 3) { totalCount } } } } } } } }
        members(first: $first) { edges { node { name account { username }
          offeredGrant { role scope { name } account { username } } } } } }""",
    "floating-ledger": """query($first: Int) {
        organizations(level: BRANCH, first: $first) { edges { node { name
          floatingStats { enrolmentRate contactCoverage lostContact symposiums }
          symposiums(first: 2) { totalCount edges { node { title suggestionCount } } }
          floatingMembers(first: 3) { totalCount edges { node { name lostContact
            home { name } placedIn { name } member { name floatingRecord { status } }
            pairedWith { name } contacts { channel } reports { year } reportDue } } } } } } }""",
    "floating-members": """query($first: Int) {
        members(first: $first, filter: {floating: OUTFLOW}) { edges { node { lostContact
          floatingRecord { status lastContactOn contacts { channel } } } } } }""",
    "transfers-by-branch": """query($first: Int) {
        organizations(level: BRANCH, first: $first) { edges { node { name
          transfers(direction: OUTGOING, first: 3) { totalCount edges { node { memberName
            member { name transfer { status } } fromOrganization { name } toOrganization { name }
          } } }
          incoming: transfers(direction: INCOMING, overdue: true, first: 3) { totalCount } } } }
        members(first: $first) { edges { node { transfer { status } } } } }""",
    "backward-pages": """query($first: Int) {
        members(last: $first) { totalCount edges { node { name organization { name } } } }
        organizations(level: BRANCH, last: $first) { edges { node { name
          members(last: 3) { totalCount edges { node { name } } }
          children(last: 2) { totalCount edges { node { name } } } } } } }""",
    "study-boards-and-hours": """query($first: Int) {
        organizations(level: BRANCH, first: $first) { edges { node { name
          studyBoard(year: 2026, first: 5) { rate members belowTarget { remainingMinutes
            member { name } } }
          studyDeliveries(first: 3) { totalCount edges { node { member { name }
            deliverer { name } } } }
          members(first: 2) { edges { node { studyHours(year: 2026) { totalMinutes met }
            studyResources(first: 2) { edges { node { title } } } } } } } } } }""",
}


@pytest.mark.parametrize("name", list(QUERIES))
async def test_statements_constant_in_page_size(api: Api, name: str) -> None:
    small = await statements_for(api, QUERIES[name], 10, "jiangjin_admin")
    large = await statements_for(api, QUERIES[name], 100, "jiangjin_admin")
    assert small == large
    assert large <= 16
