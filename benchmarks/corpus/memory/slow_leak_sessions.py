"""Memory ground truth: a slow leak next to a plateau in one run -- a small
web-app request loop opens a Session (a __slots__ class carrying a few KB of
payload) on every login and appends it to SESSIONS, which nothing ever
prunes, while rendered product pages go through a bounded LRU
(collections.OrderedDict capped at 400 entries) that fills up early.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  state    leak: the session's serialized cart, json...encode() bytes of
           ~10 KB per login                                  -> 31.59 MB
  history  leak: the session's click history, one str of ~4 KB per login
                                                             -> 13.28 MB
           -> 3300 logins in 6600 requests, both lines grow linearly over
              the whole run (~15 MB per CPU second together, ~3 s of CPU)
  page     plateau: the rendered product page, a ~20 KB str; the LRU keeps
           the 400 most recent (7.93 MB) and is full after ~570 requests
           (< 10 % of the run), then flat (each insert evicts one)
  (every other line keeps < 2 % of the total: Session objects, ids, keys)
Printed as well: "rate_mb_per_s_measured" (wall), "rate_mb_per_cpu_s_measured"
(leaks), "full_at_request" (plateau). Values: sys.getsizeof arithmetic;
`--verify` re-measures with tracemalloc on 3000 requests, also at 1/4, 1/2
and 3/4 of the run (the plateau is flat, the leaks linear). MB = 2**20 bytes.
"""
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

REQUESTS = 6600
CAP = 400
SESSIONS = []
LRU = OrderedDict()
FULL_AT = []
MASK = 0xFFFFFFFF
REQ_RE = re.compile(r"^(GET|POST) (/[a-z]+)/(\d+) HTTP/1\.1\r\nHost: ([\w.]+)\r\nCookie: sid=(\w+)")
ADJ = "red blue steel oak linen compact deluxe eco vintage modular".split()
NOTES = ["gift wrap %s %s, deliver to %s entrance, call ahead" % (a, b, c) for a in ADJ for b in ADJ for c in ADJ[:3]]


class Session:
    __slots__ = ("sid", "user", "opened", "state", "history")

    def __init__(self, sid, user, opened, state, history):
        self.sid, self.user, self.opened, self.state, self.history = sid, user, opened, state, history


def render_product(pid):
    rng = random.Random(pid)
    rows = ["<tr><td>%s %s variant %03d</td><td>%8.2f EUR</td><td>%s</td></tr>\n" % (
        rng.choice(ADJ), rng.choice(ADJ), v, rng.uniform(5, 900), "%08x%08x" % (pid * 2654435761 & MASK, v * 40503))
        for v in range(rng.randrange(220, 250))]
    return "<html><h1>Product %d</h1><table>\n%s</table></html>" % (pid, "".join(rows))  # [gt:page]


def get_page(pid, i):
    key = "/product/%d" % pid
    if key in LRU:
        LRU.move_to_end(key)
        return LRU[key]
    page = LRU[key] = render_product(pid)
    if len(LRU) > CAP:
        LRU.popitem(last=False)
    elif len(LRU) == CAP:
        FULL_AT.append(i)
    return page


def login(i, rng):
    cart = [{"sku": "SKU-%05d" % rng.randrange(99999), "qty": rng.randrange(1, 9),
             "price": round(rng.uniform(1, 300), 2), "note": rng.choice(NOTES)} for _ in range(rng.randrange(80, 100))]
    state = json.dumps({"user": i, "cart": cart}, separators=(",", ":")).encode()  # [gt:state]
    clicks = ["/product/%d?ref=%s&t=%d" % (rng.randrange(3000), rng.choice(ADJ), i * 31 + k) for k in range(130)]
    history = "\n".join(clicks)  # [gt:history]
    SESSIONS.append(Session("s%08d" % i, "user%05d" % rng.randrange(20000), i, state, history))


def handle(i, rng):
    pid = rng.randrange(50) if rng.random() < 0.3 else rng.randrange(3000)
    raw = "GET /product/%d HTTP/1.1\r\nHost: shop.example\r\nCookie: sid=s%08d\r\n\r\n" % (pid, i)
    m = REQ_RE.match(raw)
    page = get_page(int(m.group(3)), i)
    etag = hashlib.sha256(page.encode()).hexdigest()
    if i % 2 == 0:
        login(i, rng)
    return len(page) + int(etag[:4], 16)


def expected():
    me = os.path.abspath(__file__)
    state = sum(sys.getsizeof(s.state) for s in SESSIONS) / MB
    history = sum(sys.getsizeof(s.history) for s in SESSIONS) / MB
    pages = sum(sys.getsizeof(p) for p in LRU.values()) / MB
    return {str(lineof(me, "state")): {"kind": "leak", "mb": round(state, 2), "kept_mb": round(state, 2)},
            str(lineof(me, "history")): {"kind": "leak", "mb": round(history, 2), "kept_mb": round(history, 2)},
            str(lineof(me, "page")): {"kind": "plateau", "mb": round(pages, 2), "kept_mb": round(pages, 2),
                                      "full_at_request": FULL_AT[0] if FULL_AT else None}}


def main():
    me = os.path.abspath(__file__)
    rng = random.Random(2024)
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        n, snaps = 3000, []
        for i in range(n):
            handle(i, rng)
            if (i + 1) % (n // 4) == 0:
                snaps.append(traced_by_line(tracemalloc.take_snapshot(), me))
        exp = expected()
        measured = snaps[-1]
        total = sum(measured.values())
        top = max((kv for kv in measured.items() if kv[0] not in exp), key=lambda kv: kv[1])
        print("VERIFY retained in this file %.2f MB; largest unlabelled line %s holds %.2f %%" % (
            total, top[0], 100 * top[1] / total))
        strict = top[1] < 0.05 * total
        for line, v in sorted(exp.items()):
            err = abs(measured.get(line, 0) - v["mb"]) / v["mb"]
            quarters = [s.get(line, 0) for s in snaps]
            if v["kind"] == "plateau":  # flat from the first quarter on
                shape = all(abs(q - quarters[-1]) <= 0.05 * quarters[-1] for q in quarters)
            else:  # linear: quarter k holds k/4 of the final amount
                shape = all(abs(q - quarters[-1] * (k + 1) / 4) <= 0.05 * quarters[-1] for k, q in enumerate(quarters))
            strict = strict and err <= 0.05 and shape
            print("VERIFY line %s %s relative error %.2f %%; at 1/4..4/4 of the run: %s MB %s" % (
                line, v["kind"], 100 * err, " ".join("%.2f" % q for q in quarters), "ok" if shape else "BAD SHAPE"))
        if not strict:
            print("VERIFY strict 5 % check failed")
        if not check(exp, measured) or not strict:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(REQUESTS):
        handle(i, rng)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
    emit(truth)


if __name__ == "__main__":
    main()
