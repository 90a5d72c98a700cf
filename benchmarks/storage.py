"""Encrypted storage throughput next to a plain copy, and peak memory per object size.

    .venv/bin/python -m benchmarks.storage [--sizes 20,200] [--repeat 3] [--skip-s3]

Throughput: the same bytes written and read through each store and through a plain
`shutil.copyfileobj` between files (local) or a plain boto3 `upload_fileobj`/`download_fileobj`
(S3, moto server on loopback), in the same run, interleaved; the ratio is encrypted / plain
(medians of `--repeat` runs). Every write, the reads' output files included, goes to a new
object or file, as the service's do (document keys are never reused); what the previous run
wrote is deleted outside the timing, for the plain copy and the stores alike. (Overwriting
would time filesystem work that differs between the store's atomic rename over the old file
and the plain copy's truncate in place, both of which make ext4 start writing back at once.)

Memory: a fresh child process per store and size measures the RSS high-water mark (reset
through /proc/self/clear_refs before each operation) and the tracemalloc peak of a put and of a
full read; both must stay flat as the object grows.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MB = 1_000_000
COPY_BUFFER = 1024 * 1024
_MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""
DATA_KEY = bytes(range(32))
KEY = "orders/00000000-0000-4000-8000-000000000000/documents/00000000-0000-4000-8000-000000000001"


@contextmanager
def moto_server() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _MOTO],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    assert process.stdin and process.stdout
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


def s3_client(endpoint: str) -> Any:
    from coc_service.storage.factory import aws_client

    return aws_client("s3", endpoint_url=endpoint, region="eu-west-3",
                      aws_access_key_id="bench", aws_secret_access_key="bench")


def make_bucket(client: Any, name: str) -> None:
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})


def make_source(path: Path, size: int) -> None:
    """Write `size` random bytes (incompressible, like scans) without holding them in memory."""
    with path.open("wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 4 * 1024 * 1024))
            out.write(block)
            left -= len(block)


def timed(runs: dict[str, Callable[[], None]], repeat: int,
          before: dict[str, Callable[[], None]] | None = None) -> dict[str, float]:
    """Return the median seconds of each run; runs are interleaved so that background load
    and page-cache write-back fall on all of them alike. `before[name]` runs untimed first."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            if before and name in before:
                before[name]()
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


class Outputs:
    """Names a new output for each write and deletes the previous one (called untimed)."""

    def __init__(self, delete: Callable[[str], None], make: Callable[[int], str]) -> None:
        self.delete, self.make = delete, make
        self.count = 0
        self.current = make(0)

    def next(self) -> None:
        self.delete(self.current)
        self.count += 1
        self.current = self.make(self.count)


def copy_file(src: Path, dst: Path, *, fsync: bool = False) -> None:
    with src.open("rb") as fin, dst.open("wb") as fout:
        shutil.copyfileobj(fin, fout)
        if fsync:
            fout.flush()
            os.fsync(fout.fileno())


def throughput(sizes: list[int], repeat: int, endpoint: str | None, work: Path) -> None:
    print(f"\nThroughput (MB/s, median of {repeat} interleaved runs; "
          "ratio = encrypted speed / plain speed)")
    print(f"{'store':<28}{'size':>7}{'plain w':>10}{'enc w':>10}{'ratio':>7}"
          f"{'plain r':>10}{'enc r':>10}{'ratio':>7}")
    for size_mb in sizes:
        _throughput_one_size(size_mb * MB, repeat, endpoint, work)


def _throughput_one_size(size: int, repeat: int, endpoint: str | None, work: Path) -> None:
    from coc_service.storage.local import LocalDocumentStore
    from coc_service.storage.s3 import S3DocumentStore

    source = work / "source"
    make_source(source, size)
    reads = Outputs(lambda name: (work / name).unlink(missing_ok=True), lambda n: f"out{n}")

    def enc_write(store: Any, keys: Outputs) -> Callable[[], None]:
        def run() -> None:
            with source.open("rb") as fin:
                store.put(keys.current, fin, DATA_KEY)
        return run

    def enc_read(store: Any, keys: Outputs) -> Callable[[], None]:
        def run() -> None:
            with store.open(keys.current, DATA_KEY) as stream, \
                    (work / reads.current).open("wb") as fout:
                shutil.copyfileobj(stream, fout, COPY_BUFFER)
        return run

    plain = Outputs(lambda name: (work / name).unlink(missing_ok=True), lambda n: f"plain{n}")

    def plain_copy(fsync: bool) -> Callable[[], None]:
        return lambda: copy_file(source, work / plain.current, fsync=fsync)

    def plain_read() -> None:
        copy_file(work / plain.current, work / reads.current)

    for fsync in (False, True):
        store = LocalDocumentStore(work / f"store-{fsync}", fsync=fsync)
        keys = Outputs(store.delete, lambda n: f"{KEY}.r{n}")
        t = timed({"plain_w": plain_copy(fsync), "enc_w": enc_write(store, keys),
                   "plain_r": plain_read, "enc_r": enc_read(store, keys)}, repeat,
                  before={"plain_w": plain.next, "enc_w": keys.next, "plain_r": reads.next,
                          "enc_r": reads.next})
        _row(f"local{' + fsync' if fsync else ''} vs copyfileobj", size,
             t["plain_w"], t["enc_w"], t["plain_r"], t["enc_r"])
        store.delete(keys.current)
    if not endpoint:
        return
    client = s3_client(endpoint)
    bucket = f"bench-{os.getpid()}-{size // MB}"
    make_bucket(client, bucket)
    s3 = S3DocumentStore(client, bucket)
    s3_keys = Outputs(s3.delete, lambda n: f"{KEY}.r{n}")
    s3_plain = Outputs(lambda name: client.delete_object(Bucket=bucket, Key=name),
                       lambda n: f"plain{n}")

    def plain_up() -> None:
        with source.open("rb") as fin:
            client.upload_fileobj(fin, bucket, s3_plain.current)

    def plain_down() -> None:
        with (work / reads.current).open("wb") as fout:
            client.download_fileobj(bucket, s3_plain.current, fout)

    t = timed({"plain_w": plain_up, "enc_w": enc_write(s3, s3_keys), "plain_r": plain_down,
               "enc_r": enc_read(s3, s3_keys), "copy_w": plain_copy(False), "copy_r": plain_read},
              repeat, before={"plain_w": s3_plain.next, "enc_w": s3_keys.next,
                              "copy_w": plain.next, "plain_r": reads.next, "enc_r": reads.next,
                              "copy_r": reads.next})
    _row("s3 (moto) vs boto3 plain", size, t["plain_w"], t["enc_w"], t["plain_r"], t["enc_r"])
    # and against the local plain copy, the yardstick the issue names
    _row("s3 (moto) vs copyfileobj", size, t["copy_w"], t["enc_w"], t["copy_r"], t["enc_r"])
    s3.delete_prefix("orders/")
    for outputs in (s3_plain, plain, reads):
        outputs.next()


def crypto_ceiling(repeat: int) -> None:
    """Print what encryption alone costs: 64 MB sealed and opened in memory, no I/O at all."""
    from coc_service.storage.crypto import ObjectEncryptor, decrypt_stream, encrypt_stream

    size = 64 * MB
    plaintext = os.urandom(size)
    sealed = b"".join(encrypt_stream(plaintext, DATA_KEY, KEY))

    def seal() -> None:  # as the local store does: sealed batches, written from their buffer
        for _ in ObjectEncryptor(DATA_KEY, KEY).batches(plaintext):
            pass

    def unseal() -> None:
        for _ in decrypt_stream(io.BytesIO(sealed), DATA_KEY, KEY):
            pass

    t = timed({"seal": seal, "open": unseal}, repeat)
    print(f"\nCrypto alone, in memory (AES-256-GCM + SHA-256 of the plaintext on write): "
          f"seal {size / MB / t['seal']:.0f} MB/s, open {size / MB / t['open']:.0f} MB/s")


def _row(name: str, size: int, plain_w: float, enc_w: float, plain_r: float, enc_r: float) -> None:
    def rate(seconds: float) -> float:
        return size / MB / seconds

    print(f"{name:<28}{size // MB:>5}MB{rate(plain_w):>10.0f}{rate(enc_w):>10.0f}"
          f"{plain_w / enc_w:>7.2f}{rate(plain_r):>10.0f}{rate(enc_r):>10.0f}"
          f"{plain_r / enc_r:>7.2f}")


def _hwm_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def _reset_hwm() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # Linux: reset the peak RSS to the current


def child(kind: str, size_mb: int, endpoint: str | None, work: Path) -> dict[str, float]:
    """Measure one store at one size in this (fresh) process; return the figures in MB."""
    from coc_service.storage.local import LocalDocumentStore
    from coc_service.storage.s3 import S3DocumentStore

    store: Any
    if kind == "local":
        store = LocalDocumentStore(work / "store", fsync=False)
    else:
        assert endpoint
        client = s3_client(endpoint)
        bucket = f"bench-mem-{os.getpid()}"
        make_bucket(client, bucket)
        store = S3DocumentStore(client, bucket)
    source = work / "source"
    make_source(source, size_mb * MB)

    def put() -> None:
        with source.open("rb") as fin:
            store.put(KEY, fin, DATA_KEY)

    def read() -> None:
        with store.open(KEY, DATA_KEY) as stream, (work / "out").open("wb") as fout:
            shutil.copyfileobj(stream, fout, COPY_BUFFER)

    put()  # warm-up: imports, connection pool, first-use allocations
    read()
    figures = {}
    for name, run in (("put", put), ("read", read)):
        base = _rss_kib()
        _reset_hwm()
        run()
        figures[f"{name}_rss_growth"] = (_hwm_kib() - base) * 1024 / MB
    for name, run in (("put", put), ("read", read)):
        tracemalloc.start()
        run()
        figures[f"{name}_tracemalloc_peak"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    store.delete(KEY)
    return figures


def memory(sizes: list[int], endpoint: str | None, work: Path) -> None:
    print("\nPeak memory per operation (MB; fresh child process per store and size)")
    print(f"{'store':<8}{'size':>7}{'put RSS+':>10}{'put trace':>11}{'read RSS+':>11}"
          f"{'read trace':>12}")
    for kind in ("local", "s3") if endpoint else ("local",):
        for size_mb in sizes:
            with tempfile.TemporaryDirectory(dir=work) as scratch:
                command = [sys.executable, "-m", "benchmarks.storage", "--child", kind,
                           "--child-size", str(size_mb), "--work", scratch]
                if endpoint:
                    command += ["--endpoint", endpoint]
                result = subprocess.run(command, capture_output=True, text=True, check=True)
            f = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"{kind:<8}{size_mb:>5}MB{f['put_rss_growth']:>10.1f}"
                  f"{f['put_tracemalloc_peak']:>11.1f}{f['read_rss_growth']:>11.1f}"
                  f"{f['read_tracemalloc_peak']:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20,200", help="object sizes in MB, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-s3", action="store_true")
    parser.add_argument("--child", choices=["local", "s3"], help=argparse.SUPPRESS)
    parser.add_argument("--child-size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.child_size, args.endpoint, args.work)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="coc-bench-") as tmp:
        work = Path(tmp)
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, work dir {work}")
        crypto_ceiling(args.repeat)
        if args.skip_s3:
            throughput(sizes, args.repeat, None, work)
            memory(sizes, None, work)
            return
        with moto_server() as endpoint:
            throughput(sizes, args.repeat, endpoint, work)
            memory(sizes, endpoint, work)


if __name__ == "__main__":
    main()
