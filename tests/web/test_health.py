from __future__ import annotations

import pytest


@pytest.mark.db
def test_healthz(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.db
def test_readyz_reports_every_component(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/readyz")
    body = response.get_json()
    assert body["components"] == {"database": "ok", "redis": "ok", "storage": "ok"}
    assert response.status_code == 200


@pytest.mark.db
def test_readyz_unavailable_when_redis_is_down(runtime, app) -> None:  # type: ignore[no-untyped-def]
    from coc_service.queue import JobQueue, redis_connection

    runtime.queue = JobQueue(redis_connection("redis://127.0.0.1:1/0"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["components"]["redis"] == "unavailable"


@pytest.mark.db
def test_security_headers_on_pages(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
