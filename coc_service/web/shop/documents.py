"""Step 3, the documents: each file is attached to the draft the moment it is sent.

Works as a plain form (one file per submit, then back to the page with a message per file) and,
with static/js/upload.js, by XHR with a progress bar, a preview and the same messages as JSON.
A refused file changes nothing: what was filled in and uploaded before stays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

from flask import flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from coc_service.db.orders import Document, Order
from coc_service.documents.errors import DocumentRejected
from coc_service.orders.errors import OrderActionRefused
from coc_service.orders.processing import SCAN_KINDS
from coc_service.orders.service import attach_document
from coc_service.web.context import db_session, runtime
from coc_service.web.i18n import current_language
from coc_service.web.shop import bp
from coc_service.web.shop.drafts import current_draft
from coc_service.web.shop.upload_messages import (
    kind_hint,
    kind_label,
    quality_messages,
    rejection_message,
)

FEEDBACK = "upload_feedback"


@dataclass
class UploadOutcome:
    ok: bool
    kind: str
    message: str
    advice: list[str] = field(default_factory=list)
    level: str = "success"  # success | warning | error
    document: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "kind": self.kind, "message": self.message,
                "advice": self.advice, "level": self.level, "document": self.document}


def document_summary(document: Document | None) -> dict[str, Any] | None:
    """Return what the page shows of a stored document (never its content)."""
    if document is None:
        return None
    quality = document.quality or {}
    problems = [str(p) for p in quality.get("problems", [])]
    return {
        "id": document.id,
        "kind": document.kind,
        "type": (document.content_type or "").split("/")[-1].upper(),
        "size_bytes": document.size_bytes or 0,
        "created_at": document.created_at,
        "problems": problems,
        "advice": quality_messages(problems),
        "reupload_reason": document.error_message if document.error_code == "reupload_requested"
        else None,
    }


def current_scans(order: Order) -> dict[str, dict[str, Any] | None]:
    docs = {d.kind: d for d in order.current_documents() if d.kind in SCAN_KINDS}
    return {kind: document_summary(docs.get(kind)) for kind in SCAN_KINDS}


def receive_upload(order: Order, kind: str) -> UploadOutcome:
    """Attach the posted file to `order`, commit, and say how it went."""
    db = db_session()
    upload = next((f for name in ("file", "photo") if (f := request.files.get(name))
                   and f.filename), None)
    if upload is None:
        return UploadOutcome(False, kind, _("Choisissez un fichier ou prenez une photo."),
                             level="error")
    try:
        stream = cast(BinaryIO, upload.stream)
        result = attach_document(db, runtime(), order, kind, stream, actor="customer")
        db.commit()
    except DocumentRejected as exc:
        db.rollback()
        return UploadOutcome(False, kind, rejection_message(exc.code, runtime().limits),
                             level="error")
    except OrderActionRefused as exc:
        db.rollback()
        message = exc.message_fr if current_language() == "fr" else exc.message
        return UploadOutcome(False, kind, message, level="error")
    summary = document_summary(result.document)
    advice = quality_messages(result.quality.problems) if result.quality else []
    if advice:
        return UploadOutcome(
            True, kind,
            _("Document reçu, mais la photo risque d'être illisible. Nous vous conseillons de "
              "la reprendre :"),
            advice=advice, level="warning", document=_json_summary(summary))
    return UploadOutcome(True, kind, _("Document reçu : %(label)s.", label=kind_label(kind)),
                         document=_json_summary(summary))


def _json_summary(summary: dict[str, Any] | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {k: v for k, v in summary.items() if k != "created_at"}


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def remember_feedback(outcome: UploadOutcome) -> None:
    """Keep the message for the page the browser is sent back to (no-JS path)."""
    feedback = dict(session.get(FEEDBACK, {}))
    feedback[outcome.kind] = {"message": outcome.message, "advice": outcome.advice,
                              "level": outcome.level}
    session[FEEDBACK] = feedback


def pop_feedback() -> dict[str, Any]:
    feedback: dict[str, Any] = session.pop(FEEDBACK, {})
    return feedback


@bp.get("/documents")
def documents() -> Response | str:
    draft = current_draft(db_session())
    if draft is None:
        return redirect(url_for("shop.vehicle"), code=303)
    return render_template(
        "shop/documents.html",
        order=draft,
        scans=current_scans(draft),
        feedback=pop_feedback(),
        kinds=[(k, kind_label(k), kind_hint(k)) for k in SCAN_KINDS],
        max_bytes=runtime().limits.max_bytes,
        upload_url=lambda kind: url_for("shop.upload", kind=kind),
        step=3,
    )


@bp.post("/documents/<kind>")
def upload(kind: str) -> Response | tuple[Response, int]:
    draft = current_draft(db_session())
    if kind not in SCAN_KINDS:
        return _answer(UploadOutcome(False, kind, _("Type de document inconnu."),
                                     level="error"), 404)
    if draft is None:
        if wants_json():
            return jsonify({"ok": False, "message": _("Votre commande n'est plus modifiable."),
                            "redirect": url_for("shop.vehicle")}), 409
        return redirect(url_for("shop.vehicle"), code=303)
    outcome = receive_upload(draft, kind)
    return _answer(outcome, 200 if outcome.ok else 422)


def _answer(outcome: UploadOutcome, status: int) -> Response | tuple[Response, int]:
    if wants_json():
        body = outcome.as_json()
        draft = current_draft(db_session())
        body["ready"] = draft is not None and all(current_scans(draft).values())
        return jsonify(body), status
    remember_feedback(outcome)
    return redirect(url_for("shop.documents") + f"#upload-{outcome.kind}", code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_exc: RequestEntityTooLarge) -> Response | tuple[Response, int]:
    """A file far above the limit is cut off by the server before the view: same message."""
    kind = (request.view_args or {}).get("kind", "")
    outcome = UploadOutcome(False, str(kind), rejection_message("too_large", runtime().limits),
                            level="error")
    if kind in SCAN_KINDS:
        return _answer(outcome, 413)
    flash(outcome.message, "error")
    return redirect(url_for("shop.vehicle"), code=303)


@bp.post("/documents/suite")
def documents_done() -> Response:
    """The "continue" button: on to the review once both documents are there."""
    draft = current_draft(db_session())
    if draft is None:
        return redirect(url_for("shop.vehicle"), code=303)
    missing = [k for k, summary in current_scans(draft).items() if summary is None]
    if missing:
        flash(_("Il manque encore : %(what)s.",
                what=", ".join(kind_label(k) for k in missing)), "error")
        return redirect(url_for("shop.documents"), code=303)
    return redirect(url_for("shop.review"), code=303)
