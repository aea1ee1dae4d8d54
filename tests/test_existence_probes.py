"""Writes answer an id outside the caller's reach exactly as a missing one, and a key another
account chose tells nothing (issue 16, item 10)."""

import uuid

from tests.conftest import Api
from tests.test_audit import gid, one

PAY = """mutation($m: ID!, $month: String!, $fen: Int!, $key: String!, $payer: ID) {
  payDues(input: {memberId: $m, months: [$month], amountFen: $fen, channel: CASH,
  idempotencyKey: $key, payerId: $payer}) { payment { id } } }"""


async def ouli_month(api: Api, month: str) -> dict:
    member, fen = await one(
        api,
        """SELECT m.id, b.monthly_payable_fen FROM member m JOIN dues_base b
        ON b.member_id = m.id AND b.year = 2026 WHERE m.name = '欧丽'""",
    )
    return {"m": gid("Member", member), "month": month, "fen": fen}


def refusal(body: dict) -> tuple[str, str]:
    assert body["data"] is None, body
    error = body["errors"][0]
    return error["message"], error["extensions"]["code"]


async def test_a_payer_out_of_scope_is_a_missing_payer(writable_api: Api) -> None:
    """江津区's administrator cannot learn that a 巴南区 member exists by naming them payer."""
    api = writable_api
    variables = await ouli_month(api, "2026-11")
    banan = (
        await one(
            api,
            """SELECT m.id FROM member m JOIN organization o ON m.org_path LIKE o.path || '%'
            WHERE o.name = '中共重庆市巴南区委员会' LIMIT 1""",
        )
    )[0]
    answers = [
        refusal(
            await api.post(
                PAY,
                {**variables, "key": f"payer-{uuid.uuid4()}", "payer": gid("Member", payer)},
                user="jiangjin_admin",
            )
        )
        for payer in (banan, 9_999_999)
    ]
    assert answers[0] == answers[1] == ("payerId must name a member", "BAD_USER_INPUT")


async def test_idempotency_keys_are_per_account(writable_api: Api) -> None:
    """Another account's key is a fresh key: it neither replays that account's payment nor
    is refused as reused; the key still replays for the account that sent it."""
    api = writable_api
    variables = {**await ouli_month(api, "2026-12"), "key": f"shared-{uuid.uuid4()}"}
    paid = await api.data(PAY, variables, user="jiangjin_admin")
    again = await api.data(PAY, variables, user="jiangjin_admin")
    assert again == paid
    theirs = refusal(await api.post(PAY, variables, user="cq_admin"))
    fresh = refusal(await api.post(PAY, {**variables, "key": f"k-{uuid.uuid4()}"}, user="cq_admin"))
    assert theirs == fresh == ("2026-12 is already paid", "BAD_USER_INPUT")
    other = {**variables, "fen": variables["fen"] + 1}  # other content, the same key
    mismatch = refusal(await api.post(PAY, other, user="cq_admin"))
    assert mismatch == refusal(
        await api.post(PAY, {**other, "key": f"k-{uuid.uuid4()}"}, user="cq_admin")
    )
    assert mismatch[1] == "BAD_USER_INPUT"
