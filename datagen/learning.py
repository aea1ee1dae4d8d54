"""A year of study (学习培训): resources the city and districts publish, members' online
sessions with a realistic spread (most meet their target, some fall far below), 石忠's
pairing with 程振国 and a delivery at each of the last six 主题党日 of 青年塘社区网格第一党支部,
and 李家沱街道's yearly training of village and community committees."""

import datetime as dt
import random

from datagen.activity import AWAY, QNT_GRID1
from datagen.people import MEMBER_COLUMNS
from datagen.tree import Tree
from datagen.writer import stored
from domain.learning import MEMBER_TARGET, OFFICER_TARGET

RESOURCE_COLUMNS = (
    "id", "org_id", "org_path", "kind", "category", "title", "minutes", "published_at",
    "created_by",
)  # fmt: skip
SESSION_COLUMNS = (
    "id", "member_id", "org_path", "resource_id", "session_key", "started_at", "ended_at",
    "completed", "credited_minutes", "reported_at",
)  # fmt: skip
PAIRING_COLUMNS = (
    "id", "member_id", "org_path", "deliverer_id", "reason", "started_on", "created_by",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "id", "pairing_id", "member_id", "org_path", "deliverer_id", "delivered_on", "content",
    "online", "minutes", "feedback", "recorded_by",
)  # fmt: skip
CLASS_COLUMNS = (
    "id", "org_id", "org_path", "title", "topics", "starts_on", "ends_on", "minutes", "created_by",
)  # fmt: skip
ENROLMENT_COLUMNS = (
    "id", "class_id", "member_id", "org_path", "member_org_path", "enrolled_at",
    "credited_minutes",
)  # fmt: skip
CITY_RESOURCES = (  # the city's network courses credit up to 20 class hours each
    ("COURSE", "理论学习", "习近平新时代中国特色社会主义思想专题网络课程", 1200),
    ("COURSE", "理论学习", "学习贯彻党的二十届四中全会精神网络专题班", 720),
    ("VIDEO", "党史学习", "红岩精神永放光芒", 90),
    ("ARTICLE", "党章党规", "《中国共产党纪律处分条例》逐条解读", 60),
    ("COURSE", "党章党规", "《中国共产党章程》学习专题", 600),
    ("VIDEO", "先锋模范", "重庆市优秀共产党员事迹展播", 120),
    ("COURSE", "基层治理", "党建引领基层治理的重庆实践", 600),
    ("COURSE", "党史学习", "中国共产党重庆历史专题课程", 480),
    ("COURSE", "形势政策", "成渝地区双城经济圈建设专题课程", 480),
    ("ARTICLE", "形势政策", "成渝地区双城经济圈建设政策解读", 45),
)  # fmt: skip
DISTRICT_RESOURCES = (
    ("COURSE", "基层治理", "{d}网格化治理工作方法", 360),
    ("VIDEO", "乡村振兴", "{d}乡村振兴示范点巡礼", 60),
)  # fmt: skip
FEEDBACK = (
    "通过视频学习了本次主题党日内容，收获很大，在外务工也能跟上支部学习。",
    "感谢程书记每月送学上门，已认真学习并撰写心得体会。",
    "学习了会议精神，对基层治理有了新的认识，争取年底回渝参加组织生活。",
    "内容通俗易懂，工地网络不好，程书记耐心重复讲解，很受感动。",
    "已按要求完成学习，向支部汇报近期思想和工作情况。",
    "希望支部继续通过线上方式送学，按时交纳党费，不脱离组织。",
)
TRAINING_TOPICS = ("党务基础", "基层治理", "乡村振兴")
LIJIATUO = "中共李家沱街道党工委"
OFFICERS = ("SECRETARY", "DEPUTY_SECRETARY", "COMMITTEE_MEMBER")
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}
SESSION_MINUTES = (120, 480)  # an evening's or a weekend afternoon's session


class LearningPlanner:
    """Draws study as members are written (one pass, bulk rows), with its own generator."""

    def __init__(self, tree: Tree, as_of: dt.date, seed: int) -> None:
        self.tree = tree
        self.as_of = as_of
        self.rng = random.Random(seed)
        self.resources: list[tuple] = []
        self.sessions: list[tuple] = []  # drawn since the last `take`
        self.next_session = 1
        self.officers: list[tuple[int, str]] = []  # of 李家沱街道's subtree
        self.grid: dict[str, int] = {}  # name → member id in 青年塘社区网格第一党支部
        self._published()
        self.street = tree.by_name.get(LIJIATUO)

    def _published(self) -> None:
        """The city's library and two resources of each district, published a year back."""
        start = stored(self.as_of - dt.timedelta(days=400), dt.time(9))
        for node in self.tree.nodes:
            items: tuple[tuple[str, str, str, int], ...]
            if node.level == "CITY":
                items = CITY_RESOURCES
            elif node.level == "DISTRICT":
                short = node.name.removeprefix("中共重庆市").removesuffix("委员会")
                items = tuple((k, c, t.format(d=short), m) for k, c, t, m in DISTRICT_RESOURCES)
            else:
                continue
            for kind, category, title, minutes in items:
                rid = len(self.resources) + 1
                row = (rid, node.id, node.path, kind, category, title, minutes, start, None)
                self.resources.append(row)
        self.library: dict[str, list[tuple]] = {}  # publisher's path → its resources
        for r in self.resources:
            self.library.setdefault(r[2], []).append(r)
        self.city = self.library[self.tree.nodes[0].path]

    def observe(self, row: tuple) -> None:
        """One member's year of online study: most meet their target, a quarter fall short,
        one in ten far below; evening sessions on distinct days (no overlaps)."""
        if row[_I["status"]] not in ("FULL", "PROBATIONARY"):
            return
        member, path, post = row[_I["id"]], row[_I["org_path"]], row[_I["party_post"]]
        if self.street is not None and path.startswith(self.street.path) and post in OFFICERS:
            self.officers.append((member, path))
        if row[_I["name"]] in ("石忠", "程振国"):
            self.grid.setdefault(row[_I["name"]], member)
        rng = self.rng
        target = OFFICER_TARGET if post in OFFICERS else MEMBER_TARGET
        roll = rng.random()
        share = rng.uniform(0.0, 0.4) if roll < 0.1 else rng.uniform(0.5, 1.0)
        if roll >= 0.35:
            share = rng.uniform(1.0, 1.4)
        left = int(target * share)
        spent: dict[int, int] = {}
        district = "/".join(path.split("/")[:3]) + "/"  # the city's path, then the district's
        offered = self.city + self.library.get(district, [])
        days = rng.sample(range(1, 365), k=min(364, left // SESSION_MINUTES[0] + 1))
        for day in sorted(days):
            if left <= 0:
                break
            res = rng.choice(offered)
            room = res[6] - spent.get(res[0], 0)
            if room <= 0:
                continue
            minutes = min(left, room, rng.randint(*SESSION_MINUTES))
            spent[res[0]] = spent.get(res[0], 0) + minutes
            left -= minutes
            started = stored(self.as_of - dt.timedelta(days=day), dt.time(19, 30))
            ended = started + dt.timedelta(minutes=minutes)
            sid = self.next_session
            self.next_session += 1
            self.sessions.append(
                (sid, member, path, res[0], f"seed-{sid:010d}", started, ended,
                 minutes == room, minutes, ended + dt.timedelta(minutes=1))
            )  # fmt: skip

    def take(self) -> list[tuple]:
        """The sessions drawn since the last call (written with each chunk of members)."""
        out, self.sessions = self.sessions, []
        return out

    def delivery(self, theme_days: list[tuple]) -> tuple[list[tuple], list[tuple]]:
        """石忠's pairing with 程振国 and a delivery at each of the last six 主题党日 held by
        青年塘社区网格第一党支部 (`theme_days`: activity rows)."""
        grid = self.tree.by_name.get(QNT_GRID1)
        away, secretary = self.grid.get(AWAY), self.grid.get("程振国")
        if grid is None or away is None or secretary is None:
            return [], []
        held = sorted(
            (r for r in theme_days if r[1] == grid.id and r[3] == "THEME_DAY" and r[14] in
             ("HELD", "RECORDED")),
            key=lambda r: r[6],
        )[-6:]  # fmt: skip
        if not held:
            return [], []
        first = held[0][6].date()
        pairing = (1, away, grid.path, secretary, "在外务工（新疆乌鲁木齐），无法参加支部活动",
                   first - dt.timedelta(days=7), None)  # fmt: skip
        deliveries = [
            (i, 1, away, grid.path, secretary, r[6].date(), r[4].split("：", 1)[-1], True, 120,
             FEEDBACK[(i - 1) % len(FEEDBACK)], None)
            for i, r in enumerate(held, start=1)
        ]  # fmt: skip
        return [pairing], deliveries

    def training(self) -> tuple[list[tuple], list[tuple]]:
        """李家沱街道's yearly class for the committees of its communities: three days in
        September, most attend all of it, a few part."""
        if self.street is None:
            return [], []
        year = (
            self.as_of.year
            if self.as_of >= dt.date(self.as_of.year, 9, 20)
            else (self.as_of.year - 1)
        )
        starts = dt.date(year, 9, 16)
        title = f"{year}年李家沱街道村（社区）“两委”成员培训班"
        ends = starts + dt.timedelta(days=2)
        topics = "\n".join(TRAINING_TOPICS)
        klass = (1, self.street.id, self.street.path, title, topics, starts, ends, 1440, None)
        enrolled = stored(starts - dt.timedelta(days=10), dt.time(9))
        rows = [
            (i, 1, m, self.street.path, path, enrolled,
             1440 if self.rng.random() < 0.85 else self.rng.choice((480, 960)))
            for i, (m, path) in enumerate(self.officers, start=1)
        ]  # fmt: skip
        return [klass], rows
