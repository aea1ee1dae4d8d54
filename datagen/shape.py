"""The shape of the tree per scale, with the real places of the Chongqing story as anchors."""

import random
from dataclasses import dataclass, replace

from datagen.anchors import (
    ANCHOR_BRANCHES,
    ANCHOR_UNIT,
    ANCHOR_UNIT_BRANCHES,
    ANCHOR_UNIT_DISTRICT,
    ANCHOR_UNIT_FEEDS,
)
from datagen.names import BASE_UNITS, DISTRICTS, PLACE_HEADS, PLACE_TAILS
from datagen.tree import District, Node, Tree

CITY_NAME = "中共重庆市委"


@dataclass(frozen=True)
class Scale:
    """How many of each kind of org to draw (chongqing: the city's published figures)."""

    districts: tuple[str, ...]  # district names to build; empty = all 38
    streets: int  # street-level units in all (街道)
    townships: int  # town / township units in all (镇, 乡, 民族乡)
    communities_per_street: tuple[int, int]
    villages_per_township: tuple[int, int]
    communities_per_township: tuple[int, int]
    units_per_district: tuple[int, int]
    community_branches: tuple[int, int]
    village_branches: tuple[int, int]
    branch_mean: float  # mean members per branch beyond the minimum of 3

    def times(self, factor: float) -> "Scale":
        """The same city with `factor` times the streets, townships and units (their
        communities, villages and branches, so members, follow): the scale curve's 0.1× and
        10×. Districts stay the real 38, so a district grows with the factor."""
        if factor == 1:
            return self
        lo, hi = self.units_per_district
        return replace(
            self,
            streets=max(1, round(self.streets * factor)),
            townships=max(1, round(self.townships * factor)),
            units_per_district=(max(1, round(lo * factor)), max(1, round(hi * factor))),
        )


SCALES = {
    "demo": Scale(
        ("江津区", "巴南区", "渝中区"), 6, 3, (4, 5), (4, 5), (0, 1), (5, 6), (2, 4), (1, 3), 6.0
    ),
    "chongqing": Scale((), 245, 786, (6, 14), (6, 14), (0, 2), (95, 130), (3, 6), (2, 4), 5.9),
}

# Real places of the story, kept at every scale: district → [(township, level, communities)]
ANCHORS: dict[str, list[tuple[str, str, list[tuple[str, str]]]]] = {
    "江津区": [
        ("圣泉街道", "STREET", [("浒溪社区", "COMMUNITY"), ("鼎山社区", "COMMUNITY")]),
        ("几江街道", "STREET", [("大西门社区", "COMMUNITY"), ("艾坪山社区", "COMMUNITY")]),
    ],
    "巴南区": [
        ("南彭街道", "STREET", [("鸳鸯村", "VILLAGE"), ("南彭社区", "COMMUNITY")]),
        ("李家沱街道", "STREET", [("青年塘社区", "COMMUNITY"), ("马王坪社区", "COMMUNITY")]),
    ],
}
LEVEL_SUFFIX = {"STREET": "党工委", "TOWNSHIP": "党委", "COMMUNITY": "党委", "VILLAGE": "党委"}
ORDINALS = "一二三四五六七八九十"


class ShapeBuilder:
    """Builds the tree for one scale; branch sizes are drawn here, members later."""

    def __init__(self, scale: Scale, rng: random.Random) -> None:
        self.scale = scale
        self.rng = rng
        self.tree = Tree(rng)
        self.communities: dict[str, list[Node]] = {}

    def place_name(self, suffix: str) -> str:
        return self.rng.choice(PLACE_HEADS) + self.rng.choice(PLACE_TAILS) + suffix

    def build(self) -> Tree:
        rng, scale = self.rng, self.scale
        city = self.tree.add(
            None, CITY_NAME, "CITY", "ORGAN", district=District("重庆市", "500000", "city")
        )
        wanted = [d for d in DISTRICTS if not scale.districts or d[0] in scale.districts]
        districts = [District(*d) for d in wanted]
        weights = [5 if d.kind == "urban" else 1 for d in districts]
        streets = _allocate(rng, districts, weights, scale.streets)
        towns = _allocate(rng, districts, [6 - w for w in weights], scale.townships)
        for d in districts:
            committee = self.tree.add(
                city, f"中共重庆市{d.name}委员会", "DISTRICT", "ORGAN", district=d, place=d.name
            )
            self.communities[d.name] = []
            for name, level, communities in ANCHORS.get(d.name, []):
                self.township(committee, name, level, [c for c in communities])
            for _ in range(streets[d]):
                self.township(committee, self.place_name("街道"), "STREET", [])
            for _ in range(towns[d]):
                suffix = "乡" if rng.random() < 0.2 else "镇"
                self.township(committee, self.place_name(suffix), "TOWNSHIP", [])
            if d.name == ANCHOR_UNIT_DISTRICT:
                self.anchor_unit(committee)
            self.units(committee)
        return self.tree

    def township(
        self, district: Node, name: str, level: str, anchored: list[tuple[str, str]]
    ) -> None:
        rng, scale = self.rng, self.scale
        org_type = "COMMUNITY" if level == "STREET" else "RURAL"
        t = self.tree.add(district, f"中共{name}{LEVEL_SUFFIX[level]}", level, org_type, place=name)
        self.branch(t, f"{name}机关党支部", "ORGAN", unit=t)
        kids = list(anchored)
        if level == "STREET":
            kids += [
                (self.place_name("社区"), "COMMUNITY")
                for _ in range(rng.randint(*scale.communities_per_street))
            ]
        else:
            kids += [
                (self.place_name("村"), "VILLAGE")
                for _ in range(rng.randint(*scale.villages_per_township))
            ]
            kids += [
                (self.place_name("社区"), "COMMUNITY")
                for _ in range(rng.randint(*scale.communities_per_township))
            ]
        for cname, clevel in kids:
            self.community(t, cname, clevel)

    def community(self, township: Node, name: str, level: str) -> None:
        rng = self.rng
        org_type = "COMMUNITY" if level == "COMMUNITY" else "RURAL"
        c = self.tree.add(
            township,
            f"中共{name}{LEVEL_SUFFIX[level]}",
            level,
            org_type,
            place=township.place + name,
        )
        if name in ANCHOR_BRANCHES:
            for bname, kind, size, people in ANCHOR_BRANCHES[name]:
                self.branch(c, bname, org_type, kind=kind, size=size).people = people
        if level == "COMMUNITY":
            self.communities[c.district.name].append(c)  # type: ignore[union-attr]
        if name in ANCHOR_BRANCHES:
            return
        if level == "COMMUNITY":
            for i in range(rng.randint(*self.scale.community_branches)):
                self.branch(c, f"{name}网格第{ORDINALS[i]}党支部", org_type, kind="GRID")
            if rng.random() < 0.1:
                self.branch(c, f"{name}流动党员党支部", org_type, kind="FLOATING")
        else:
            for i in range(rng.randint(*self.scale.village_branches)):
                self.branch(c, f"{name}第{ORDINALS[i]}党支部", org_type)

    def anchor_unit(self, district: Node) -> None:
        """江津区's organ committee: 欧丽 and 杜娟's branches, 58 residents of 浒溪社区."""
        unit = self.tree.add(district, f"中共{ANCHOR_UNIT}", "BASE_COMMITTEE", "ORGAN")
        unit.unit = unit
        feeds, count = ANCHOR_UNIT_FEEDS
        self.tree.by_name[f"中共{feeds}党委"].residents_wanted = count
        for name, size, people in ANCHOR_UNIT_BRANCHES:
            b = self.branch(unit, name, "ORGAN", size=size)
            b.unit = b
            b.people = people

    def units(self, district: Node) -> None:
        """Organs, enterprises, schools and institutions with their own committees."""
        rng = self.rng
        short = district.place.removesuffix("区").removesuffix("县")
        for _ in range(rng.randint(*self.scale.units_per_district)):
            org_type = rng.choices(list(BASE_UNITS), (30, 15, 25, 15, 10, 5))[0]
            unit_name = district.place + rng.choice(BASE_UNITS[org_type])
            if org_type in ("PRIVATE", "SOCIAL"):
                unit_name = short + self.place_name("") + rng.choice(BASE_UNITS[org_type])
            unit = self.tree.add(district, f"中共{unit_name}委员会", "BASE_COMMITTEE", org_type)
            unit.unit = unit
            for g in range(rng.choice((0, 0, 1, 2))):
                general = self.tree.add(
                    unit, f"中共{unit_name}第{ORDINALS[g]}总支部委员会", "GENERAL_BRANCH", org_type
                )
                for i in range(rng.randint(2, 4)):
                    self.branch(
                        general, f"{unit_name}第{ORDINALS[g]}总支第{ORDINALS[i]}党支部", org_type
                    )
            kind = "JOINT" if org_type == "PRIVATE" and rng.random() < 0.3 else None
            for i in range(rng.randint(2, 5)):
                self.branch(unit, f"{unit_name}第{ORDINALS[i]}党支部", org_type, kind=kind)

    def branch(
        self,
        parent: Node,
        name: str,
        org_type: str,
        *,
        kind: str | None = None,
        unit: Node | None = None,
        size: int | None = None,
    ) -> Node:
        """A branch of 3–50 members; with ≥20 members it is split into 2–3 groups."""
        rng = self.rng
        b = self.tree.add(
            parent,
            f"中共{name}" if not name.startswith("中共") else name,
            "BRANCH",
            org_type,
            branch_kind=kind or "REGULAR",
            unit=unit,
        )
        b.size = size or min(50, 3 + int(rng.expovariate(1 / self.scale.branch_mean)))
        if b.size >= 20:
            for i in range(rng.randint(2, 3)):
                self.tree.add(b, f"{name}第{ORDINALS[i]}党小组", "GROUP", org_type)
        return b


def _allocate(
    rng: random.Random, districts: list[District], weights: list[int], total: int
) -> dict[District, int]:
    """Spread `total` units over districts by weight, at least one each."""
    counts = dict.fromkeys(districts, 1)
    for d in rng.choices(districts, weights, k=max(0, total - len(districts))):
        counts[d] += 1
    return counts
