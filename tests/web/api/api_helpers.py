"""Helpers of the API tests: place an order through the API, build a bearer header."""

from __future__ import annotations

from typing import Any

from tests.orders.order_samples import ORDER


def place_order(client: Any, data: dict[str, Any] = ORDER, **headers: str) -> dict[str, Any]:
    response = client.post("/api/v1/orders", json=data, headers=headers)
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
