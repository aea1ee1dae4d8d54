"""Inputs longer than their columns are refused whole, before the database, on both backends:
never truncated (the input would be lost without a word), never stored on SQLite while
PostgreSQL fails (issue 16, item 9)."""

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from models import PersistedQuery
from models.base import MAX_FREE_TEXT
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.write import Write, perform
from tests.conftest import NOW, Api
from tests.test_checkin_writes import log_at_home
from tests.test_development import make_applicant, sql
from tests.test_write import audited_refusal, gid

EXEMPT = """mutation($m: ID!, $r: String!) { exemptDues(input: {memberId: $m, year: 2026,
  reason: $r}) { ledger { base { exempt } } } }"""
REVIEW = """mutation($id: ID!, $n: String) { reviewService(input: {serviceRecordId: $id,
  approve: true, note: $n}) { serviceRecord { status } } }"""
REVERSE = """mutation($id: ID!, $r: String!, $k: String!) { reverseDuesPayment(input: {
  paymentId: $id, reason: $r, idempotencyKey: $k}) { payment { kind } } }"""


async def test_a_long_development_note_is_refused_and_one_at_the_maximum_kept(
    writable_api: Api,
) -> None:
    """A 1,000,000-character note (it was stored on SQLite and failed on PostgreSQL) is
    BAD_USER_INPUT, audited as every refusal is, and writes nothing; 500 characters, the
    column's length, are kept whole."""
    api = writable_api
    member, _ = await make_applicant(api, "长文本")
    opened = await api.data(
        """mutation($m: ID!) { openDevelopmentCase(input: {memberId: $m,
        appliedOn: "2026-11-02"}) { case { id version } } }""",
        {"m": gid("Member", member)},
        user="huxi_secretary",
    )
    case = opened["openDevelopmentCase"]["case"]
    step = {"caseId": case["id"], "step": 2, "decision": "PASS", "actedOn": "2026-11-10"}
    take = """mutation($in: TakeDevelopmentStepInput!) { takeDevelopmentStep(input: $in) {
      case { version } } }"""
    records = "SELECT COUNT(*) FROM development_record"
    before = await sql(api, records)
    huge = {"in": {**step, "expectedVersion": case["version"], "notes": "x" * 1_000_000}}
    error = await audited_refusal(api, "takeDevelopmentStep", take, huge, "huxi_secretary")
    assert (error["message"], error["extensions"]["code"]) == (
        "notes must be at most 500 characters",
        "BAD_USER_INPUT",
    )
    assert await sql(api, records) == before
    kept = {"in": {**step, "expectedVersion": case["version"], "notes": "谈" * 500}}
    await api.data(take, kept, user="huxi_secretary")
    stored = await sql(
        api,
        "SELECT notes FROM development_record r JOIN development_case c ON c.id = r.case_id"
        " WHERE c.member_id = :m AND r.step = 2",
        m=member,
    )
    assert stored == [("谈" * 500,)]


async def exemption(api: Api) -> tuple[dict, str]:
    member = (
        await sql(
            api,
            """SELECT m.id FROM member m JOIN organization o ON o.id = m.org_id
            WHERE o.name = '中共青年塘社区网格第一党支部' AND m.status = 'FULL'
            AND m.name <> '程振国' ORDER BY m.id DESC LIMIT 1""",
        )
    )[0][0]
    read = f"SELECT exemption_reason FROM dues_base WHERE member_id = {member} AND year = 2026"
    return {"m": gid("Member", member)}, read


async def review(api: Api) -> tuple[dict, str]:
    record = (await log_at_home(api, "2026-11-16T09:00:00", "2026-11-16T10:00:00"))["id"]
    pk = (await sql(api, "SELECT MAX(id) FROM service_record"))[0][0]
    return {"id": record}, f"SELECT review_note FROM service_record WHERE id = {pk}"


async def reversal(api: Api) -> tuple[dict, str]:
    payment = (
        await sql(
            api,
            """SELECT p.id FROM dues_payment p JOIN member m ON m.id = p.member_id
            WHERE m.name = '欧丽' AND p.kind = 'PAYMENT' ORDER BY p.id DESC LIMIT 1""",
        )
    )[0][0]
    read = f"SELECT note FROM dues_payment WHERE reverses_id = {payment}"
    return {"id": gid("DuesPayment", payment), "k": f"long-{uuid.uuid4()}"}, read


# (field, document, the variable of the text, its maximum, the account, the target)
WHERE_TRUNCATED = {
    "exemptDues": (EXEMPT, "r", "reason", 200, "banan_admin", exemption),
    "reviewService": (REVIEW, "n", "note", 200, "shengquan_admin", review),
    "reverseDuesPayment": (REVERSE, "r", "reason", 200, "jiangjin_admin", reversal),
}


@pytest.mark.parametrize("field", list(WHERE_TRUNCATED))
async def test_a_text_one_past_its_column_is_refused_not_cut(writable_api: Api, field: str) -> None:
    """These were cut to 200 characters and accepted: now one more is refused, naming the
    input field and the maximum, and the maximum is stored whole."""
    api = writable_api
    query, variable, name, most, user, target = WHERE_TRUNCATED[field]
    variables, read = await target(api)
    long = {**variables, variable: "备" * (most + 1)}
    error = await audited_refusal(api, field, query, long, user)
    assert (error["message"], error["extensions"]["code"]) == (
        f"{name} must be at most {most} characters",
        "BAD_USER_INPUT",
    )
    assert await sql(api, read) in ([], [(None,)])
    await api.data(query, {**variables, variable: "备" * most}, user=user)
    assert await sql(api, read) == [("备" * most,)]


async def test_a_key_longer_than_its_column_is_refused(writable_api: Api) -> None:
    """An idempotency key past its 80 characters is the caller's error, named as sent."""
    api = writable_api
    variables, _ = await reversal(api)
    long = {**variables, "r": "重复缴纳", "k": "k" * 81}
    entries = "SELECT COUNT(*) FROM dues_payment"
    before = await sql(api, entries)
    error = await audited_refusal(api, "reverseDuesPayment", REVERSE, long, "jiangjin_admin")
    assert (error["message"], error["extensions"]["code"]) == (
        "idempotencyKey must be at most 80 characters",
        "BAD_USER_INPUT",
    )
    assert await sql(api, entries) == before


async def test_free_text_is_held_to_its_documented_maximum(writable_api: Api) -> None:
    """A `Text` column has no length of its own: the template holds what an action writes to
    it to MAX_FREE_TEXT. No mutation writes one yet, so an action of the test's own does."""

    async def keep(w: Write, document: str) -> None:
        registered = PersistedQuery(
            account_id=1, hash=uuid.uuid4().hex * 2, document=document, registered_at=NOW
        )
        w.session.add(registered)

    documents = "SELECT COUNT(*) FROM persisted_query"
    async with AsyncSession(writable_api.engine) as session:
        ctx = Context(session=session, principal=None)
        before = await sql(writable_api, documents)
        with pytest.raises(BadUserInput, match=f"^document must be at most {MAX_FREE_TEXT} "):
            await perform(ctx, "keep", keep, "q" * (MAX_FREE_TEXT + 1))
        assert await sql(writable_api, documents) == before
        await perform(ctx, "keep", keep, "q" * MAX_FREE_TEXT)
    assert await sql(writable_api, documents) == [(before[0][0] + 1,)]
