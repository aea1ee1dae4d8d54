"""Floating members (流动党员): ledgers with talks, certificates, pairings, contacts and yearly
reports for every outflow member; arrivals placed in 青年塘社区's grid branches; the Mid-Autumn
symposiums of 南彭街道 with their suggestions (`datagen/anchors.py`). Drawn from a random stream
of its own, after every other table, so that adding them changed no other row."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.anchors import (
    CHENJIA_OUTFLOW,
    CHENJIA_SUGGESTION,
    CHENJIA_YEARS,
    FLOATING_STREET,
    FLOATING_SUGGESTIONS,
    FLOATING_SYMPOSIUMS,
    INFLOW_COMMUNITY,
    INFLOW_HOST_STREET,
)
from datagen.names import SURNAMES
from datagen.people import MEMBER_COLUMNS, PHONE_PREFIXES
from datagen.tree import Node, Tree
from domain.calendar import add_months
from domain.floating import lost_contact_before

RECORD_COLUMNS = (
    "id", "member_id", "name", "phone", "origin", "home_path", "destination", "host_org_id",
    "host_path", "placed_org_id", "placed_path", "reason", "departed_on", "contact", "status",
    "placement", "routed_on", "placed_on", "returned_on", "talk_on", "talk_by", "talk_notes",
    "certificate_number", "certificate_issued_on", "certificate_valid_until", "paired_member_id",
    "paired_on",
)  # fmt: skip
CONTACT_COLUMNS = (
    "id", "record_id", "member_id", "org_path", "contacted_on", "channel", "content",
    "by_member_id",
)  # fmt: skip
REPORT_COLUMNS = ("id", "record_id", "member_id", "home_path", "year", "reported_on", "content")
SYMPOSIUM_COLUMNS = ("id", "org_id", "org_path", "title", "held_on", "place")
ATTENDEE_COLUMNS = ("id", "symposium_id", "member_id", "attended")
SUGGESTION_COLUMNS = (
    "id", "symposium_id", "org_path", "member_id", "content", "category", "handler", "status",
    "reply", "answered_on", "answered_by",
)  # fmt: skip

DESTINATIONS = (
    "广东省深圳市宝安区", "广东省广州市白云区", "浙江省杭州市余杭区", "浙江省宁波市北仑区",
    "四川省成都市武侯区", "上海市浦东新区", "江苏省苏州市昆山市", "福建省厦门市集美区",
    "北京市朝阳区", "贵州省贵阳市观山湖区", "广西壮族自治区南宁市青秀区",
    "新疆维吾尔自治区乌鲁木齐市天山区",
)  # fmt: skip
REASONS = ("外出务工", "经商", "求学", "随子女迁居", "工程项目驻外")
ORIGINS = (
    "四川省广安市邻水县", "贵州省遵义市播州区", "湖北省恩施州利川市", "湖南省怀化市沅陵县",
    "陕西省安康市紫阳县", "四川省达州市大竹县",
)  # fmt: skip
CHANNELS = ("PHONE", "WECHAT", "WECHAT", "VIDEO", "VISIT", "LETTER")
CONTACT_WORDS = (
    "了解务工近况，传达支部学习安排", "提醒按时交纳党费", "推送党课学习资料",
    "询问家庭困难，协调帮扶", "通报村里发展情况", "节前慰问，邀请返乡座谈",
)  # fmt: skip
REPORT_WORDS = "向支部报告一年来学习、工作和参加组织生活情况"
PLACES = (
    "鸳鸯村党群服务中心", "南彭社区党群服务中心", "南彭街道便民服务中心", "鸳鸯村村民活动室",
)  # fmt: skip
SUGGESTIONS = (
    ("INDUSTRY", "建议发展特色农产品电商，带动留守群众增收"),
    ("INFRASTRUCTURE", "建议硬化村里通组公路，方便返乡车辆通行"),
    ("SERVICES", "建议开通流动党员网上组织关系服务，异地也能办理"),
    ("PARTY_WORK", "建议定期推送支部学习资料，方便在外党员参加学习"),
    ("SERVICES", "建议为留守老人和儿童提供更多关爱服务"),
    ("LOCAL_RESOURCES", "建议盘活闲置农房和土地资源，发展乡村旅游"),
    ("INDUSTRY", "建议建立返乡创业扶持资金，帮助在外党员回乡创业"),
    ("OTHER", "建议春节期间组织返乡党员开展志愿服务"),
)
REPLIES = {
    "ADOPTED": "已采纳，列入街道明年重点工作",
    "ANSWERED": "已由承办部门答复并说明办理情况",
}
HANDLERS = ("街道党建办", "街道经济发展办", "街道社会事务办", "街道规划建设管理环保办")
# 中秋节 of the years the data sets cover (the symposiums are held around it)
MID_AUTUMN = {
    2023: dt.date(2023, 9, 29), 2024: dt.date(2024, 9, 17), 2025: dt.date(2025, 10, 6),
    2026: dt.date(2026, 9, 25), 2027: dt.date(2027, 9, 15), 2028: dt.date(2028, 10, 3),
}  # fmt: skip
COMMITTEE = ("SECRETARY", "DEPUTY_SECRETARY", "COMMITTEE_MEMBER")
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}


def mid_autumn(as_of: dt.date) -> dt.date:
    """The latest Mid-Autumn festival before `as_of` (mid-September where the table ends)."""
    for year in (as_of.year, as_of.year - 1):
        day = MID_AUTUMN.get(year, dt.date(year, 9, 15))
        if day < as_of:
            return day
    raise ValueError(as_of)


class FloatingPlanner:
    """Watches members as they are drawn, then plans the floating tables."""

    def __init__(self, tree: Tree, seed: int, as_of: dt.date) -> None:
        self.tree = tree
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.outflow: list[tuple] = []  # member rows
        self.inflow: list[tuple[tuple, Node]] = []  # members of floating-member branches
        self.committee: dict[int, list[tuple[int, str]]] = {}  # branch → (id, name)
        self.lost: set[int] = set()  # members out of touch (`MemberFactory.out_of_touch`)
        self.by_id = {n.id: n for n in tree.nodes}
        self.records: list[tuple] = []
        self.nanpeng = tree.by_name[f"中共{FLOATING_STREET}党工委"]

    def observe(self, row: tuple, branch: Node) -> None:
        if row[_I["party_post"]] in COMMITTEE:
            self.committee.setdefault(branch.id, []).append((row[_I["id"]], row[_I["name"]]))
        if row[_I["floating"]] == "OUTFLOW":
            self.outflow.append(row)
        elif row[_I["floating"]] == "INFLOW":
            self.inflow.append((row, branch))

    def _record(self, **values: object) -> tuple:
        values.setdefault("id", len(self.records) + 1)
        row = tuple(values.get(c) for c in RECORD_COLUMNS)
        self.records.append(row)
        return row

    def plan_records(self, chenjia: int) -> list[tuple]:
        """Outflow members (ACTIVE, with talk, certificate and pairing), some hosted in the
        city (placed in 青年塘's grid branches by 李家沱街道, or by a street elsewhere), members
        of floating-member branches, and arrivals from outside (records only) at 青年塘."""
        rng, tree = self.rng, self.tree
        street = tree.by_name[f"中共{INFLOW_HOST_STREET}党工委"]
        community = tree.by_name[f"中共{INFLOW_COMMUNITY}党委"]
        grids = [n for n in tree.nodes if n.parent is community and n.branch_kind == "GRID"]
        under: dict[int, list[Node]] = {}  # street → its grid branches
        for n in tree.nodes:
            if n.branch_kind == "GRID" and n.parent and n.parent.parent:
                under.setdefault(n.parent.parent.id, []).append(n)
        streets = [n for n in tree.nodes if n.level == "STREET"]
        to_qnt, paired = 0, dict[int, int]()
        for row in self.outflow:
            member_id, path = row[_I["id"]], row[_I["org_path"]]
            branch = self.by_id[row[_I["org_id"]]]
            host: Node | None = None
            placed: Node | None = None
            if member_id != chenjia and branch.district is not street.district:
                if to_qnt < 2 * len(grids) + 2:  # 李家沱街道 hosts them, 青年塘 takes them in
                    host = street
                    placed = grids[to_qnt % len(grids)] if to_qnt < 2 * len(grids) else None
                    to_qnt += 1
                elif rng.random() < 0.08:
                    host = rng.choice(streets)
                    if path.startswith(host.path):
                        host = None
                    elif under.get(host.id) and rng.random() < 0.7:
                        placed = rng.choice(under[host.id])
            self._outflow(row, branch, host, placed, member_id == chenjia, paired)
        for row, branch in self.inflow:  # books in a floating-member branch: home outside
            self._arrival(row[_I["id"]], "", branch.parent, branch)  # type: ignore[arg-type]
        for i in range(len(grids) * 3):  # arrivals from outside at 青年塘, two awaiting
            placed_in = grids[i % len(grids)] if i < len(grids) * 3 - 2 else None
            self._arrival(None, self._name(), street, placed_in)
        return self.records

    def _outflow(
        self,
        row: tuple,
        branch: Node,
        host: Node | None,
        placed: Node | None,
        story: bool,
        paired: dict[int, int],
    ) -> None:
        """One outflow member's record: the talk before departure, the certificate at the
        talk, the committee member of the branch least paired so far."""
        rng, as_of = self.rng, self.as_of
        member_id = row[_I["id"]]
        years = CHENJIA_YEARS if story else rng.randint(1, 9)
        departed = as_of - dt.timedelta(days=365 * years - rng.randrange(0, 300))
        destination = str(CHENJIA_OUTFLOW["destination"]) if story else rng.choice(DESTINATIONS)
        if not story and not row[_I["address"]].startswith("重庆市"):  # where the story has them
            destination = row[_I["address"]]
        if host is not None:
            short = host.name.removeprefix("中共").removesuffix("党工委")
            destination = f"重庆市{host.district.name}{short}"  # type: ignore[union-attr]
        committee = [c for c in self.committee.get(branch.id, []) if c[0] != member_id]
        pair = min(committee, key=lambda c: paired.get(c[0], 0)) if committee else None
        if pair is not None:
            paired[pair[0]] = paired.get(pair[0], 0) + 1
        talk = departed - dt.timedelta(days=rng.randint(1, 14))
        placement = None
        if host is not None:
            placement = "PLACED" if placed is not None else "NOTIFIED"
        self._record(
            member_id=member_id,
            home_path=row[_I["org_path"]],
            destination=destination,
            host_org_id=host and host.id,
            host_path=host and host.path,
            placed_org_id=placed and placed.id,
            placed_path=placed and placed.path,
            reason=str(CHENJIA_OUTFLOW["reason"]) if story else rng.choice(REASONS),
            departed_on=departed,
            contact=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            status="ACTIVE",
            placement=placement,
            routed_on=placed and departed + dt.timedelta(days=rng.randint(3, 20)),
            placed_on=placed and departed + dt.timedelta(days=rng.randint(21, 40)),
            talk_on=talk,
            talk_by=committee[0][1] if committee else "支部书记",
            talk_notes="讲明流动党员管理要求，约定联系方式，告知每年向支部报告",
            certificate_number=f"LD{branch.district.area_code}{member_id:08d}",  # type: ignore[union-attr]
            certificate_issued_on=talk,
            certificate_valid_until=add_months(max(talk, as_of - dt.timedelta(days=700)), 36),
            paired_member_id=pair and pair[0],
            paired_on=pair and talk,
        )

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + rng.choice("建华明军伟芳丽强平敏静")

    def _arrival(self, member_id: int | None, name: str, host: Node, placed: Node | None) -> None:
        rng = self.rng
        arrived = self.as_of - dt.timedelta(days=rng.randrange(60, 1500))
        self._record(
            member_id=member_id,
            name=name or None,
            phone=None if member_id else rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
            origin=rng.choice(ORIGINS),
            destination=f"重庆市{host.district.name}",  # type: ignore[union-attr]
            host_org_id=host.id,
            host_path=host.path,
            placed_org_id=placed and placed.id,
            placed_path=placed and placed.path,
            reason=rng.choice(REASONS[:2]),
            departed_on=arrived,
            status="ACTIVE",
            placement="PLACED" if placed else "NOTIFIED",
            routed_on=placed and arrived + dt.timedelta(days=7),
            placed_on=placed and arrived + dt.timedelta(days=20),
        )

    def contacts(self) -> Iterator[tuple]:
        """Contacts every one to three months over the last two years; none in the last 7–12
        months for members the directory had lost (`lost`): the log now says so itself."""
        rng, next_id = self.rng, 1
        start = self.as_of - dt.timedelta(days=730)
        for r in self.records:
            rid, member_id, home = r[0], r[1], r[5]
            path = home or r[10] or r[8]
            end = self.as_of - dt.timedelta(days=1)  # the data stand at the start of the day
            if member_id in self.lost:
                end = lost_contact_before(self.as_of) - dt.timedelta(days=rng.randrange(1, 180))
            day = max(start, r[12]) + dt.timedelta(days=rng.randrange(10, 60))
            while day <= end:
                yield (
                    next_id, rid, member_id, path, day, rng.choice(CHANNELS),
                    rng.choice(CONTACT_WORDS), r[25],
                )  # fmt: skip
                next_id += 1
                day += dt.timedelta(days=rng.randrange(30, 95))

    def reports(self) -> list[tuple]:
        """Yearly reports back of members of the city: last year's for most, this year's for
        about two in three."""
        rows: list[tuple] = []
        year = self.as_of.year
        for r in self.records:
            if r[5] is None or r[1] is None:
                continue
            for y, share in ((year - 1, 0.9), (year, 0.65)):
                made = dt.date(y, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 300))
                if made < r[12] or made >= self.as_of or self.rng.random() >= share:
                    continue
                rows.append((len(rows) + 1, r[0], r[1], r[5], y, made, REPORT_WORDS))
        return rows

    def symposiums(self, chenjia: int, answerer: int) -> tuple[list, list, list]:
        """南彭街道's Mid-Autumn symposiums with its floating members home for the festival,
        and their suggestions; 陈佳 at the first, with her suggestion on local resources."""
        rng, street = self.rng, self.nanpeng
        festival = mid_autumn(self.as_of)
        ours = [r[1] for r in self.records if r[5] and r[5].startswith(street.path) and r[1]]
        ours = [chenjia] + [m for m in ours if m != chenjia]
        meetings: list[tuple] = []
        attendees: list[tuple] = []
        said: list[tuple] = []
        for i in range(FLOATING_SYMPOSIUMS):
            sid = i + 1
            held = min(festival + dt.timedelta(days=i // 3 - 2), self.as_of - dt.timedelta(days=1))
            meetings.append((
                sid, street.id, street.path, f"南彭街道中秋流动党员座谈会（第{i + 1}场）", held,
                PLACES[i % len(PLACES)],
            ))  # fmt: skip
            invited = [ours[0]] if i == 0 else []
            invited += rng.sample(ours, min(len(ours), rng.randint(3, 6)))
            invited = list(dict.fromkeys(invited))
            came = [m for j, m in enumerate(invited) if j == 0 or rng.random() < 0.8]
            for m in invited:
                attendees.append((len(attendees) + 1, sid, m, m in came))
            count = FLOATING_SUGGESTIONS // FLOATING_SYMPOSIUMS
            for k in range(count):
                sgid = len(said) + 1
                if i == 0 and k == 0:
                    member, (category, content) = chenjia, ("LOCAL_RESOURCES", CHENJIA_SUGGESTION)
                else:
                    member = rng.choice(came)
                    category, content = rng.choice(SUGGESTIONS)
                status = rng.choices(("ANSWERED", "ADOPTED", "RECEIVED"), (60, 25, 15))[0]
                if i == 0 and k == 0:
                    status = "ANSWERED"  # 陈佳's, answered (tests/test_floating.py)
                reply_on = held + dt.timedelta(days=rng.randint(5, 30))
                if reply_on >= self.as_of:  # not yet answered on the day the data stand
                    status = "RECEIVED"
                done = status != "RECEIVED"
                said.append((
                    sgid, sid, street.path, member, content, category, rng.choice(HANDLERS),
                    status, REPLIES.get(status), reply_on if done else None,
                    answerer if done else None,
                ))  # fmt: skip
        return meetings, attendees, said
