"""Memory ground truth: a slow leak of medium blocks -- a packet capture buffer.

A capture tool receives 1500 packets, each with a textual dissection of
~720 header fields ("ip.ttl @34: 0x40"). It parses them (regex findall,
int parsing, struct.pack of the small fields, sorting by layer/offset),
then keeps, in two module-level lists that are never trimmed:

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  leak  CAPTURE.append(zlib.decompress(TEMPLATES[k]))  -- the packet's
        payload, one C call, 24/28/32/36/40 KiB in turn (32 KiB on average)
        -> kept ~46.9 MB at exit, growing linearly over the run
  leak  SUMMARIES.append("\\n".join(lines))  -- a ~3 KB header summary str
        per packet -> kept ~4.5 MB (~8.7 % of the total), linear
Both amounts include the lists' pointer arrays. Everything else (the
dissection text, matches, packed fields, sorted lists) is freed every
packet; no other line keeps >= 5 % of the total.
About 2 ms of CPU per packet, ~3 s CPU in all, i.e. ~17 MB per CPU second
(the program prints the wall-clock rates it actually achieved).
Values: sys.getsizeof arithmetic of the kept objects (requested bytes);
`--verify` measures with tracemalloc on a shorter run (400 packets).
MB = 2**20 bytes.
"""
import os
import random
import re
import struct
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

CAPTURE = []
SUMMARIES = []
PACKETS = 1500
FIELDS = 720
SIZES = [24 * 1024, 28 * 1024, 32 * 1024, 36 * 1024, 40 * 1024]
NAMES = ["eth.type", "ip.ttl", "ip.proto", "ip.id", "tcp.srcport", "tcp.dstport",
         "tcp.seq", "tcp.ack", "tcp.window", "udp.length", "tls.record", "dns.qid"]
FIELD_RE = re.compile(r"^(\w+)\.(\w+) @(\d+): 0x([0-9a-f]+)$", re.M)


def _template(size, seed):
    rng = random.Random(seed)
    words = [b"GET", b"Host:", b"Accept:", b"gzip", b"keep-alive", b"\r\n", b"200 OK"]
    raw = b" ".join(rng.choice(words) for _ in range(size // 3))
    return zlib.compress(raw[:size].ljust(size, b"."), 6)


TEMPLATES = [_template(size, k) for k, size in enumerate(SIZES)]


def dissect(rng):
    out = []
    for _ in range(FIELDS):
        name = rng.choice(NAMES)
        out.append("%s @%d: 0x%x" % (name, rng.randint(0, 1500), rng.getrandbits(rng.choice((8, 16, 32)))))
    return "\n".join(out)


def capture(rng, k):
    fields = []
    for layer, name, off, val in FIELD_RE.findall(dissect(rng)):
        value = int(val, 16)
        packed = struct.pack("!HHI", int(off), len(name), value & 0xFFFFFFFF)
        fields.append((layer, int(off), name, value, packed))
    fields.sort(key=lambda f: (f[0], f[1], f[2]))
    checksum = sum(struct.unpack("!HHI", f[4])[2] for f in fields) & 0xFFFF
    lines = ["%-5s %-7s off=%5d val=%10d cks=%04x" % (f[0], f[2], f[1], f[3], checksum) for f in fields[:64]]
    CAPTURE.append(zlib.decompress(TEMPLATES[k % len(TEMPLATES)]))  # [gt:payload]
    SUMMARIES.append("\n".join(lines))  # [gt:summary]
    return checksum


def expected():
    me = os.path.abspath(__file__)
    truth = {}
    for tag, kept in (("payload", CAPTURE), ("summary", SUMMARIES)):
        size = sum(sys.getsizeof(x) for x in kept) + sys.getsizeof(kept) - sys.getsizeof([])
        truth[str(lineof(me, tag))] = {"kind": "leak", "mb": round(size / MB, 2),
                                       "kept_mb": round(size / MB, 2)}
    return truth


def run(n):
    rng = random.Random(4321)
    acc = 0
    for k in range(n):
        acc ^= capture(rng, k)
    return acc


def main():
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(400)
        want = expected()
        measured = traced_by_line(tracemalloc.take_snapshot(), os.path.abspath(__file__))
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.05 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if check(want, measured) and not unl_ok:
            print("VERIFY FAIL")
        return
    t0 = time.perf_counter()
    run(PACKETS)
    dt = time.perf_counter() - t0
    truth = expected()
    for v in truth.values():
        v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 1)
    emit(truth)


if __name__ == "__main__":
    main()
