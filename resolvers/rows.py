"""Named columns of result rows read by position: a Row attribute lookup costs about as much
as building a small object, and a page reads thousands of them."""

import operator
from typing import Any

from sqlalchemy import Row


class Columns:
    """`Columns("id", "name")(row)` is `(row.id, row.name)`, the positions found once per
    result (rows of one result share their metadata)."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self._parent: object = None
        self._get = operator.itemgetter(*range(len(names)))

    def __call__(self, row: Row) -> tuple[Any, ...]:
        parent = getattr(row, "_parent", None)
        if parent is None or parent is not self._parent:
            fields = row._fields
            self._get = operator.itemgetter(*(fields.index(n) for n in self.names))
            self._parent = parent
        return self._get(row)
