"""Who is calling the API and how often: bearer tokens and a Redis fixed-window rate limit."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from flask import g, request
from redis.exceptions import RedisError
from werkzeug.wrappers import Response

from coc_service.accounts.tokens import authenticate
from coc_service.db.accounts import ApiToken
from coc_service.db.orders import Order
from coc_service.errors import ServiceUnavailable
from coc_service.orders.service import order_for_token
from coc_service.web.api.errors import api_error
from coc_service.web.context import db_session, runtime

WINDOW_S = 60


class ApiRefusal(Exception):
    """Stops a view with a ready JSON error response (401, 404, 429)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass(frozen=True)
class Window:
    limit: int
    used: int
    reset_s: int

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit


def bearer_token() -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, else None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _client_key() -> str:
    token = bearer_token()
    if token is not None:
        # per token, hashed: Redis never holds a usable credential
        return "tok:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def hit(key: str) -> Window:
    """Count one request for `key` in the current minute and return the window's state."""
    rt = runtime()
    now = time.time()
    window = int(now // WINDOW_S)
    redis_key = f"coc:ratelimit:api:{key}:{window}"
    try:
        pipe = rt.redis.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, WINDOW_S * 2)
        used, _ = pipe.execute()
    except RedisError as exc:
        raise ServiceUnavailable("rate limiter unavailable") from exc
    reset = int(WINDOW_S - (now % WINDOW_S)) + 1
    return Window(limit=rt.settings.rate_limit_api_per_minute, used=int(used), reset_s=reset)


def _limited(window: Window) -> Response:
    return api_error(429, headers={"Retry-After": str(window.reset_s),
                                   "X-RateLimit-Limit": str(window.limit),
                                   "X-RateLimit-Remaining": "0"})


def rate_limit() -> Response | None:
    """Count this request against its token (or address); return a 429 response when over."""
    window = hit(_client_key())
    g.rate_window = window
    return _limited(window) if window.exceeded else None


def add_rate_headers(response: Response) -> Response:
    window: Window | None = g.get("rate_window")
    if window is not None:
        response.headers.setdefault("X-RateLimit-Limit", str(window.limit))
        response.headers.setdefault("X-RateLimit-Remaining",
                                    str(max(0, window.limit - window.used)))
    return response


def optional_token() -> ApiToken | None:
    """Return the authenticated token when one is sent; raise ApiRefusal(401) if it is bad."""
    token = bearer_token()
    if token is None:
        if request.headers.get("Authorization"):
            raise ApiRefusal(api_error(401, "Use `Authorization: Bearer <token>`."))
        return None
    row = authenticate(db_session(), token)
    if row is None:
        # guessing tokens costs the caller's address too, whatever token it invents
        window = hit("ip:" + (request.remote_addr or "unknown"))
        if window.exceeded:
            raise ApiRefusal(_limited(window))
        raise ApiRefusal(api_error(401, "The bearer token is unknown, revoked or expired."))
    return row


def required_token() -> ApiToken:
    row = optional_token()
    if row is None:
        raise ApiRefusal(api_error(401))
    return row


def order_or_404(order_id: str) -> Order:
    """Return the order the caller's token opens; raise ApiRefusal(401 or 404).

    Unknown and foreign orders are both 404, so that an order's existence never leaks.
    """
    row = required_token()
    order = order_for_token(db_session(), row, order_id)
    if order is None:
        raise ApiRefusal(api_error(404, "No such order."))
    return order
