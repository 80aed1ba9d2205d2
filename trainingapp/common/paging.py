"""Pages of a list already in memory, shaped like Flask-SQLAlchemy's ``db.paginate`` result so
the same pagination macro renders them (``templates/manage/directory/_pagination.html``).

For lists that must be read whole anyway to be decided (who qualifies for a certificate is
counted over the whole course), while the page shows one slice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_sqlalchemy.pagination import Pagination


class ListPagination(Pagination):
    def __init__(self, items: Sequence[Any], *, page: int | None, per_page: int) -> None:
        super().__init__(
            page=page, per_page=per_page, max_per_page=per_page, error_out=False, items=items
        )

    def _query_items(self) -> list[Any]:
        items: Sequence[Any] = self._query_args["items"]
        start = (self.page - 1) * self.per_page
        return list(items[start : start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])
