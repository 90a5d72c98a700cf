"""Liveness and readiness probes as JSON."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from werkzeug.wrappers import Response

from coc_service.errors import ServiceUnavailable
from coc_service.web.context import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    rt = runtime()
    probes: dict[str, Any] = {
        "database": rt.db.ping,
        "redis": rt.queue.ping,
        "storage": lambda: rt.store.check(),
    }
    components: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            probe()
            components[name] = "ok"
        except ServiceUnavailable:
            components[name] = "unavailable"
        except Exception as exc:  # a probe must answer, whatever broke behind it
            components[name] = f"unavailable ({type(exc).__name__})"
    ready = all(v == "ok" for v in components.values())
    body = {"status": "ready" if ready else "unavailable", "components": components}
    return jsonify(body), 200 if ready else 503
