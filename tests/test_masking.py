"""PII masking: the formats, and that the masks hold together (the reconstruction below)."""

import base64
import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import text

from authz.masking import mask_address, mask_id_card, mask_phone
from datagen.names import DISTRICTS
from datagen.people import PHONE_PREFIXES
from domain.member import ID_CHECK, ID_WEIGHTS, id_card_check
from resolvers.ids import to_global_id as to_gid
from tests.conftest import NOW, Api


def test_id_card_keeps_the_province_only() -> None:
    assert mask_id_card("500116198907081234") == "500***************"
    assert mask_id_card("50011619890708123X") == "500***************"


def test_phone_keeps_the_last_four() -> None:
    assert mask_phone("13812345678") == "*******5678"


def test_short_values_are_fully_hidden() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_id_card("1234567") == "*******"


def test_address_keeps_only_the_district() -> None:
    assert mask_address("重庆市江津区圣泉街道浒溪社区3号2单元5-1") == "重庆市江津区****"
    assert mask_address("") == ""


# ---- the masks hold together ---------------------------------------------------------------
# A caller without `member.pii` reads every field it may of a member (the masks, gender, the
# address, the birth date or year, ages through the directory's filters, the cursors of the
# birth-date order) and enumerates what the masked ID-card number and phone could be, with the
# knowledge of the data's maker: GB 11643 numbers of a district's area code, the birth date and
# a sequence whose last digit is odd for men, and phones of a carrier prefix and random digits.

FLOOR = 10_000  # candidates a masked value must keep at the least
FIELDS = ("gender", "birthDate", "birthYear", "idCardNumber", "phone", "address")
MEMBER_FIELDS = '{ __type(name: "Member") { fields { name } } }'
DIRECTORY = """query($after: String) { members(first: 100, after: $after,
  orderBy: {field: BIRTH_DATE}) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { id %s } } } }"""
CHECKED_IN = """query($c: ID!, $after: String) { organization(id: $c) {
  checkIns(first: 100, after: $after) { pageInfo { hasNextPage endCursor }
  edges { node { member { id %s } } } } } }"""
AGE = "a%d: members(first: 100, filter: {ageMin: %d, ageMax: %d}) { edges { node { id } } }"


@dataclass
class Seen:
    """What the caller read of one member."""

    male: bool
    id_card: str
    phone: str
    address: str
    born: dt.date | None = None
    year: int | None = None
    age: int | None = None


def fits(mask: str, value: str) -> bool:
    return len(mask) == len(value) and all(m in ("*", c) for m, c in zip(mask, value, strict=True))


def cursor_key(cursor: str) -> dt.date | int | None:
    """What a cursor says of the sort key, if it is readable (cursors are only base64)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor))[0]
        return dt.date.fromisoformat(key) if isinstance(key, str) else key
    except (ValueError, TypeError, IndexError):
        return None


def seen_of(node: dict, key: dt.date | int | None = None) -> Seen:
    seen = Seen(node["gender"] == "MALE", node["idCardNumber"], node["phone"], node["address"])
    born = node.get("birthDate") or (key.isoformat() if isinstance(key, dt.date) else None)
    seen.born = dt.date.fromisoformat(born) if born else None
    seen.year = node.get("birthYear") or (key if isinstance(key, int) else None)
    seen.year = seen.year or (seen.born.year if seen.born else None)
    return seen


def age_on(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def birth_dates(seen: Seen, exact_ages: bool) -> list[dt.date]:
    """Every birth date consistent with what was seen (ages only if they are exact ones)."""
    if seen.born is not None:
        days = [seen.born]
    else:
        first, last = (seen.year, seen.year) if seen.year else (1900, NOW.year)
        start = dt.date(first, 1, 1)
        days = [start + dt.timedelta(n) for n in range((dt.date(last, 12, 31) - start).days + 1)]
    if exact_ages and seen.age is not None:
        days = [d for d in days if age_on(d, NOW.date()) == seen.age]
    return days


def area_codes(address: str) -> list[str]:
    """The districts a masked address may name (all of them where it names none)."""
    shown = address.split("*")[0]
    named = [
        c
        for n, c, _ in DISTRICTS
        if f"重庆市{n}".startswith(shown) or shown.startswith(f"重庆市{n}")
    ]
    return named or [c for _, c, _ in DISTRICTS]


def weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(c) * w for c, w in zip(digits, weights, strict=True))


def id_candidates(seen: Seen, exact_ages: bool) -> int:
    """How many ID-card numbers fit, counted up to FLOOR."""
    mask = seen.id_card
    orders = [s for o in range(1000) if o % 2 == seen.male and fits(mask[14:17], s := f"{o:03d}")]
    by_sum = Counter(weighted(s, ID_WEIGHTS[14:]) % 11 for s in orders)
    checks = set(ID_CHECK) if mask[17] == "*" else {mask[17]}
    total = 0
    for code in area_codes(seen.address):
        for day in birth_dates(seen, exact_ages):
            head = f"{code}{day:%Y%m%d}"
            if fits(mask[:14], head):
                p = weighted(head, ID_WEIGHTS[:14])
                total += sum(n for h, n in by_sum.items() if ID_CHECK[(p + h) % 11] in checks)
                if total >= FLOOR:
                    return total
    return total


def phone_candidates(mask: str) -> int:
    hidden = 10 ** mask[3:].count("*")
    return sum(hidden for p in PHONE_PREFIXES if fits(mask[:3], p))


def truth_fits(seen: Seen, id_card: str, phone: str, exact_ages: bool) -> bool:
    """The real values are among the candidates counted: the attack's model is sound."""
    born = dt.date(int(id_card[6:10]), int(id_card[10:12]), int(id_card[12:14]))
    return (
        fits(seen.id_card, id_card)
        and id_card[:6] in area_codes(seen.address)
        and born in birth_dates(seen, exact_ages)
        and int(id_card[16]) % 2 == seen.male
        and id_card_check(id_card[:17]) == id_card[17]
        and fits(seen.phone, phone)
        and phone[:3] in PHONE_PREFIXES
    )


async def readable(api: Api, user: str) -> str:
    fields = (await api.data(MEMBER_FIELDS, user=user))["__type"]["fields"]
    return " ".join(f for f in FIELDS if f in {f["name"] for f in fields})


async def pages(api: Api, query: str, variables: dict, user: str, at: tuple[str, ...]):
    """The edges of every page of the connection at `at`."""
    after = None
    while True:
        conn = await api.data(query, {**variables, "after": after}, user=user)
        for name in at:
            conn = conn[name]
        for edge in conn["edges"]:
            yield edge
        if not conn["pageInfo"]["hasNextPage"]:
            return
        after = conn["pageInfo"]["endCursor"]


async def ages(api: Api, user: str) -> dict[str, int]:
    """Each member's age as the directory filters tell it, ten ages a request."""
    out = {}
    for low in range(0, 120, 10):
        query = "{" + " ".join(AGE % (n, n, n) for n in range(low, low + 10)) + "}"
        data = await api.data(query, user=user)
        for n in range(low, low + 10):
            edges = data[f"a{n}"]["edges"]
            assert len(edges) < 100, "an age with more members than one page"
            out.update({e["node"]["id"]: n for e in edges})
    return out


async def attack(api: Api, user: str, seen: dict[str, Seen]) -> None:
    """Every masked value keeps FLOOR candidates; the real values are among them."""
    exact_ages = any(
        s.age is not None and s.year and s.age != NOW.year - s.year for s in seen.values()
    )
    async with api.engine.connect() as conn:
        truth = {
            to_gid("Member", r.id): (r.id_card_number, r.phone)
            for r in await conn.execute(text("SELECT id, id_card_number, phone FROM member"))
        }
    narrowed = []
    for gid, s in seen.items():
        assert "*" in s.id_card and "*" in s.phone, f"{user} reads {gid} in clear"
        assert truth_fits(s, *truth[gid], exact_ages), gid
        ids, phones = id_candidates(s, exact_ages), phone_candidates(s.phone)
        if min(ids, phones) < FLOOR:
            narrowed.append((gid, ids, phones))
    assert not narrowed, f"{user}: {len(narrowed)} of {len(seen)} narrowed, e.g. {narrowed[:3]}"


async def test_auditor_cannot_rebuild_id_cards_or_phones(api: Api) -> None:
    user = "jiangjin_auditor"
    fields = await readable(api, user)
    seen = {
        e["node"]["id"]: seen_of(e["node"], cursor_key(e["cursor"]))
        async for e in pages(api, DIRECTORY % fields, {}, user, ("members",))
    }
    for gid, age in (await ages(api, user)).items():
        seen[gid].age = age
    assert len(seen) == 1202  # every member of 江津区
    await attack(api, user, seen)


async def test_community_cannot_rebuild_checked_in_members(api: Api) -> None:
    """浒溪社区 sees the members checked in from outside its PII scope, masked."""
    user = "huxi_secretary"
    fields = await readable(api, user)
    async with api.engine.connect() as conn:
        huxi = await conn.scalar(
            text("SELECT id FROM organization WHERE name = '中共浒溪社区党委'")
        )
    query = CHECKED_IN % fields
    seen = {}
    async for e in pages(
        api, query, {"c": to_gid("Organization", huxi)}, user, ("organization", "checkIns")
    ):
        member = e["node"]["member"]
        if "*" in member["idCardNumber"]:
            seen[member["id"]] = seen_of(member)
    assert len(seen) == 58
    await attack(api, user, seen)
