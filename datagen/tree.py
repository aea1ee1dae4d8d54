"""The org tree under construction: nodes with ids, paths and the facts members are drawn from."""

import datetime as dt
import random
from dataclasses import dataclass, field

from authz.paths import make_path
from domain.org import TERM_YEARS as TERMS

TERM_YEARS = {level.name: years for level, years in TERMS.items()}


@dataclass(frozen=True, slots=True)
class District:
    name: str
    area_code: str
    kind: str


@dataclass(slots=True, eq=False)
class Node:
    id: int
    parent: "Node | None"
    name: str
    level: str
    org_type: str
    branch_kind: str | None
    path: str
    depth: int
    district: District | None
    unit: "Node | None" = None
    place: str = ""
    size: int = 0
    people: list[dict] = field(default_factory=list)
    residents_wanted: int = 0


class Tree:
    """Nodes in id order; ids are assigned sequentially so the data set is reproducible."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: list[Node] = []
        self.by_name: dict[str, Node] = {}

    def add(
        self,
        parent: Node | None,
        name: str,
        level: str,
        org_type: str,
        *,
        branch_kind: str | None = None,
        district: District | None = None,
        unit: Node | None = None,
        place: str | None = None,
    ) -> Node:
        node_id = len(self.nodes) + 1
        node = Node(
            id=node_id,
            parent=parent,
            name=name,
            level=level,
            org_type=org_type,
            branch_kind=branch_kind,
            path=make_path(parent.path if parent else None, node_id),
            depth=parent.depth + 1 if parent else 0,
            district=district or (parent.district if parent else None),
            unit=unit or (parent.unit if parent else None),
            place=place if place is not None else (parent.place if parent else ""),
        )
        self.nodes.append(node)
        self.by_name.setdefault(name, node)
        return node

    def org_row(self, node: Node, as_of: dt.date) -> tuple:
        """The `organization` row of a node (column order of `ORG_COLUMNS`)."""
        rng = self.rng
        term = TERM_YEARS.get(node.level)
        established = as_of - dt.timedelta(days=rng.randrange(3 * 365, 60 * 365))
        last_election = None
        if term:
            # most bodies re-elected within their term; about one in twenty overdue
            span = term * 365 + (rng.randrange(30, 500) if rng.random() < 0.05 else 0)
            last_election = max(established, as_of - dt.timedelta(days=rng.randrange(span)))
        code = f"{node.district.area_code if node.district else '500000'}{node.id:08d}"
        return (
            node.id,
            node.parent.id if node.parent else None,
            code,
            node.name,
            node.level,
            node.org_type,
            node.branch_kind,
            node.path,
            node.depth,
            established,
            term,
            last_election,
        )


ORG_COLUMNS = (
    "id",
    "parent_id",
    "code",
    "name",
    "level",
    "org_type",
    "branch_kind",
    "path",
    "depth",
    "established_on",
    "term_years",
    "last_election_on",
)
