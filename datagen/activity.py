"""Twelve months of organisational life (三会一课, 主题党日, community activities), with the
gaps real branches leave: some skip months, some never hold a 党课. The story's places: 浒溪社区's
activities with its checked-in members, and 青年塘社区网格第一党支部's monthly 主题党日 (where
程振国 delivers study to 石忠, who is away on approved leave)."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.people import MEMBER_COLUMNS
from datagen.tree import Node, Tree
from datagen.writer import stored
from domain.calendar import add_months

ACTIVITY_COLUMNS = (
    "id", "org_id", "org_path", "kind", "title", "place", "starts_at", "ends_at",
    "sign_up_opens_at", "sign_up_closes_at", "capacity", "signed_up", "audience",
    "include_checked_in", "state", "version", "created_by", "published_at", "held_at",
    "recorded_at", "cancelled_at", "cancel_reason", "minutes", "resolutions", "photos",
    "lecturer_member_id", "by_secretary", "code_secret", "code_counter",
)  # fmt: skip
PARTICIPANT_COLUMNS = (
    "id", "activity_id", "member_id", "org_path", "status", "signed_up_at", "signed_in_at",
    "leave_reason", "decided_by", "decision_note",
)  # fmt: skip
THEME_TOPICS = (
    "学习贯彻党的二十届四中全会精神", "重温入党誓词", "红岩精神专题学习", "清洁家园志愿服务",
    "走访慰问困难党员", "学习《中国共产党章程》", "参观江津聂荣臻元帅陈列馆", "廉洁文化进社区",
    "防汛安全知识学习", "垃圾分类宣传实践", "关爱留守儿童", "党史学习教育",
)  # fmt: skip
LECTURE_TOPICS = ("新时代党的组织路线", "全面从严治党永远在路上", "基层治理中的党员先锋作用")
COMMUNITY_WORK = ("邻里守望志愿服务", "政策宣讲进小区", "文明实践集中服务日", "环境整治行动")
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}
QNT_GRID1 = "中共青年塘社区网格第一党支部"
HUXI = "中共浒溪社区党委"
AWAY = "石忠"
LEAVE_REASON, LEAVE_NOTE = (
    "在外务工，申请请假",
    "同意，安排结对送学",
)  # floating (outflow): on approved leave, study delivered one-on-one


class ActivityPlanner:
    """Watches members as they are drawn (secretaries; the story's people), then plans the
    activities and the story's participants."""

    def __init__(self, tree: Tree, as_of: dt.date, seed: int) -> None:
        self.tree = tree
        self.as_of = as_of
        self.rng = random.Random(seed)  # its own: the other planners' draws stay as they were
        self.secretaries: dict[int, int] = {}  # branch id → member id
        self.branch_members: dict[int, list[tuple[int, str]]] = {}  # story branches only
        self.groups: set[int] = {n.parent.id for n in tree.nodes if n.level == "GROUP" and n.parent}
        huxi = tree.by_name.get(HUXI)
        self.story = {n.id for n in tree.nodes if n.name == QNT_GRID1 or n.parent is huxi}
        first = self.as_of.replace(day=1)
        self.months = [add_months(first, -i) for i in range(12, -1, -1)]  # 13: this month too
        self.activities: list[tuple] = []

    def observe(self, row: tuple, branch: Node) -> None:
        if row[_I["party_post"]] == "SECRETARY":
            self.secretaries.setdefault(branch.id, row[_I["id"]])
        if branch.id in self.story:
            self.branch_members.setdefault(branch.id, []).append((row[_I["id"]], row[_I["name"]]))

    def _add(
        self,
        node: Node,
        kind: str,
        title: str,
        day: dt.date,
        hour: int,
        *,
        reliable: bool = False,
        lecturer: int | None = None,
        include_checked_in: bool = False,
        capacity: int | None = None,
    ) -> tuple:
        rng = self.rng
        starts = stored(day, dt.time(hour, 30 if hour < 12 else 0))
        ends = starts + dt.timedelta(hours=2)
        published = starts - dt.timedelta(days=rng.randint(5, 10))
        state, held, recorded, cancelled, reason, minutes = (
            "PUBLISHED",
            None,
            None,
            None,
            None,
            None,
        )
        if day < self.as_of:
            roll = rng.random()
            if roll < 0.02 and not reliable:
                state, cancelled, reason = "CANCELLED", published + dt.timedelta(days=2), "因故改期"
            elif roll < 0.12 and not reliable:
                state, held = "HELD", ends
            else:
                state, held, recorded = "RECORDED", ends, ends + dt.timedelta(days=1)
                minutes = f"{title}。应到党员按时参加，会议议程完成。"
        short = node.name.removeprefix("中共")
        row = (
            len(self.activities) + 1, node.id, node.path, kind, title, f"{short}党员活动室",
            starts, ends, None, None, capacity, 0,
            "SUBTREE" if node.level != "BRANCH" else "MEMBERS", include_checked_in, state,
            2 if recorded else 1, None, published, held, recorded, cancelled, reason, minutes,
            None, None, lecturer, lecturer is not None and lecturer == self.secretaries[node.id],
            f"{rng.getrandbits(128):032x}", 0,
        )  # fmt: skip
        self.activities.append(row)
        return row

    def branch_life(self, node: Node) -> None:
        """三会一课 of one branch over the months: a branch is diligent, patchy or lax, and one
        in ten never holds a 党课."""
        rng = self.rng
        story = node.name == QNT_GRID1
        keep = 1.0 if story else rng.choice((0.98, 0.98, 0.98, 0.97, 0.9, 0.85, 0.85, 0.5))
        lectures = story or rng.random() >= 0.1
        theme_day = 15 if story else rng.randint(5, 25)  # 主题党日 on a fixed day
        committee = node.size >= 7
        secretary = self.secretaries.get(node.id)
        for month in self.months:
            ym = f"{month.month}月"
            if rng.random() < keep:
                topic = THEME_TOPICS[month.month - 1]
                self._add(
                    node, "THEME_DAY", f"{ym}主题党日：{topic}", month.replace(day=theme_day), 14,
                    reliable=story,
                )  # fmt: skip
            if month.replace(day=28) >= self.as_of:
                continue  # this month: only its 主题党日 may lie ahead
            if committee and rng.random() < keep:
                self._add(node, "COMMITTEE_MEETING", f"{ym}支委会", month.replace(day=3), 9)
            if node.id in self.groups and rng.random() < keep:
                self._add(node, "GROUP_MEETING", f"{ym}党小组学习会", month.replace(day=8), 19)
            if month.month % 3 == 0 and rng.random() < keep:
                quarter = f"{month.year}年第{month.month // 3}季度"
                self._add(
                    node, "GENERAL_MEETING", f"{quarter}支部党员大会", month.replace(day=20), 9
                )
            if lectures and month.month in (5, 11) and rng.random() < keep:
                by_secretary = month.month == 5 or rng.random() < 0.3
                lecturer = secretary if by_secretary else None
                topic = LECTURE_TOPICS[month.month % len(LECTURE_TOPICS)]
                self._add(
                    node, "PARTY_LECTURE", f"党课：{topic}", month.replace(day=18), 15,
                    lecturer=lecturer,
                )  # fmt: skip
            if month.month == 1 and rng.random() < keep:
                year = month.year - 1
                self._add(node, "LIFE_MEETING", f"{year}年度组织生活会", month.replace(day=22), 9)
                self._add(node, "APPRAISAL", f"{year}年度民主评议党员", month.replace(day=23), 9)

    def community_life(self, node: Node) -> None:
        """A community's own activities for its members and those checked in there."""
        rng = self.rng
        for month in self.months:
            if rng.random() < 0.5:
                work = rng.choice(COMMUNITY_WORK)
                day = month.replace(day=rng.randint(1, 27))
                self._add(
                    node, "VOLUNTEER", f"{month.month}月{work}", day, 9, include_checked_in=True
                )

    def plan(self) -> list[tuple]:
        for node in self.tree.nodes:
            if node.level == "BRANCH":
                self.branch_life(node)
            elif node.level == "COMMUNITY" and node.name != HUXI:
                self.community_life(node)
        return self.activities

    def huxi_life(self, checked_in: list[int]) -> list[tuple]:
        """浒溪社区's monthly activities "on one screen" with check-ins and dues: a 党课 or a
        volunteer day each month for its own and its checked-in members (58), and one ahead
        with places and sign-up open."""
        huxi = self.tree.by_name[HUXI]
        rows = []
        for i, month in enumerate(self.months):
            kind, title = (
                ("PARTY_LECTURE", f"{month.month}月社区大党课")
                if i % 3 == 0
                else ("VOLUNTEER", f"{month.month}月“双报到”党员志愿服务日")
            )
            rows.append(
                self._add(huxi, kind, title, month.replace(day=12), 9, reliable=True,
                          include_checked_in=True, capacity=80)
            )  # fmt: skip
        ahead = self.as_of + dt.timedelta(days=10)
        self._add(huxi, "VOLUNTEER", "浒溪社区“红岩先锋”冬季关爱行动", ahead, 9,
                  include_checked_in=True, capacity=60)  # fmt: skip
        own = [m for n in self.tree.nodes if n.parent is huxi
               for m, _ in self.branch_members.get(n.id, [])]  # fmt: skip
        return self._participants(rows, checked_in + own, away=set(), everyone=False)

    def grid_theme_days(self) -> list[tuple]:
        """Every 主题党日 of 青年塘社区网格第一党支部: all its members signed in, but 石忠, away
        (流动党员) on approved leave."""
        grid = self.tree.by_name[QNT_GRID1]
        rows = [r for r in self.activities if r[1] == grid.id and r[3] == "THEME_DAY"]
        members = self.branch_members.get(grid.id, [])
        away = {m for m, name in members if name == AWAY}
        return self._participants(rows, [m for m, _ in members], away, everyone=True)

    def _participants(
        self, rows: list[tuple], members: list[int], away: set[int], everyone: bool
    ) -> list[tuple]:
        """Sign-ups and sign-ins of the activities `rows` that have taken place."""
        out: list[tuple] = []
        rng = self.rng
        for row in rows:
            aid, path, starts, capacity, state = row[0], row[2], row[6], row[10], row[14]
            if state == "CANCELLED" or starts.date() >= self.as_of:
                continue
            came = rng.sample(members, min(len(members), capacity)) if capacity else members
            signed = 0
            for member in came:
                if member in away:
                    leave = ("LEAVE_APPROVED", None, None, LEAVE_REASON, None, LEAVE_NOTE)
                    out.append((aid, member, path, *leave))
                    continue
                signed_up = starts - dt.timedelta(days=rng.randint(1, 4))
                present = state in ("HELD", "RECORDED") and (everyone or rng.random() < 0.9)
                signed_in = starts + dt.timedelta(minutes=rng.randint(-20, 10)) if present else None
                out.append((aid, member, path, "SIGNED_UP", signed_up, signed_in, None, None, None))
                signed += 1
            self.activities[aid - 1] = (*self.activities[aid - 1][:11], signed,
                                        *self.activities[aid - 1][12:])  # fmt: skip
        return out

    @staticmethod
    def numbered(parts: list[tuple]) -> Iterator[tuple]:
        for i, p in enumerate(parts, start=1):
            yield (i, *p)
