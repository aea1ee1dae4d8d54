"""Member rows: Chinese names, valid ID-card numbers, phones, addresses and party facts."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.anchors import STORY_NAMES
from datagen.names import ETHNIC_MINORITIES, GIVEN_FEMALE, GIVEN_MALE, SURNAME_WEIGHTS, SURNAMES
from datagen.tree import Node
from domain.member import id_card_check

MEMBER_COLUMNS = (
    "id",
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "education",
    "id_card_number",
    "phone",
    "address",
    "status",
    "dues_category",
    "party_post",
    "applied_on",
    "joined_on",
    "confirmed_on",
    "org_id",
    "org_path",
    "employer_org_id",
    "residential_org_id",
    "floating",
)
STATUSES = (("FULL", 90), ("PROBATIONARY", 3), ("CANDIDATE", 2), ("ACTIVIST", 3), ("APPLICANT", 2))
EDUCATION_BY_SETTING = {
    "village": (
        ("PRIMARY", 25),
        ("JUNIOR_HIGH", 40),
        ("SENIOR_HIGH", 22),
        ("JUNIOR_COLLEGE", 9),
        ("BACHELOR", 4),
        ("POSTGRADUATE", 0),
    ),
    "community": (
        ("PRIMARY", 8),
        ("JUNIOR_HIGH", 25),
        ("SENIOR_HIGH", 30),
        ("JUNIOR_COLLEGE", 20),
        ("BACHELOR", 15),
        ("POSTGRADUATE", 2),
    ),
    "unit": (
        ("PRIMARY", 0),
        ("JUNIOR_HIGH", 2),
        ("SENIOR_HIGH", 8),
        ("JUNIOR_COLLEGE", 20),
        ("BACHELOR", 55),
        ("POSTGRADUATE", 15),
    ),
}
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "176",
    "177",
    "180",
    "181",
    "186",
    "187",
    "189",
    "191",
    "199",
)


def setting_of(branch: Node) -> str:
    """Which population a branch draws from: village, community or an employer unit."""
    if branch.org_type == "RURAL":
        return "village"
    if branch.org_type == "COMMUNITY":
        return "community"
    return "unit"


def _table(pairs: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


class MemberFactory:
    """Makes member rows with sequential ids; everything is drawn from one seeded RNG."""

    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.next_id = 1
        # outflow members whose contact log ends more than 6 months ago (datagen/floating.py)
        self.out_of_touch: set[int] = set()
        self._surnames = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS, k=4096)
        self._statuses = _table(STATUSES)
        self._education = {k: _table(v) for k, v in EDUCATION_BY_SETTING.items()}
        self._seq = 0
        self._issued: set[str] = set()  # ID-card numbers are unique in the city (an index)
        # days drawn apart from the main stream (seeded from its state, drawing nothing from
        # it), so that no date of a member is the birth date plus whole years
        self._days = random.Random(str(rng.getstate()[1][:8]))

    def _name(self, male: bool) -> str:
        """A drawn name, never one of the story's people (they are unique in the data)."""
        rng = self.rng
        pool = GIVEN_MALE if male else GIVEN_FEMALE
        while True:
            given = rng.choice(pool) if rng.random() < 0.35 else rng.choice(pool) + rng.choice(pool)
            name = self._surnames[rng.randrange(4096)] + given
            if name not in STORY_NAMES:
                return name

    def _id_card(self, area: str, birth: dt.date, male: bool) -> str:
        """The next sequence number of the rotation not yet issued for this area and birth
        date (the database holds the numbers unique)."""
        while True:
            self._seq = (self._seq + 1) % 500
            order = self._seq * 2 + (1 if male else 0)
            first17 = f"{area}{birth:%Y%m%d}{order:03d}"
            number = first17 + id_card_check(first17)
            if number not in self._issued:
                self._issued.add(number)
                return number

    def make(
        self,
        branch: Node,
        *,
        post: str | None = None,
        residential: Node | None = None,
        **fixed: object,
    ) -> tuple:
        """One member row in `branch`; `fixed` overrides any drawn column by name."""
        rng = self.rng
        setting = setting_of(branch)
        male = rng.random() < (0.68 if setting != "unit" else 0.6)
        if "gender" in fixed:
            male = fixed["gender"] == "MALE"
        if setting == "community":
            age = rng.randint(25, 92) if rng.random() < 0.5 else rng.randint(60, 92)
        elif setting == "village":
            age = rng.randint(22, 88)
        else:
            age = rng.randint(23, 59)
        birth = self.as_of - dt.timedelta(days=age * 365 + rng.randrange(365))
        if "birth_date" in fixed:
            birth = fixed["birth_date"]  # type: ignore[assignment]
        status = "FULL" if post else rng.choices(*self._statuses)[0]
        applied = birth + dt.timedelta(
            days=365 * rng.randint(18, max(19, min(age - 1, 40))) + self._days.randrange(365)
        )
        applied = min(applied, self.as_of - dt.timedelta(days=30))
        joined = confirmed = None
        if status in ("PROBATIONARY", "FULL"):
            if status == "PROBATIONARY":
                joined = self.as_of - dt.timedelta(days=rng.randrange(30, 360))
            else:
                joined = min(
                    applied + dt.timedelta(days=rng.randrange(500, 1500)),
                    self.as_of - dt.timedelta(days=400),
                )
                confirmed = joined + dt.timedelta(days=365)
            applied = min(applied, joined - dt.timedelta(days=400))
        if setting == "village":
            dues = "FARMER" if age < 65 else rng.choice(("FARMER", "RETIRED"))
        elif setting == "community":
            dues = (
                "RETIRED"
                if age >= 60
                else rng.choices(("EMPLOYED", "UNEMPLOYED", "SUBSISTENCE"), (85, 10, 5))[0]
            )
        else:
            dues = "EMPLOYED"
        district = branch.district
        assert district is not None
        minority = 0.6 if district.kind == "autonomous" else 0.03
        ethnicity = rng.choice(ETHNIC_MINORITIES) if rng.random() < minority else "汉族"
        home = residential or branch
        address = (
            f"重庆市{district.name}{home.place}{rng.randint(1, 40)}号"
            f"{rng.randint(1, 6)}单元{rng.randint(1, 32)}-{rng.randint(1, 8)}"
        )
        floating = "NONE"
        if setting != "unit" and rng.random() < 0.03:
            floating = "OUTFLOW"
        elif branch.branch_kind == "FLOATING":
            floating = "INFLOW"
        edu_values, edu_weights = self._education[setting]
        row = {
            "id": self.next_id,
            "name": self._name(male),
            "gender": "MALE" if male else "FEMALE",
            "ethnicity": ethnicity,
            "birth_date": birth,
            "education": rng.choices(edu_values, edu_weights)[0],
            "id_card_number": self._id_card(district.area_code, birth, male),
            "phone": rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            "address": address,
            "status": status,
            "dues_category": dues,
            "party_post": post,
            "applied_on": applied,
            "joined_on": joined,
            "confirmed_on": confirmed,
            "org_id": branch.id,
            "org_path": branch.path,
            "employer_org_id": branch.unit.id if residential and branch.unit else None,
            "residential_org_id": residential.id if residential else None,
            "floating": floating,
        }
        if floating == "OUTFLOW" and rng.random() < 0.05:  # away without contact (失联)
            self.out_of_touch.add(self.next_id)
        row.update(fixed)
        self.next_id += 1
        return tuple(row[c] for c in MEMBER_COLUMNS)


def posts(size: int) -> Iterator[str | None]:
    """Party posts down a branch roll: secretary; with ≥7 members a 3–5 person committee."""
    yield "SECRETARY"
    if size >= 7:
        yield "DEPUTY_SECRETARY"
        yield "COMMITTEE_MEMBER"
        if size >= 15:
            yield "COMMITTEE_MEMBER"
            yield "COMMITTEE_MEMBER"
    while True:
        yield None
