"""Memory ground truth: a form-post handler with a bounded fragment cache
(plateau) beside a slow session leak, and large per-request temporaries.

Each request carries a deflated, url-encoded form body of ~1500 fields.
The handler inflates it (~47 KB bytes), decodes it, splits it into
(key, value) pairs with a compiled regex (~275 KB of small tuples/strings
that stay alive for the whole request), validates the fields, renders (or
fetches from an LRU cache) an HTML fragment for the requested
(template, locale, item) and assembles the page. A bug in the session
layer: every anonymous request gets a new session, stored forever with a
serialized copy of the first 240 form fields.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  session   leak: SESSIONS[f"sid-..."] = "&".join(...) -- a ~7.5 KB str plus
            its key per request, never expired -> ~11 MB at exit, linear
            (includes the dict's table)
  fragment  plateau: "".join(parts) in render_fragment() -- ~23-31 KB
            fragments held in an OrderedDict LRU capped at 256 entries;
            about 90 % of lookups miss, so the cache is full after ~280 of
            the 1500 requests and stays at ~6.6 MB (old fragments evicted)
  raw       churn: the inflated ~47 KB body, per request
  pairs     churn: the ~275 KB of regex pairs (and the decoded text), per
            request, alive ~2 ms; ~110-120 MB per CPU second
  page      churn: the assembled ~35 KB page, per request
  (churn lines keep 0 MB; "allocated_mb" is what they allocated in total
   by sys.getsizeof)
About 2.2-2.5 ms of CPU per request, ~3.3-3.8 s in all. The compressed bodies, the
cache keys and the rest of the file keep < 2 % of the total. Values:
sys.getsizeof arithmetic of the kept objects (requested bytes); `--verify`
re-measures with tracemalloc on 600 requests (cache already full).
MB = 2**20 bytes. (tracemalloc may still charge ~0.1 MB to the pairs line at exit:
CPython's tuple free lists keep some freed tuples allocated.)
"""
import os
import random
import re
import sys
import time
import zlib
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

REQUESTS = 1500
CACHE_CAP = 256
FIELDS = 1500
SESSIONS = {}
FRAGMENTS = OrderedDict()
ALLOCATED = {"raw": 0, "pairs": 0, "page": 0}
PAIR_RE = re.compile(r"([^&=]+)=([^&]*)")
TEMPLATES = ("product", "basket", "wishlist", "compare", "reviews", "orders")
LOCALES = ("en-GB", "de-DE", "fr-FR", "nl-NL", "it-IT", "es-ES", "pl-PL", "sv-SE")
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
         "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango")
HEADER = "<!doctype html><html><head><title>shop</title></head><body>" + "<!-- pad -->" * 40
FOOTER = "<footer>" + "&nbsp;" * 200 + "</footer></body></html>"


def _body(seed):
    rng = random.Random(seed)
    parts = []
    for k in range(FIELDS):
        parts.append("f%04d_%s=%s+%s+%d" % (k, rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS),
                                              rng.randrange(10 ** 6)))
    return zlib.compress("&".join(parts).encode("ascii"), 9)


BODIES = [_body(s) for s in range(4)]


def render_fragment(template, locale, item, params):
    rows = 380 + (item * 7) % 120
    parts = ["<section class='%s' lang='%s'>" % (template, locale)]
    for r in range(rows):
        parts.append("<tr><td>%s-%03d</td><td>%s</td><td>%8.2f</td></tr>\n" % (
            template, r, WORDS[(item + r) % 20], (item * 31 + r * 7) % 997 / 3.0))
    parts.append("</section>")
    return "".join(parts)  # [gt:fragment]


def handle(rng, i):
    raw = zlib.decompress(BODIES[i % len(BODIES)])  # [gt:raw]
    pairs = PAIR_RE.findall(raw.decode("ascii"))  # [gt:pairs]
    bad = [k for k, v in pairs if not v or len(k) > 40]
    checksum = 0
    for k, v in pairs:
        if v.endswith("7"):
            checksum = (checksum * 31 + len(k) + len(v)) & 0xFFFFFFFF
    key = (TEMPLATES[rng.randrange(6)], LOCALES[rng.randrange(8)], rng.randrange(60))
    html = FRAGMENTS.get(key)
    if html is None:
        html = render_fragment(key[0], key[1], key[2], pairs)
        FRAGMENTS[key] = html
        if len(FRAGMENTS) > CACHE_CAP:
            FRAGMENTS.popitem(last=False)
    else:
        FRAGMENTS.move_to_end(key)
    page = "".join((HEADER, "<main data-sum='%08x'>" % checksum, html, "</main>", FOOTER))  # [gt:page]
    SESSIONS[f"sid-{i:06d}-{checksum:08x}"] = "&".join([f"{k}={v}" for k, v in pairs[:240]])  # [gt:session]
    ALLOCATED["raw"] += sys.getsizeof(raw)
    ALLOCATED["pairs"] += (sys.getsizeof(pairs) + sum(map(sys.getsizeof, pairs))
                           + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in pairs))
    ALLOCATED["page"] += sys.getsizeof(page)
    return len(page) + len(bad)


def run(n):
    rng = random.Random(99)
    total = 0
    for i in range(n):
        total += handle(rng, i)
    return total


def expected():
    me = os.path.abspath(__file__)
    sess = sys.getsizeof(SESSIONS) - sys.getsizeof({})
    sess += sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in SESSIONS.items())
    frag = sum(sys.getsizeof(v) for v in FRAGMENTS.values())
    truth = {
        str(lineof(me, "session")): {"kind": "leak", "mb": round(sess / MB, 2), "kept_mb": round(sess / MB, 2),
                                     "entries": len(SESSIONS)},
        str(lineof(me, "fragment")): {"kind": "plateau", "mb": round(frag / MB, 2), "kept_mb": round(frag / MB, 2),
                                      "entries": len(FRAGMENTS), "capacity": CACHE_CAP},
    }
    for tag in ("raw", "pairs", "page"):
        truth[str(lineof(me, tag))] = {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                       "allocated_mb": round(ALLOCATED[tag] / MB, 1)}
    return truth


def main():
    me = os.path.abspath(__file__)
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(600)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        tracemalloc.stop()
        want = expected()
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.02 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if not check(want, measured) or not unl_ok:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    run(REQUESTS)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
        elif v["kind"] == "churn":
            v["churn_mb_per_cpu_s_measured"] = round(v["allocated_mb"] / dc, 1)
    emit(truth)


if __name__ == "__main__":
    main()
