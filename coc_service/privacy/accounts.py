"""Account deactivation and the customer's rights: erasure, marketing withdrawal, access.

Deactivation (the shop's « désactivé ») is what a careful DPO would do with an account whose
owner leaves:

- login refused (status deactivated), every session revoked (session_version bumped), every API
  token of the account and of its orders revoked, marketing consent withdrawn;
- drafts deleted with their uploads; orders not yet forwarded to a supplier cancelled (the
  customer no longer wants the service; nothing has been bought from the supplier yet);
- orders already with the supplier (forwarded, acknowledged, certificate received) are left to
  finish: the certificate is being made and paid for, and stopping would harm the customer
  (GDPR art. 6(1)(b)). Staff and the supplier still need them. The retention row
  ``closed_account_orders`` erases their documents and restricts them the moment they close;
- closed orders: every document erased at once (scans, bundles, certificates: no law requires
  keeping them, and the customer can no longer download them), the data read from the scans
  reduced, the order moved to the restricted archive with the invoice data only (Code de
  commerce L123-22) — readable by the privacy role for the legal purpose only;
- the saved profile and addresses erased (each order keeps its own invoice copy); the account's
  e-mail stays, restricted, so that the login can be refused and requests answered, until the
  ``customer_accounts`` row anonymises it.

An erasure request does all of that and anonymises the account at once; only the legally
retained archive is kept. Audit events and privacy-request rows carry ids and counts only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from coc_service.db.accounts import AccountStatus, ApiToken, Customer, Role, User
from coc_service.db.base import utcnow
from coc_service.db.orders import Order
from coc_service.db.privacy import PrivacyRequest
from coc_service.orders.lifecycle import CANCELLABLE, FINAL, OrderStatus, transition
from coc_service.privacy import audit
from coc_service.privacy.erasure import archive_closed_order, clear_profile, purge_order

if TYPE_CHECKING:
    from coc_service.runtime import Runtime

WITH_SUPPLIER = frozenset({OrderStatus.FORWARDED, OrderStatus.ACKNOWLEDGED,
                           OrderStatus.CERTIFICATE_RECEIVED})
#: roles that may read restricted (legally archived) records, for the legal purpose only
RESTRICTED_READERS = frozenset({Role.PRIVACY.value})


@dataclass(frozen=True)
class Actor:
    """Who asks: a user's id and role, or the system."""

    id: str | None
    role: str

    @classmethod
    def of(cls, who: User | Actor) -> Actor:
        return who if isinstance(who, Actor) else cls(who.id, who.role)

    @property
    def label(self) -> str:
        """What the order timeline records as the actor."""
        return self.id or self.role


SYSTEM = Actor(None, "system")


@dataclass
class AccountReport:
    """What a deactivation or erasure did (ids only)."""

    user_id: str
    status: str
    sessions_revoked: bool = False
    tokens_revoked: int = 0
    drafts_deleted: list[str] = field(default_factory=list)
    orders_cancelled: list[str] = field(default_factory=list)
    orders_in_progress: list[str] = field(default_factory=list)
    orders_restricted: list[str] = field(default_factory=list)
    documents_erased: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def may_read_order(order: Order, role: str) -> bool:
    """Whether someone with `role` may read `order` (restricted ones: privacy role only)."""
    return not order.restricted or role in RESTRICTED_READERS


def user_orders(session: Session, user: User) -> list[Order]:
    """Return every order of the account (by user, or by its saved customer profile)."""
    clauses = [Order.user_id == user.id]
    if user.customer is not None:
        clauses.append(Order.customer_id == user.customer.id)
    return list(session.scalars(select(Order).where(or_(*clauses)).order_by(Order.created_at)))


def open_orders(session: Session, user: User) -> list[Order]:
    """Return the account's orders that are neither drafts nor closed."""
    return [o for o in user_orders(session, user)
            if o.status not in FINAL and o.status != OrderStatus.DRAFT]


def revoke_tokens(session: Session, user: User, orders: list[Order], now: datetime) -> int:
    """Revoke the API tokens of the account and of its orders; return how many."""
    clauses = [ApiToken.user_id == user.id]
    if orders:
        clauses.append(ApiToken.order_id.in_([o.id for o in orders]))
    result = session.execute(
        update(ApiToken).where(or_(*clauses), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _withdraw(session: Session, user: User) -> bool:
    changed = user.marketing_consent
    user.marketing_consent = False
    user.marketing_consent_at = None
    for order in user_orders(session, user):
        order.marketing_consent = False
    return changed


def _settle_orders(session: Session, runtime: Runtime, user: User, actor: Actor, reason: str,
                   now: datetime, report: AccountReport) -> None:
    """Delete drafts, cancel what is not with a supplier, archive what is closed."""
    for order in user_orders(session, user):
        if order.status == OrderStatus.DRAFT:
            purge_order(session, runtime, order, now)
            report.drafts_deleted.append(order.id)
            continue
        if order.status in CANCELLABLE:
            transition(session, order, OrderStatus.CANCELLED, actor=actor.label, reason=reason)
            report.orders_cancelled.append(order.id)
        if order.status in WITH_SUPPLIER:
            report.orders_in_progress.append(order.id)
        elif order.status in FINAL:
            done = archive_closed_order(session, runtime, order, now)
            report.documents_erased += done["erased"]
            report.orders_restricted += done["restricted"]


def record_request(session: Session, kind: str, user: User | None, actor: Actor, now: datetime,
                   result: dict[str, Any], order_id: str | None = None) -> PrivacyRequest:
    """Add the row that proves a request was answered (ids and counts only)."""
    request = PrivacyRequest(user_id=user.id if user else None, order_id=order_id, kind=kind,
                             status="completed", actor_id=actor.id, actor_role=actor.role,
                             created_at=now, completed_at=now, result=result)
    session.add(request)
    return request


def _counts(report: AccountReport) -> dict[str, Any]:
    return {"drafts_deleted": len(report.drafts_deleted),
            "orders_cancelled": report.orders_cancelled,
            "orders_in_progress": report.orders_in_progress,
            "orders_restricted": len(report.orders_restricted),
            "documents_erased": len(report.documents_erased),
            "tokens_revoked": report.tokens_revoked}


def _deactivate(session: Session, runtime: Runtime, user: User, actor: Actor, reason: str,
                now: datetime) -> AccountReport:
    report = AccountReport(user_id=user.id, status=user.status)
    if user.status == AccountStatus.ACTIVE:
        user.status = AccountStatus.DEACTIVATED.value
        user.deactivated_at = now
        user.session_version += 1
        report.sessions_revoked = True
    _withdraw(session, user)
    _settle_orders(session, runtime, user, actor, reason, now, report)
    report.tokens_revoked = revoke_tokens(session, user, user_orders(session, user), now)
    if user.customer is not None:
        clear_profile(user.customer)
    report.status = user.status
    return report


def deactivate_account(
    session: Session, runtime: Runtime, user: User, *, actor: User | Actor, reason: str,
    now: datetime | None = None,
) -> AccountReport:
    """Deactivate an account as described above; return what was done. Safe to call again.

    `reason` is written by the service (e.g. "customer request"), never free text typed by a
    customer: it goes to the audit log and the order timeline.
    """
    now = now or utcnow()
    who = Actor.of(actor)
    report = _deactivate(session, runtime, user, who, reason, now)
    audit.record(session, actor_id=who.id, actor_role=who.role, action="account.deactivated",
                 object_type="user", object_id=user.id, reason=reason, details=_counts(report))
    record_request(session, "deactivation", user, who, now, _counts(report))
    session.flush()
    return report


def anonymise_user(session: Session, runtime: Runtime, user: User, now: datetime) -> dict[
    str, list[str]
]:
    """Strip an account of everything personal; its closed orders go to the archive."""
    report = _deactivate(session, runtime, user, SYSTEM, "account anonymised", now)
    user.email = f"erased-{user.id}@erased.invalid"  # RFC 2606: can never receive mail
    user.password_hash = None
    user.status = AccountStatus.ERASED.value
    user.last_login_at = None
    user.last_activity_at = None
    if report.sessions_revoked is False:
        user.session_version += 1
    return {"restricted": report.orders_restricted, "erased": report.documents_erased}


def anonymise_customer(session: Session, runtime: Runtime, customer: Customer,
                       now: datetime) -> dict[str, list[str]]:
    """Erase a guest's profile; archive its closed orders; return the ids restricted."""
    restricted: list[str] = []
    for order in session.scalars(select(Order).where(Order.customer_id == customer.id)):
        if order.status in FINAL:
            restricted += archive_closed_order(session, runtime, order, now)["restricted"]
    clear_profile(customer)
    return {"restricted": restricted}


def request_erasure(
    session: Session, runtime: Runtime, user: User, *, actor: User | Actor, reason: str,
    now: datetime | None = None,
) -> AccountReport:
    """Erase everything about an account except the legally retained archive; return the report.

    Orders with a supplier are left to finish (then archived automatically, see the module
    docstring); everything else happens now, through the same functions retention uses.
    """
    now = now or utcnow()
    who = Actor.of(actor)
    report = _deactivate(session, runtime, user, who, reason, now)
    anonymise_user(session, runtime, user, now)
    report.status = user.status
    audit.record(session, actor_id=who.id, actor_role=who.role, action="account.erased",
                 object_type="user", object_id=user.id, reason=reason, details=_counts(report))
    record_request(session, "erasure", user, who, now, _counts(report))
    session.flush()
    return report


def withdraw_marketing(
    session: Session, user: User, *, actor: User | Actor, reason: str = "unsubscribe",
    now: datetime | None = None,
) -> bool:
    """Withdraw the account's marketing consent (and its orders'); True if it was given."""
    now = now or utcnow()
    who = Actor.of(actor)
    changed = _withdraw(session, user)
    audit.record(session, actor_id=who.id, actor_role=who.role, action="marketing.withdrawn",
                 object_type="user", object_id=user.id, reason=reason,
                 details={"was_consenting": changed})
    record_request(session, "marketing", user, who, now, {"was_consenting": changed})
    session.flush()
    return changed
