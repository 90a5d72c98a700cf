"""Web throughput and latency under gunicorn, next to a minimal Flask app, and upload memory.

    .venv/bin/python -m benchmarks.web [--seconds 5] [--concurrency 8] [--upload-mb 15]

Both servers run in the same run with 2 gunicorn workers each, on loopback, with the same load
generator (threads with keep-alive connections). Measured on the shop:
  - the order page (/suivi/commande/<id>: timeline, checks, summary; a guest's session),
  - the status endpoint the order page polls (/suivi/commande/<id>/statut),
  - the first step of the order form (/commande/vehicule),
and on the minimal app a page and a JSON answer of the same sizes' kind. The ratio says what the
shop's work (database, session, templates, CSRF) costs next to Flask alone.

Memory: the RSS high-water mark of the gunicorn worker that receives a large scan upload (reset
through /proc/<pid>/clear_refs just before), next to its resting RSS; the upload is spooled to
disk, checked in a separate bounded process and streamed encrypted, so the web process should
grow by far less than the file.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def minimal_app() -> Any:
    """Return a Flask app doing nothing but answer: the yardstick of the same run."""
    from flask import Flask, jsonify

    app = Flask("minimal")
    page = "<!doctype html><title>x</title>" + "<p>minimal page</p>" * 50

    @app.get("/")
    def index() -> str:
        return page

    @app.get("/status")
    def status() -> Any:
        return jsonify({"status": "processing", "version": "x", "settled": False})

    return app


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self) -> str:
        return (f"{self.name:<34} {self.rps:8.1f} req/s   p50 {self.percentile(0.5):6.1f} ms   "
                f"p95 {self.percentile(0.95):6.1f} ms   p99 {self.percentile(0.99):6.1f} ms   "
                f"errors {self.errors}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not start")


def _gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--log-level", "warning", app],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def load(name: str, port: int, path: str, *, cookie: str = "", seconds: float,
         concurrency: int) -> Result:
    """Hit `path` from `concurrency` keep-alive clients for `seconds`; return the figures."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Cookie": cookie} if cookie else {}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - start) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, len(latencies), errors[0], time.monotonic() - started, latencies)


def _prepare_shop(folder: Path) -> tuple[dict[str, str], str]:
    """Create, migrate and seed a SQLite shop with one submitted order; return (env, order id)."""
    from coc_service.config import Settings
    from coc_service.db import migrate
    from coc_service.db.base import utcnow
    from coc_service.db.orders import Order
    from coc_service.orders.lifecycle import record_creation, transition
    from coc_service.runtime import build_runtime
    from coc_service.suppliers.catalogue import upsert_catalogue

    db_url = f"sqlite:///{folder / 'bench.db'}"
    migrate.upgrade(db_url)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8")
    settings = Settings(env="development", var_dir=folder / "var",
                        secret_key=secrets.token_hex(24), database_url=db_url,
                        redis_url=redis_url)
    runtime = build_runtime(settings)
    with runtime.db.transaction() as session:
        upsert_catalogue(session)
        now = utcnow()
        order = Order(reference="COC-BENCH1", status="draft", vin="VF3LBBHZHKS123456",
                      make="Peugeot", customer_snapshot={"first_name": "A", "last_name": "B",
                                                         "email": "a@example.fr"},
                      billing_address={"line1": "1 rue", "postcode": "75001", "city": "Paris",
                                       "country": "FR"},
                      shipping_address={"line1": "1 rue", "postcode": "75001", "city": "Paris",
                                        "country": "FR"},
                      price_cents=14900, created_at=now, status_changed_at=now)
        session.add(order)
        session.flush()
        record_creation(session, order, actor="customer")
        transition(session, order, "submitted", actor="customer")
        transition(session, order, "processing", actor="system")
        order_id = order.id
    runtime.close()
    env = {**os.environ, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
           "COC_SECRET_KEY": settings.secret_key, "COC_VAR_DIR": str(settings.var_dir),
           "COC_ENV": "development", "COC_LOG_LEVEL": "warning", "OMP_THREAD_LIMIT": "1"}
    return env, order_id


def _guest_cookie(port: int, secret: str, order_id: str) -> str:
    """Open the order through its signed link, as a guest would; return the session cookie."""
    from coc_service.mail.links import order_link_token

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/suivi/lien/{order_link_token(secret, order_id)}")
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie") or ""
    conn.close()
    return cookie.split(";", 1)[0]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _scan(megabytes: int) -> bytes:
    """Return a JPEG of about `megabytes` MB (noise compresses badly, like a phone's photo)."""
    import numpy as np
    from PIL import Image

    side = 1500
    while True:
        noise = np.random.default_rng(7).integers(0, 256, (side, side, 3), dtype=np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(noise).save(buffer, "JPEG", quality=95)
        if buffer.tell() >= megabytes * 1_000_000 or side > 6000:
            return buffer.getvalue()
        side = int(side * 1.25)


def upload_memory(port: int, master_pid: int, megabytes: int) -> dict[str, Any]:
    """Upload a large scan to a draft and measure the receiving worker's peak RSS."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    jar: dict[str, str] = {}

    def request(method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        all_headers = dict(headers or {})
        if jar:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            jar[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", text

    def form(path: str, fields: dict[str, str]) -> int:
        from urllib.parse import urlencode

        _, _, page = request("GET", "/conditions-generales")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        body = urlencode({**fields, "csrf_token": token.group(1)}).encode()
        status, _, _ = request("POST", path, body,
                               {"Content-Type": "application/x-www-form-urlencoded"})
        return status

    form("/commande/vehicule", {"vehicle.vin": "VF3LBBHZHKS123456", "vehicle.make": "Peugeot",
                                "vehicle.first_registration_date": "2018-03-15"})
    form("/commande/coordonnees", {
        "customer.kind": "individual", "customer.first_name": "A", "customer.last_name": "B",
        "customer.email": "bench@example.fr", "billing_address.line1": "1 rue",
        "billing_address.postcode": "75001", "billing_address.city": "Paris",
        "billing_address.country": "FR", "shipping_same_as_billing": "1",
        "delivery_option": "email"})
    scan = _scan(megabytes)
    _, _, page = request("GET", "/commande/documents")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the draft was not created"
    boundary = "----coc" + secrets.token_hex(8)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token.group(1)}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"scan.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + scan + (
        f"\r\n--{boundary}--\r\n").encode()
    workers = _children(master_pid)
    resting = {pid: _status_kb(pid, "VmRSS") for pid in workers}
    for pid in workers:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset the high-water mark
    start = time.perf_counter()
    status, _, answer = request("POST", "/commande/documents/identity", body, {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json"})
    elapsed = time.perf_counter() - start
    peaks = {pid: _status_kb(pid, "VmHWM") for pid in workers}
    conn.close()
    busiest = max(workers, key=lambda pid: peaks[pid] - resting[pid])
    return {
        "file_mb": round(len(scan) / 1_000_000, 1),
        "status": status,
        "accepted": '"ok": true' in answer or '"ok":true' in answer,
        "seconds": round(elapsed, 2),
        "worker_rss_before_mb": round(resting[busiest] / 1024, 1),
        "worker_peak_rss_mb": round(peaks[busiest] / 1024, 1),
        "growth_mb": round((peaks[busiest] - resting[busiest]) / 1024, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--upload-mb", type=int, default=15)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="coc-bench-web-") as tmp:
        env, order_id = _prepare_shop(Path(tmp))
        shop_port, minimal_port = _free_port(), _free_port()
        shop = _gunicorn("coc_service.wsgi:app", shop_port, env)
        minimal = _gunicorn("benchmarks.web:minimal_app()", minimal_port, env)
        try:
            _wait_up(shop_port)
            _wait_up(minimal_port)
            cookie = _guest_cookie(shop_port, env["COC_SECRET_KEY"], order_id)
            order_path = f"/suivi/commande/{order_id}"
            run = {"seconds": args.seconds, "concurrency": args.concurrency}
            for port, path in ((shop_port, order_path), (minimal_port, "/")):
                load("warm-up", port, path, cookie=cookie, seconds=1, concurrency=2)
            results = [
                load("shop: order page", shop_port, order_path, cookie=cookie, **run),
                load("minimal: page", minimal_port, "/", **run),
                load("shop: status endpoint", shop_port, order_path + "/statut",
                     cookie=cookie, **run),
                load("minimal: JSON", minimal_port, "/status", **run),
                load("shop: order form (vehicle step)", shop_port, "/commande/vehicule", **run),
            ]
            memory = upload_memory(shop_port, shop.pid, args.upload_mb)
        finally:
            _stop(shop)
            _stop(minimal)
    print(f"gunicorn, 2 workers each, {args.concurrency} keep-alive clients, "
          f"{args.seconds:.0f} s per target, CPUs: {os.cpu_count()}")
    for result in results:
        print(result.line())
    by_name = {r.name: r for r in results}
    page_ratio = by_name["shop: order page"].rps / max(by_name["minimal: page"].rps, 1e-9)
    status_ratio = by_name["shop: status endpoint"].rps / max(by_name["minimal: JSON"].rps, 1e-9)
    print(f"ratio shop/minimal: order page {page_ratio:.2f}, status endpoint {status_ratio:.2f}")
    print(f"upload of a {memory['file_mb']} MB scan: HTTP {memory['status']} in "
          f"{memory['seconds']} s; worker RSS {memory['worker_rss_before_mb']} MB at rest, "
          f"peak {memory['worker_peak_rss_mb']} MB (+{memory['growth_mb']} MB)")
    if args.json:
        args.json.write_text(json.dumps({
            "results": [{"name": r.name, "rps": r.rps, "p50_ms": r.percentile(0.5),
                         "p95_ms": r.percentile(0.95), "p99_ms": r.percentile(0.99),
                         "errors": r.errors} for r in results],
            "ratios": {"order_page": page_ratio, "status": status_ratio},
            "upload": memory,
        }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
