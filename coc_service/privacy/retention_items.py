"""Running retention rows item by item, one transaction each, and the report of a pass.

An item is what one action touches: an order's documents, an order, an account, the audit log.
Its action and its audit event commit together; an exception rolls back that item alone and is
recorded (audit event ``retention.<row>.failed`` with the error's type, the report's `failed`),
so the next pass tries it again while this one goes on with the rest.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from coc_service.db.orders import Document, Order
from coc_service.errors import CocError
from coc_service.privacy import audit
from coc_service.privacy.policy import RetentionPolicy, RetentionRule

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

log = logging.getLogger(__name__)

SYSTEM_ROLE = "system"


@dataclass
class RowOutcome:
    """What one policy row did (or would do): how many objects, their ids, and what failed."""

    key: str
    action: str
    keep_for: str
    ids: list[str] = field(default_factory=list)
    count: int = 0
    failed: list[str] = field(default_factory=list)


class RetentionIncomplete(CocError):
    """A retention pass committed what it could; these items failed and wait for the next."""

    def __init__(self, failed: dict[str, list[str]]) -> None:
        count = sum(len(ids) for ids in failed.values())
        super().__init__(f"retention: {count} item(s) failed in rows {', '.join(sorted(failed))}; "
                         "each was rolled back and is retried by the next pass")
        self.failed = failed


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def failed(self) -> dict[str, list[str]]:
        """Return the ids whose action failed (rolled back, retried next pass), by row."""
        return {row.key: row.failed for row in self.rows if row.failed}

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "dry_run": self.dry_run,
                "counts": {row.key: row.count for row in self.rows}, "failed": self.failed}


class ItemPass:
    """A retention pass at `now` that acts item by item (the rows are its subclass's methods).

    A real pass gives each item (an order, an account, the audit log) a transaction of its
    own: its action and audit event commit together, and a failure rolls back that item only,
    is recorded, and leaves the others to go on. A dry run only lists the items.
    """

    def __init__(self, session: Session, runtime: Runtime, policy: RetentionPolicy,
                 now: datetime, dry_run: bool) -> None:
        self.session, self.runtime, self.policy = session, runtime, policy
        self.now, self.dry_run = now, dry_run

    def outcome(self, rule: RetentionRule) -> RowOutcome:
        return RowOutcome(rule.key, rule.action.value, str(rule.keep_for))

    def audit(self, rule: RetentionRule, object_type: str, object_id: str | None,
              details: dict[str, Any] | None = None) -> None:
        audit.record(self.session, actor_id=None, actor_role=SYSTEM_ROLE,
                     action=f"retention.{rule.key}", object_type=object_type,
                     object_id=object_id, reason=f"retention policy {rule.key} ({rule.keep_for})",
                     details=details)

    def item(self, rule: RetentionRule, result: RowOutcome, object_type: str,
             object_id: str | None, act: Callable[..., list[str]], *args: Any) -> None:
        """Apply one item's action (it returns the ids it acted on) in its own transaction."""
        try:
            ids = act(*args)
            self.session.commit()
        except Exception as exc:  # recorded below; the other items go on
            self.session.rollback()
            self.failure(rule, result, object_type, object_id, exc)
            return
        result.ids.extend(ids)

    def failure(self, rule: RetentionRule, result: RowOutcome, object_type: str,
                object_id: str | None, exc: Exception) -> None:
        # the error's type only: messages may quote paths, keys or values
        error = type(exc).__name__
        log.warning("retention action failed", extra={
            "row": rule.key, "object_type": object_type, "object_id": object_id,
            "error": error})
        audit.record(self.session, actor_id=None, actor_role=SYSTEM_ROLE,
                     action=f"retention.{rule.key}.failed", object_type=object_type,
                     object_id=object_id, reason=f"retention policy {rule.key}: action failed, "
                     "rolled back, retried next pass", details={"error": error})
        self.session.commit()
        result.failed.append(object_id or object_type)

    def per_order(self, rule: RetentionRule, documents: Iterable[Document],
                  act: Callable[[Order, list[Document]], list[str]]) -> RowOutcome:
        """Group documents by order, act on each group (unless dry run); count documents."""
        result = self.outcome(rule)
        groups: dict[str, list[Document]] = defaultdict(list)
        for document in documents:
            groups[document.order_id].append(document)
        for order_id, group in groups.items():
            if self.dry_run:
                result.ids.extend(d.id for d in group)
            else:
                self.item(rule, result, "order", order_id, self._act_on_group, rule, act,
                          order_id, group)
        result.count = len(result.ids)
        return result

    def _act_on_group(self, rule: RetentionRule,
                      act: Callable[[Order, list[Document]], list[str]], order_id: str,
                      group: list[Document]) -> list[str]:
        ids = act(group[0].order, group)
        if ids:
            self.audit(rule, "order", order_id, {"documents": ids})
        return ids

    def each(self, rule: RetentionRule, result: RowOutcome, object_type: str,
             objects: Iterable[Any], act: Callable[[RetentionRule, Any], None]) -> RowOutcome:
        """Act on each object (an item each) or, in a dry run, only list it; count them."""
        for obj in objects:
            if self.dry_run:
                result.ids.append(obj.id)
            else:
                self.item(rule, result, object_type, obj.id, self._act_on_one, rule, act, obj)
        result.count = len(result.ids)
        return result

    @staticmethod
    def _act_on_one(rule: RetentionRule, act: Callable[[RetentionRule, Any], None],
                    obj: Any) -> list[str]:
        object_id = str(obj.id)  # read before acting: a purged row is gone afterwards
        act(rule, obj)
        return [object_id]
