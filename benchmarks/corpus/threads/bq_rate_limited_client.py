"""Rate-limited API client simulation.

Worker threads pull "endpoints" from a queue, sleep to simulate network
latency / rate limiting, build a request payload by hand, then parse the
(simulated) response body with a small hand-written JSON-ish parser.
The main thread summarizes the latency/size numbers at the end.
"""
import json
import queue
import threading
import time
from collections import defaultdict

CPU = defaultdict(float)
CPU_LOCK = threading.Lock()

N_WORKERS = 4
N_CALLS = 96
RATE_LIMIT_SLEEP = 0.01


def _record(name, dt):
    with CPU_LOCK:
        CPU[name] += dt


def build_request_payload(endpoint_id, n_fields):
    t0 = time.thread_time()
    out = "{"
    for i in range(n_fields):
        key = "field_" + str(i)
        val = (endpoint_id * 31 + i * 17) % 1000
        out += '"' + key + '":' + str(val)
        if i != n_fields - 1:
            out += ","
    out += "}"
    checksum = 0
    for ch in out:
        checksum = (checksum * 131 + len(ch)) % 1000003
    _record("build_request_payload", time.thread_time() - t0)
    return out, checksum


def parse_response_body(body):
    t0 = time.thread_time()
    result = {}
    i = 0
    n = len(body)
    key = ""
    num = 0
    state = 0  # 0 = looking for key, 1 = in key, 2 = looking for value, 3 = in number
    while i < n:
        c = body[i]
        if state == 0:
            if c == '"':
                key = ""
                state = 1
        elif state == 1:
            if c == '"':
                state = 2
            else:
                key += c
        elif state == 2:
            if c == ":":
                num = 0
                state = 3
        else:
            if "0" <= c <= "9":
                num = num * 10 + (ord(c) - 48)
            else:
                result[key] = num
                state = 0
        i += 1
    if state == 3:
        result[key] = num
    total = 0
    for k in result:
        total += result[k] * 3 + 1
    _record("parse_response_body", time.thread_time() - t0)
    return result, total


def summarize_latencies(records):
    t0 = time.thread_time()
    buckets = {}
    grand = 0
    for rep in range(900):
        for rec in records:
            endpoint, size, total = rec
            b = (size * 7 + total + rep) % 97
            if b in buckets:
                buckets[b] += 1
            else:
                buckets[b] = 1
            x = total
            for _ in range(40):
                x = (x * 1103515245 + 12345) % 2147483648
            grand += x % 1000
    _record("summarize_latencies", time.thread_time() - t0)
    return buckets, grand


def worker(q, results, res_lock):
    while True:
        endpoint = q.get()
        if endpoint is None:
            q.task_done()
            return
        payload, _ = build_request_payload(endpoint, 3500)
        time.sleep(RATE_LIMIT_SLEEP)  # simulated network latency / rate limit
        # the "server" echoes our payload back with a bit of extra data
        body = payload[:-1] + ',"status":200,"request_id":' + str(endpoint) + "}"
        parsed, total = parse_response_body(body)
        with res_lock:
            results.append((endpoint, len(parsed), total))
        q.task_done()


def main():
    q = queue.Queue()
    results = []
    res_lock = threading.Lock()
    threads = [threading.Thread(target=worker, args=(q, results, res_lock)) for _ in range(N_WORKERS)]
    for t in threads:
        t.start()
    for e in range(N_CALLS):
        q.put(e)
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    results.sort()
    buckets, grand = summarize_latencies(results)
    print("calls=%d buckets=%d grand=%d" % (len(results), len(buckets), grand))
    print("GROUND_TRUTH " + json.dumps(dict(CPU)))


if __name__ == "__main__":
    main()
