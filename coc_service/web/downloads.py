"""One way to send a stored document: decrypted as it streams, as an attachment, never cached.

The object is opened before the response starts, so a missing object is a clean error and not
a download cut in the middle; the data key is unwrapped per request and dropped with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

from werkzeug.wrappers import Response

from coc_service.db.orders import Document, Order
from coc_service.web.context import runtime

_CHUNK = 64 * 1024


def decrypted_download(order: Order, document: Document, *, filename: str,
                       mimetype: str) -> Response:
    """Return `document` of `order` decrypted as an attachment named `filename`."""
    assert order.wrapped_data_key is not None and document.storage_key is not None
    rt = runtime()
    data_key = rt.keys.unwrap(order.wrapped_data_key)
    stack = ExitStack()
    stream = stack.enter_context(rt.store.open(document.storage_key, data_key))

    def chunks() -> Iterator[bytes]:
        with stack:
            while chunk := stream.read(_CHUNK):
                yield chunk

    response = Response(chunks(), mimetype=mimetype, direct_passthrough=True)
    response.call_on_close(stack.close)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if document.size_bytes:
        response.headers["Content-Length"] = str(document.size_bytes)
    return response
