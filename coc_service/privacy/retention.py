"""The retention job: one idempotent pass applying every row of the policy table.

`apply_retention` selects what each row's period has ended for at `now`, acts on it (or only
reports it, with `dry_run`) and records one audit event per object touched. Everything it does
marks its rows (erased_at, reduced_at, restricted, status erased, deleted), so a second pass at
the same moment finds nothing left to do.

A real pass commits item by item (see retention_items.py): one item failing rolls back that item
alone, is recorded and is tried again by the next pass; the rest goes on. A dry run commits
nothing.
"""

from __future__ import annotations

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
from coc_service.privacy.retention_items import ItemPass, RetentionReport, RowOutcome

__all__ = ["RetentionReport", "RowOutcome", "apply_retention", "last_contact",
           "last_draft_activity"]

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

_FINAL = tuple(s.value for s in FINAL)


class _Pass(ItemPass):
    """One pass of the policy at `now`: each method applies one row."""

    # -- rows ------------------------------------------------------------------------------

    def draft_orders(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        drafts = self.session.scalars(
            select(Order).where(Order.status == OrderStatus.DRAFT.value,
                                Order.updated_at <= cutoff, Order.created_at <= cutoff)
            .order_by(Order.created_at)
        ).all()
        expired = [o for o in drafts if last_draft_activity(self.session, o) <= cutoff]
        return self.each(rule, self.outcome(rule), "order", expired, self._purge)

    def _purge(self, rule: RetentionRule, order: Order) -> None:
        order_id = order.id
        purge_order(self.session, self.runtime, order, self.now)
        self.audit(rule, "order", order_id)

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
        orders = self.session.scalars(
            select(Order).join(User, User.id == Order.user_id)
            .where(User.status != AccountStatus.ACTIVE.value, Order.status.in_(_FINAL),
                   Order.completed_at <= cutoff, Order.restricted.is_(False))
            .order_by(Order.id)
        ).all()
        return self.each(rule, self.outcome(rule), "order", orders, self._archive)

    def _archive(self, rule: RetentionRule, order: Order) -> None:
        done = archive_closed_order(self.session, self.runtime, order, self.now)
        self.audit(rule, "order", order.id, {"documents": done["erased"]})

    def customer_accounts(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        result = self.outcome(rule)
        users = self.session.scalars(
            select(User).where(User.role == Role.CUSTOMER.value,
                               User.status != AccountStatus.ERASED.value,
                               User.created_at <= cutoff).order_by(User.id)
        ).all()
        expired_users = [u for u in users if last_contact(self.session, u) <= cutoff
                         and not open_orders(self.session, u)]
        self.each(rule, result, "user", expired_users, self._anonymise_user)
        guests = self.session.scalars(
            select(Customer).where(Customer.user_id.is_(None), Customer.restricted.is_(False),
                                   Customer.updated_at <= cutoff).order_by(Customer.id)
        ).all()
        expired_guests = [g for g in guests if not any(
            o.status_changed_at > cutoff or o.status not in _FINAL
            for o in self.session.scalars(select(Order).where(Order.customer_id == g.id)))]
        return self.each(rule, result, "customer", expired_guests, self._anonymise_guest)

    def _anonymise_user(self, rule: RetentionRule, user: User) -> None:
        done = anonymise_user(self.session, self.runtime, user, self.now)
        self.audit(rule, "user", user.id, {"orders": done["restricted"]})

    def _anonymise_guest(self, rule: RetentionRule, customer: Customer) -> None:
        done = anonymise_customer(self.session, self.runtime, customer, self.now)
        self.audit(rule, "customer", customer.id, {"orders": done["restricted"]})

    def order_records(self, rule: RetentionRule) -> RowOutcome:
        cutoff = rule.keep_for.before(self.now)
        # expired once 10 years have passed since the end of the year the order closed in
        year_start = datetime(cutoff.year, 1, 1, tzinfo=UTC)
        orders = self.session.scalars(
            select(Order).where(Order.status.in_(_FINAL), Order.completed_at < year_start)
            .order_by(Order.id)
        ).all()
        return self.each(rule, self.outcome(rule), "order", orders, self._purge)

    def audit_events(self, rule: RetentionRule) -> RowOutcome:
        result = self.outcome(rule)
        cutoff = rule.keep_for.before(self.now)
        if self.dry_run:
            pruned = audit.prune_before(self.session, cutoff, dry_run=True)
            result.count = pruned.deleted
            if pruned.last_deleted_id is not None:
                result.ids.append(f"up-to-{pruned.last_deleted_id}")
            return result
        counted: list[int] = []
        self.item(rule, result, "audit_log", None, self._prune_audit, rule, cutoff, counted)
        result.count = sum(counted)
        return result

    def _prune_audit(self, rule: RetentionRule, cutoff: datetime, counted: list[int]) -> list[str]:
        pruned = audit.prune_before(self.session, cutoff, dry_run=False)
        if pruned.last_deleted_id is None:
            return []
        self.audit(rule, "audit_log", None,
                   {"deleted": pruned.deleted, "up_to_id": pruned.last_deleted_id})
        counted.append(pruned.deleted)
        return [f"up-to-{pruned.last_deleted_id}"]


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

    A real pass commits `session` item by item, starting with whatever it already holds; a dry
    run leaves the caller to roll back. `now` later than the real time applies the policy
    early (data erased before its period ends): the CLI allows it only for dry runs; tests use
    it to travel in time.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    policy = policy or load_policy(runtime.settings.retention_policy_file)
    if not dry_run:
        session.commit()  # so that an item's rollback can only ever undo that item
    run = _Pass(session, runtime, policy, now, dry_run)
    report = RetentionReport(now=now, dry_run=dry_run)
    for key in _ROW_ORDER:
        report.rows.append(getattr(run, key)(policy.rule(key)))
        session.flush()
    return report
