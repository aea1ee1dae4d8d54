"""The write template: every mutation is one unit of work under its field name. Fields of one
document see each other's changes, and a refusal is audited under the field, not the alias."""

import base64
import uuid

from sqlalchemy import text

from schema import build_schema
from tests.conftest import Api
from tests.test_development import make_applicant


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def scalar(api: Api, sql: str, **params):
    async with api.engine.connect() as conn:
        return await conn.scalar(text(sql), params)


MISSING = {
    kind: gid(kind, 9_999_999)
    for kind in ("Member", "CheckIn", "DevelopmentCase", "Activity", "Organization")
}
FLOATING = gid("FloatingRecord", 9_999_999)
ACTIVITY = f'activityId: "{MISSING["Activity"]}"'
# an input for each mutation that names nothing the caller may change
REFUSED = {
    "reportCheckIn": f'{{communityId: "{gid("Organization", 9_999_999)}"}}',
    "logService": f'{{checkInId: "{MISSING["CheckIn"]}", method: KNOW_PERSON, '
    'startedAt: "2026-11-20T09:00:00", endedAt: "2026-11-20T10:00:00", description: "x"}',
    "reviewService": f'{{serviceRecordId: "{gid("ServiceRecord", 9_999_999)}", approve: true}}',
    "endCheckIn": f'{{checkInId: "{MISSING["CheckIn"]}"}}',
    "payDues": f'{{memberId: "{MISSING["Member"]}", months: ["2026-10"], amountFen: 1, '
    'channel: CASH, idempotencyKey: "refused-key-1"}',
    "reverseDuesPayment": f'{{paymentId: "{gid("DuesPayment", 9_999_999)}", reason: "x", '
    'idempotencyKey: "refused-key-2"}',
    "setDuesBase": f'{{memberId: "{MISSING["Member"]}", year: 2026}}',
    "exemptDues": f'{{memberId: "{MISSING["Member"]}", year: 2026, reason: "x"}}',
    "openDevelopmentCase": f'{{memberId: "{MISSING["Member"]}", appliedOn: "2026-11-01"}}',
    "takeDevelopmentStep": f'{{caseId: "{MISSING["DevelopmentCase"]}", step: 2, '
    'decision: PASS, actedOn: "2026-11-01", expectedVersion: 1}',
    "extendProbation": f'{{caseId: "{MISSING["DevelopmentCase"]}", months: 6, expectedVersion: 1}}',
    "publishActivity": f'{{organizationId: "{gid("Organization", 9_999_999)}", type: OTHER, '
    'title: "x", place: "x", startsAt: "2026-12-01T09:00:00", endsAt: "2026-12-01T10:00:00"}',
    "updateActivity": f'{{{ACTIVITY}, expectedVersion: 1, title: "x"}}',
    "markActivityHeld": f"{{{ACTIVITY}, expectedVersion: 1}}",
    "recordActivity": f'{{{ACTIVITY}, expectedVersion: 1, minutes: "x"}}',
    "cancelActivity": f'{{{ACTIVITY}, expectedVersion: 1, reason: "x"}}',
    "signUpForActivity": f"{{{ACTIVITY}}}",
    "cancelActivitySignUp": f"{{{ACTIVITY}}}",
    "requestActivityLeave": f'{{{ACTIVITY}, reason: "x"}}',
    "decideActivityLeave": f'{{{ACTIVITY}, memberId: "{MISSING["Member"]}", approve: true}}',
    "signInToActivity": f'{{{ACTIVITY}, code: "123456"}}',
    "createOrganization": f'{{parentId: "{MISSING["Organization"]}", name: "x", code: "x", '
    "level: BRANCH, orgType: ORGAN}",
    "updateOrganization": f'{{organizationId: "{MISSING["Organization"]}", expectedVersion: 1}}',
    "moveOrganization": f'{{organizationId: "{MISSING["Organization"]}", '
    f'newParentId: "{MISSING["Organization"]}"}}',
    "dissolveOrganization": f'{{organizationId: "{MISSING["Organization"]}"}}',
    "grantRole": f'{{username: "ouli", role: "auditor", '
    f'organizationId: "{gid("Organization", 9_999_999)}"}}',
    "revokeRole": f'{{grantId: "{gid("Grant", 9_999_999)}"}}',
    "createAccount": f'{{memberId: "{MISSING["Member"]}", username: "nobody_here"}}',
    "deactivateAccount": f'{{accountId: "{gid("Account", 9_999_999)}", expectedVersion: 1}}',
    "reactivateAccount": f'{{accountId: "{gid("Account", 9_999_999)}", expectedVersion: 1}}',
    "signOutAccount": f'{{accountId: "{gid("Account", 9_999_999)}", expectedVersion: 1}}',
    "recordOutflow": f'{{memberId: "{MISSING["Member"]}", destination: "广东省深圳市", '
    'reason: "务工", departedOn: "2026-11-01"}',
    "recordPreDepartureTalk": f'{{recordId: "{FLOATING}", talkOn: "2026-11-01", talkBy: "x", '
    'notes: "x"}',
    "issueFloatingCertificate": f'{{recordId: "{FLOATING}", number: "x", '
    'issuedOn: "2026-11-01", validUntil: "2027-11-01"}',
    "recordInflow": f'{{hostOrgId: "{gid("Organization", 9_999_999)}", name: "x", origin: "x", '
    'reason: "x", arrivedOn: "2026-11-01"}',
    "routeInflow": f'{{recordId: "{FLOATING}", orgId: "{gid("Organization", 9_999_999)}"}}',
    "acceptInflow": f'{{recordId: "{FLOATING}"}}',
    "pairFloatingMember": f'{{recordId: "{FLOATING}", committeeMemberId: "{MISSING["Member"]}"}}',
    "logFloatingContact": f'{{recordId: "{FLOATING}", contactedOn: "2026-11-01", '
    'channel: PHONE, content: "x"}',
    "recordFloatingReport": f'{{recordId: "{FLOATING}", year: 2026, '
    'reportedOn: "2026-11-01", content: "x"}',
    "endFloating": f'{{recordId: "{FLOATING}", returnedOn: "2026-11-01"}}',
    "holdSymposium": f'{{orgId: "{gid("Organization", 9_999_999)}", title: "x", '
    f'heldOn: "2026-11-01", place: "x", invitedMemberIds: ["{MISSING["Member"]}"], '
    "attendedMemberIds: []}",
    "addSuggestion": f'{{symposiumId: "{gid("Symposium", 9_999_999)}", content: "x", '
    "category: OTHER}",
    "answerSuggestion": f'{{suggestionId: "{gid("Suggestion", 9_999_999)}", decision: ANSWERED, '
    'reply: "x"}',
    "addMember": f'{{organizationId: "{gid("Organization", 9_999_999)}", name: "x", '
    'gender: MALE, ethnicity: "汉族", birthDate: "1990-01-01", idCardNumber: "x", '
    'phone: "13900000000", address: "x", education: BACHELOR, status: FULL, '
    "duesCategory: EMPLOYED, addedHow: TRANSFERRED_IN}",
    "updateMember": f'{{memberId: "{MISSING["Member"]}", expectedVersion: 1, phone: "x"}}',
    "changeMemberStanding": f'{{memberId: "{MISSING["Member"]}", standing: DECEASED, '
    'on: "2026-11-01", expectedVersion: 1}',
    "transferMember": f'{{memberId: "{MISSING["Member"]}", expectedVersion: 1, '
    f'toOrganizationId: "{gid("Organization", 1)}", idempotencyKey: "refused-key-3"}}',
    "acceptTransfer": f'{{transferId: "{gid("MemberTransfer", 9_999_999)}", '
    'expectedVersion: 1, idempotencyKey: "refused-key-4"}',
    "returnTransfer": f'{{transferId: "{gid("MemberTransfer", 9_999_999)}", '
    'expectedVersion: 1, idempotencyKey: "refused-key-5", reason: "x"}',
    "publishStudyResource": f'{{organizationId: "{gid("Organization", 9_999_999)}", '
    'kind: COURSE, category: "x", title: "x", minutes: 30}',
    "recordStudyProgress": f'{{resourceId: "{gid("StudyResource", 9_999_999)}", '
    'sessionKey: "refused-session", startedAt: "2026-11-20T09:00:00", '
    'endedAt: "2026-11-20T10:00:00"}',
    "pairForStudyDelivery": f'{{memberId: "{MISSING["Member"]}", '
    f'delivererId: "{MISSING["Member"]}", reason: "x", startedOn: "2026-11-01"}}',
    "recordStudyDelivery": f'{{pairingId: "{gid("StudyPairing", 9_999_999)}", '
    'deliveredOn: "2026-11-01", content: "x", online: true, minutes: 60}',
    "openTrainingClass": f'{{organizationId: "{gid("Organization", 9_999_999)}", title: "x", '
    'topics: ["x"], startsOn: "2026-11-01", endsOn: "2026-11-02", minutes: 60}',
    "enrolInTrainingClass": f'{{classId: "{gid("TrainingClass", 9_999_999)}", '
    f'memberId: "{MISSING["Member"]}"}}',
    "recordTrainingAttendance": f'{{classId: "{gid("TrainingClass", 9_999_999)}", '
    f'memberId: "{MISSING["Member"]}", minutes: 60}}',
    "requestTermChange": f'{{organizationId: "{MISSING["Organization"]}", kind: POSTPONE, '
    'newDueOn: "2027-01-01", reason: "x"}',
    "approveTermChange": f'{{termChangeId: "{gid("TermChange", 9_999_999)}", approve: true, '
    "expectedVersion: 1}",
    "recordElection": f'{{organizationId: "{MISSING["Organization"]}", heldOn: "2026-11-01", '
    f'seats: 1, candidates: 2, committee: ["{MISSING["Member"]}"], '
    f'secretaryId: "{MISSING["Member"]}"}}',
    "recordOrgAssessment": f'{{organizationId: "{MISSING["Organization"]}", year: 2026, '
    "lastPlace: true, satisfactionPercent: 50}",
    "runWeakOrgSweep": "{year: 2026}",
    "openRectificationCase": f'{{organizationId: "{MISSING["Organization"]}", problems: "x", '
    'measures: "x", responsibleLeader: "x", deadline: "2027-01-01"}',
    "addRectificationNote": f'{{caseId: "{gid("RectificationCase", 9_999_999)}", text: "x"}}',
    "acceptRectification": f'{{caseId: "{gid("RectificationCase", 9_999_999)}", score: 80, '
    "dissatisfiedPercent: 10, expectedVersion: 1}",
    "dismissRectificationCase": f'{{caseId: "{gid("RectificationCase", 9_999_999)}", '
    "expectedVersion: 1}",
}


async def audited_refusal(api: Api, field: str, query: str, variables: dict, user: str) -> dict:
    """The error of a refused mutation, recorded as one failed row of `field` with its code."""
    request_id = uuid.uuid4().hex
    response = await api.client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {api.token(user)}", "X-Request-ID": request_id},
    )
    error = response.json()["errors"][0]
    async with api.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT operation, username, success, error_code FROM audit_log"
                " WHERE request_id = :r"
            ),
            {"r": request_id},
        )
        trail = [tuple(r) for r in rows]
    assert trail == [(field, user, False, error["extensions"]["code"])], trail
    return error


async def test_refusals_are_audited_under_the_field_name(writable_api: Api) -> None:
    """`somethingHarmless: payDues(…)` is recorded as payDues, for every mutation."""
    api = writable_api
    mutations = build_schema()._schema.mutation_type
    assert mutations is not None and set(mutations.fields) == set(REFUSED)
    for field, value in REFUSED.items():
        request_id = uuid.uuid4().hex
        query = f"mutation {{ somethingHarmless: {field}(input: {value}) {{ __typename }} }}"
        response = await api.client.post(
            "/graphql",
            json={"query": query},
            headers={"Authorization": f"Bearer {api.token('ouli')}", "X-Request-ID": request_id},
        )
        body = response.json()
        assert body["errors"][0]["path"] == ["somethingHarmless"], (field, body)
        async with api.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT operation, success, error_code FROM audit_log WHERE request_id = :r"
                    ),
                    {"r": request_id},
                )
            ).all()
        code = body["errors"][0]["extensions"]["code"]
        assert [tuple(r) for r in rows] == [(field, False, code)], field


DUES_IN_ONE = """mutation($m: ID!) {
  first: setDuesBase(input: {memberId: $m, year: 2027, category: EMPLOYED,
                             monthlyBaseFen: 600000}) { ledger { base { exempt } } }
  second: exemptDues(input: {memberId: $m, year: 2027, reason: "家庭困难"}) {
    ledger { base { exempt exemptionReason } } }
}"""


async def test_second_field_sees_the_first_fields_change(writable_api: Api) -> None:
    api = writable_api
    ouli = await scalar(api, "SELECT id FROM member WHERE name = '欧丽'")
    data = await api.data(DUES_IN_ONE, {"m": gid("Member", ouli)}, user="jiangjin_admin")
    assert data["first"]["ledger"]["base"] == {"exempt": False}
    assert data["second"]["ledger"]["base"] == {"exempt": True, "exemptionReason": "家庭困难"}
    stored = await scalar(
        api, "SELECT exempt FROM dues_base WHERE member_id = :m AND year = 2027", m=ouli
    )
    assert bool(stored) is True


TWO_STEPS = """mutation($c: ID!, $v: Int!, $w: Int!) {
  talk: takeDevelopmentStep(input: {caseId: $c, step: 2, decision: PASS, actedOn: "2026-03-20",
                                    expectedVersion: $v}) { case { version } }
  named: takeDevelopmentStep(input: {caseId: $c, step: 3, decision: PASS, actedOn: "2026-03-12",
                                     expectedVersion: $w, noticeFrom: "2026-03-02",
                                     noticeTo: "2026-03-09"}) { case { version } }
}"""


async def test_two_steps_in_one_document_obey_the_time_rules(writable_api: Api) -> None:
    """Step 3 dated before step 2 is refused in one document as in two requests."""
    api = writable_api
    applicant, _ = await make_applicant(api, "周晓岚")
    opened = await api.data(
        """mutation($m: ID!) { openDevelopmentCase(input: {memberId: $m, appliedOn: "2026-03-01"})
        { case { id version } } }""",
        {"m": gid("Member", applicant)},
        user="huxi_secretary",
    )
    case = opened["openDevelopmentCase"]["case"]
    variables = {"c": case["id"], "v": case["version"], "w": case["version"] + 1}
    body = await api.post(TWO_STEPS, variables, user="huxi_secretary")
    assert body["data"] is None  # a non-null payload: the refusal nulls the document's data
    error = body["errors"][0]
    assert error["path"] == ["named"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "cannot happen before 2026-03-20" in error["message"]
    steps = await scalar(
        api,
        "SELECT COUNT(*) FROM development_record WHERE case_id = :c",
        c=int(base64.b64decode(case["id"]).decode().split(":")[1]),
    )
    assert steps == 2  # the application and the talk (committed); step 3 was not written
