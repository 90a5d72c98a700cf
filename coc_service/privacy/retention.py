"""The retention job: one idempotent pass applying every row of the policy table.

`apply_retention` selects what each row's period has ended for at `now`, acts on it (or only
reports it, with `dry_run`) and records one audit event per object touched. Everything it does
marks its rows (erased_at, reduced_at, restricted, status erased, deleted), so a second pass at
the same moment finds nothing left to do. The caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from coc_service.db.accounts import AccountStatus, ApiToken, Customer, Role, User
from coc_service.db.orders import Document, Order, OrderTransition
from coc_service.orders.lifecycle import FINAL, OrderStatus
from coc_service.privacy import audit
from coc_service.privacy.accounts import anonymise_customer, anonymise_user, open_orders
from coc_service.privacy.erasure import (
    SCAN_KINDS,
    archive_closed_order,
    erase_documents,
    purge_order,
    reduce_order_data,
)
from coc_service.privacy.policy import RetentionPolicy, RetentionRule, load_policy

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

_FINAL = tuple(s.value for s in FINAL)
SYSTEM_ROLE = "system"


@dataclass
class RowOutcome:
    """What one policy row did (or would do): how many objects, and their ids."""

    key: str
    action: str
    keep_for: str
    ids: list[str] = field(default_factory=list)
    count: int = 0


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {"now": self.now.isoformat(), "dry_run": self.dry_run,
                "counts": {row.key: row.count for row in self.rows}}


class _Pass:
    """One pass of the policy at `now`: each method applies one row."""

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

    def per_order(self, rule: RetentionRule, documents: Iterable[Document],
                  act: Callable[[Order, list[Document]], list[str]]) -> RowOutcome:
        """Group documents by order, act on each group (unless dry run); count documents."""
        result = self.outcome(rule)
        groups: dict[str, list[Document]] = defaultdict(list)
        for document in documents:
            groups[document.order_id].append(document)
        for order_id, group in groups.items():
            ids = [d.id for d in group]
            if not self.dry_run:
                ids = act(group[0].order, group)
                if ids:
                    self.audit(rule, "order", order_id, {"documents": ids})
            result.ids.extend(ids)
        result.count = len(result.ids)
        return result

    # -- rows ------------------------------------------------------------------------------

    def draft_orders(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        result = self.outcome(rule)
        drafts = self.session.scalars(
            select(Order).where(Order.status == OrderStatus.DRAFT.value,
                                Order.updated_at <= cutoff, Order.created_at <= cutoff)
            .order_by(Order.created_at)
        ).all()
        for order in drafts:
            if last_draft_activity(self.session, order) > cutoff:
                continue
            result.ids.append(order.id)
            if not self.dry_run:
                purge_order(self.session, self.runtime, order, self.now)
                self.audit(rule, "order", order.id)
        result.count = len(result.ids)
        return result

    def supplier_bundles(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        acknowledged = exists().where(
            OrderTransition.order_id == Document.order_id,
            OrderTransition.to_status == OrderStatus.ACKNOWLEDGED.value,
            OrderTransition.created_at <= cutoff,
        )
        documents = self.session.scalars(
            select(Document).where(Document.kind == "bundle", Document.erased_at.is_(None),
                                   acknowledged).order_by(Document.order_id, Document.id)
        ).all()
        return self.per_order(rule, documents, self._erase)

    def _closed_before(self, cutoff: datetime, *conditions: Any) -> list[Document]:
        return list(self.session.scalars(
            select(Document).join(Order, Order.id == Document.order_id)
            .where(Order.status.in_(_FINAL), Order.completed_at <= cutoff, *conditions)
            .order_by(Document.order_id, Document.id)
        ).all())

    def _erase(self, order: Order, documents: list[Document]) -> list[str]:
        return erase_documents(self.session, self.runtime, order, documents, now=self.now)

    def scans(self, rule: RetentionRule) -> RowOutcome:
        # a bundle still there (never acknowledged) holds copies of the scans: it goes with them
        documents = self._closed_before(rule.keep_for.before(self.now),
                                        Document.kind.in_((*SCAN_KINDS, "bundle")),
                                        Document.erased_at.is_(None))
        return self.per_order(rule, documents, self._erase)

    def identity_data(self, rule: RetentionRule) -> RowOutcome:
        documents = self._closed_before(
            rule.keep_for.before(self.now), Document.kind.in_(SCAN_KINDS),
            Document.reduced_at.is_(None))
        return self.per_order(rule, documents, lambda order, _: reduce_order_data(order, self.now))

    def certificates(self, rule: RetentionRule) -> RowOutcome:
        documents = self._closed_before(
            rule.keep_for.before(self.now), Order.status == OrderStatus.COMPLETED.value,
            Document.kind == "certificate", Document.erased_at.is_(None))
        return self.per_order(rule, documents, self._erase)

    def closed_account_orders(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        result = self.outcome(rule)
        orders = self.session.scalars(
            select(Order).join(User, User.id == Order.user_id)
            .where(User.status != AccountStatus.ACTIVE.value, Order.status.in_(_FINAL),
                   Order.completed_at <= cutoff, Order.restricted.is_(False))
            .order_by(Order.id)
        ).all()
        for order in orders:
            result.ids.append(order.id)
            if not self.dry_run:
                done = archive_closed_order(self.session, self.runtime, order, self.now)
                self.audit(rule, "order", order.id, {"documents": done["erased"]})
        result.count = len(result.ids)
        return result

    def customer_accounts(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        result = self.outcome(rule)
        users = self.session.scalars(
            select(User).where(User.role == Role.CUSTOMER.value,
                               User.status != AccountStatus.ERASED.value,
                               User.created_at <= cutoff).order_by(User.id)
        ).all()
        for user in users:
            if last_contact(self.session, user) > cutoff or open_orders(self.session, user):
                continue
            result.ids.append(user.id)
            if not self.dry_run:
                done = anonymise_user(self.session, self.runtime, user, self.now)
                self.audit(rule, "user", user.id, {"orders": done["restricted"]})
        guests = self.session.scalars(
            select(Customer).where(Customer.user_id.is_(None), Customer.restricted.is_(False),
                                   Customer.updated_at <= cutoff).order_by(Customer.id)
        ).all()
        for customer in guests:
            orders = self.session.scalars(select(Order).where(Order.customer_id == customer.id))
            if any(o.status_changed_at > cutoff or o.status not in _FINAL for o in orders):
                continue
            result.ids.append(customer.id)
            if not self.dry_run:
                done = anonymise_customer(self.session, self.runtime, customer, self.now)
                self.audit(rule, "customer", customer.id, {"orders": done["restricted"]})
        result.count = len(result.ids)
        return result

    def order_records(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        # expired once 10 years have passed since the end of the year the order closed in
        year_start = datetime(cutoff.year, 1, 1, tzinfo=UTC)
        result = self.outcome(rule)
        orders = self.session.scalars(
            select(Order).where(Order.status.in_(_FINAL), Order.completed_at < year_start)
            .order_by(Order.id)
        ).all()
        for order in orders:
            result.ids.append(order.id)
            if not self.dry_run:
                purge_order(self.session, self.runtime, order, self.now)
                self.audit(rule, "order", order.id)
        result.count = len(result.ids)
        return result

    def audit_events(self, rule: RetentionRule) -> RowOutcome:
        result = self.outcome(rule)
        pruned = audit.prune_before(self.session, rule.keep_for.before(self.now),
                                    dry_run=self.dry_run)
        result.count = pruned.deleted
        if pruned.last_deleted_id is not None:
            result.ids.append(f"up-to-{pruned.last_deleted_id}")
            if not self.dry_run:
                self.audit(rule, "audit_log", None,
                           {"deleted": pruned.deleted, "up_to_id": pruned.last_deleted_id})
        return result


def last_draft_activity(session: Session, order: Order) -> datetime:
    """Return the last moment anyone touched a draft: edits, uploads, token use."""
    moments = [order.created_at, order.updated_at, order.status_changed_at]
    moments += [d.created_at for d in order.documents]
    moments += [t for t in session.scalars(
        select(ApiToken.last_used_at).where(ApiToken.order_id == order.id)) if t is not None]
    return max(m for m in moments if m is not None)


def last_contact(session: Session, user: User) -> datetime:
    """Return the last order or contact of an account (sign-up, login, activity, consent,
    deactivation)."""
    moments = [user.created_at, user.last_login_at, user.last_activity_at,
               user.marketing_consent_at, user.deactivated_at]
    for order in session.scalars(select(Order).where(Order.user_id == user.id)):
        moments += [order.created_at, order.status_changed_at]
    return max(m for m in moments if m is not None)


# row key -> the method applying it; the order matters: drafts go before the accounts that
# own them are judged, documents are erased before records are archived, audit goes last
_ROW_ORDER = ("draft_orders", "supplier_bundles", "scans", "identity_data",
              "closed_account_orders", "certificates", "customer_accounts", "order_records",
              "audit_events")


def apply_retention(
    session: Session, runtime: Runtime, *, now: datetime, dry_run: bool,
    policy: RetentionPolicy | None = None,
) -> RetentionReport:
    """Apply every policy row at `now` (or only report with `dry_run`); return what was done.

    `now` later than the real time applies the policy early (data erased before its period
    ends): the CLI allows it only for dry runs; tests use it to travel in time.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    policy = policy or load_policy(runtime.settings.retention_policy_file)
    run = _Pass(session, runtime, policy, now, dry_run)
    report = RetentionReport(now=now, dry_run=dry_run)
    for key in _ROW_ORDER:
        report.rows.append(getattr(run, key)(policy.rule(key)))
        session.flush()
    return report
