"""Check-ins and twelve months of volunteer service (在职党员到社区报到, 三提三知)."""

import datetime as dt
import random
from collections.abc import Iterator

from datagen.anchors import ANCHOR_UNIT_FEEDS
from datagen.people import MEMBER_COLUMNS
from datagen.tree import Node, Tree
from datagen.writer import stored

CHECK_IN_COLUMNS = (
    "id",
    "member_id",
    "community_id",
    "community_path",
    "member_org_path",
    "employer_org_id",
    "grid_org_id",
    "reported_on",
    "status",
    "ended_on",
)
SERVICE_COLUMNS = (
    "id",
    "check_in_id",
    "member_id",
    "community_id",
    "community_path",
    "member_org_path",
    "method",
    "started_at",
    "ended_at",
    "minutes",
    "description",
    "status",
    "verified_by",
    "verified_at",
    "review_note",
)
TEAM_COLUMNS = ("id", "community_id", "community_path", "name", "leader_member_id")
POST_COLUMNS = ("id", "check_in_id", "team_id", "grid_org_id", "title", "started_on")

METHODS = ("KNOW_HOUSEHOLD", "KNOW_PERSON", "KNOW_MATTER")
WORK = {
    "KNOW_HOUSEHOLD": ("入户走访独居老人", "走访困难家庭", "登记流动人口信息", "上门宣传燃气安全"),
    "KNOW_PERSON": ("陪同残疾居民办事", "关爱留守儿童课后辅导", "为高龄老人代购药品"),
    "KNOW_MATTER": ("调解邻里纠纷", "收集居民意见建议", "排查楼道安全隐患", "垃圾分类宣传引导"),
}
NIGHT_PATROL = "夜间巡逻"
TEAM_KINDS = ("平安巡逻", "邻里互助", "文明实践", "环境整治")
MINUTES = (60, 90, 120, 120, 150, 180, 240)
MONTHS = 12
_I = {c: i for i, c in enumerate(MEMBER_COLUMNS)}


class CheckInPlanner:
    """Watches members as they are drawn, then plans check-ins and service for them."""

    def __init__(self, tree: Tree, rng: random.Random, as_of: dt.date) -> None:
        self.tree = tree
        self.rng = rng
        self.as_of = as_of
        self.residents: list[tuple] = []  # (member row, community node)
        self.locals: list[tuple] = []  # own community members who serve at home
        self.grids: dict[int, list[Node]] = {}
        self.by_id = {n.id: n for n in tree.nodes}
        for n in tree.nodes:
            if n.branch_kind == "GRID" and n.parent is not None:
                self.grids.setdefault(n.parent.id, []).append(n)
        self.feeds = f"中共{ANCHOR_UNIT_FEEDS[0]}党委"

    def observe(self, row: tuple, branch: Node) -> None:
        residential = row[_I["residential_org_id"]]
        if residential is not None:
            self.residents.append((row, self.by_id[residential]))
        elif (
            branch.level == "BRANCH"
            and branch.org_type == "COMMUNITY"
            and branch.parent
            and branch.parent.level == "COMMUNITY"
            and self.rng.random() < 0.3
        ):
            self.locals.append((row, branch.parent))

    def check_ins(self, named: set[int]) -> list[tuple]:
        """About two in three residents report (a third of in-service members); the story's
        named residents always do."""
        rng, rows = self.rng, list[tuple]()
        for row, community in self.residents:
            member_id = row[_I["id"]]
            anchored = community.name == self.feeds or member_id in named
            if not anchored and rng.random() >= 2 / 3:
                continue
            grids = self.grids.get(community.id)
            grid = rng.choice(grids).id if grids else None
            reported = self.as_of - dt.timedelta(days=rng.randrange(60, 900))
            ended = rng.random() < 0.04 and not anchored
            rows.append(
                (
                    len(rows) + 1,
                    member_id,
                    community.id,
                    community.path,
                    row[_I["org_path"]],
                    row[_I["employer_org_id"]] or row[_I["org_id"]],
                    grid,
                    reported,
                    "ENDED" if ended else "ACTIVE",
                    self.as_of - dt.timedelta(days=rng.randrange(1, 50)) if ended else None,
                )
            )
        return rows

    def services(
        self, check_ins: list[tuple], reviewers: dict[int, int], patrols: set[int]
    ) -> Iterator[tuple]:
        """Twelve months of records; `reviewers` maps community id → verifying account."""
        next_id = 1
        start = self.as_of - dt.timedelta(days=365)
        for ci in check_ins:
            cid, member_id, community_id, community_path, member_path = ci[:5]
            begin = max(start, ci[7])
            finish = ci[9] or self.as_of
            for day in self._days(begin, finish):
                yield self._record(
                    next_id,
                    cid,
                    member_id,
                    community_id,
                    community_path,
                    member_path,
                    day,
                    reviewers.get(community_id),
                    member_id in patrols,
                )
                next_id += 1
        for row, community in self.locals:
            for day in self._days(start, self.as_of, per_month=(0, 2)):
                yield self._record(
                    next_id,
                    None,
                    row[_I["id"]],
                    community.id,
                    community.path,
                    row[_I["org_path"]],
                    day,
                    reviewers.get(community.id),
                    False,
                )
                next_id += 1

    def _days(
        self, begin: dt.date, finish: dt.date, per_month: tuple[int, int] = (0, 5)
    ) -> list[dt.date]:
        span = (finish - begin).days
        if span <= 0:
            return []
        count = sum(self.rng.randint(*per_month) for _ in range(max(1, span // 30)))
        return sorted(begin + dt.timedelta(days=self.rng.randrange(span)) for _ in range(count))

    def _record(
        self,
        rid: int,
        cid: int | None,
        member_id: int,
        community_id: int,
        community_path: str,
        member_path: str,
        day: dt.date,
        reviewer: int | None,
        patrol: bool,
    ) -> tuple:
        rng = self.rng
        method = rng.choice(METHODS)
        if patrol:
            started = stored(day, dt.time(rng.choice((20, 21, 22))))
            description = NIGHT_PATROL
        else:
            started = stored(day, dt.time(rng.randint(8, 18), rng.choice((0, 30))))
            description = rng.choice(WORK[method])
        minutes = rng.choice(MINUTES)
        ended = started + dt.timedelta(minutes=minutes)
        if (self.as_of - day).days < 14:
            status, verified_at, reviewer = "PENDING", None, None
        else:
            status = "VERIFIED" if rng.random() < 0.95 else "REJECTED"
            verified_at = ended + dt.timedelta(days=rng.randint(1, 3))
        note = "记录与实际不符" if status == "REJECTED" else None
        return (
            rid,
            cid,
            member_id,
            community_id,
            community_path,
            member_path,
            method,
            started,
            ended,
            minutes,
            description,
            status,
            reviewer,
            verified_at,
            note,
        )

    def teams(self, leaders: dict[int, int]) -> list[tuple]:
        """One or two 红岩先锋 teams per community; `leaders` maps community id → member."""
        rows: list[tuple] = []
        for node in self.tree.nodes:
            if node.level != "COMMUNITY":
                continue
            short = node.name.removeprefix("中共").removesuffix("党委")
            for kind in self.rng.sample(TEAM_KINDS, self.rng.randint(1, 2)):
                rows.append(
                    (
                        len(rows) + 1,
                        node.id,
                        node.path,
                        f"{short}红岩先锋{kind}服务队",
                        leaders.get(node.id),
                    )
                )
        return rows

    def posts(self, check_ins: list[tuple], teams: list[tuple], named: set[int]) -> list[tuple]:
        """Grid volunteer posts (网格志愿者) for about one in ten checked-in members."""
        first_team: dict[int, int] = {}
        for team in teams:
            first_team.setdefault(team[1], team[0])
        rows: list[tuple] = []
        for ci in check_ins:
            if ci[8] == "ACTIVE" and ci[6] and (ci[1] in named or self.rng.random() < 0.1):
                rows.append(
                    (
                        len(rows) + 1,
                        ci[0],
                        first_team.get(ci[2]),
                        ci[6],
                        "网格志愿者",
                        ci[7] + dt.timedelta(days=self.rng.randrange(1, 30)),
                    )
                )
        return rows
