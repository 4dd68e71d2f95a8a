"""'tail -f'-style log watcher.

Two producer threads render batches of structured log lines and write them
into their own os.pipe().  The main thread sits in select.select() over the
read ends, parses complete lines as they arrive, and every so often rolls the
parsed records up into per-service latency metrics.
"""
import json
import os
import select
import threading
import time

GT = {}
GT_LOCK = threading.Lock()

N_PRODUCERS = 2
CHUNKS_PER_PRODUCER = 200
LINES_PER_CHUNK = 200
SERVICES = ["auth", "billing", "search", "profile", "gateway"]
LEVELS = ["DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR"]


def _gt_add(name, dt):
    with GT_LOCK:
        GT[name] = GT.get(name, 0.0) + dt


def render_log_chunk(producer, chunk_no):
    t0 = time.thread_time()
    text = ""
    state = producer * 7919 + chunk_no * 104729
    for i in range(LINES_PER_CHUNK):
        for _ in range(24):
            state = (state * 6364136223846793005 + 1442695040888963407) % 18446744073709551616
        svc = SERVICES[state % 5]
        lvl = LEVELS[(state >> 8) % 6]
        lat = (state >> 20) % 2000
        line = "ts=" + str(chunk_no * LINES_PER_CHUNK + i)
        line += " svc=" + svc + " level=" + lvl
        line += " latency_ms=" + str(lat) + " producer=" + str(producer)
        line += " path=/api/v2/" + svc + "/items/" + str(state % 100000)
        line += " user=u" + str((state >> 12) % 50000) + " region=eu-west-" + str(state % 3)
        text += line + "\n"
    _gt_add("render_log_chunk", time.thread_time() - t0)
    return text.encode("ascii")


def parse_log_lines(lines):
    t0 = time.thread_time()
    records = []
    for line in lines:
        rec = {}
        key = ""
        val = ""
        in_val = False
        for c in line:
            if c == "=":
                in_val = True
            elif c == " ":
                rec[key] = val
                key = ""
                val = ""
                in_val = False
            elif in_val:
                val += c
            else:
                key += c
        if key:
            rec[key] = val
        lat = 0
        for c in rec["latency_ms"]:
            lat = lat * 10 + (ord(c) - 48)
        rec["latency_ms"] = lat
        records.append(rec)
    _gt_add("parse_log_lines", time.thread_time() - t0)
    return records


def rollup_metrics(records, metrics):
    t0 = time.thread_time()
    # the same records feed several rolling windows (1m, 5m, 15m, ...)
    for window in range(12):
        for rec in records:
            svc = rec["svc"]
            lat = rec["latency_ms"]
            wkey = (window, svc)
            if wkey not in metrics:
                metrics[wkey] = [0, 0, 0, 0, 0]  # count, sum, max, errors, log2 sum
            m = metrics[wkey]
            m[0] += 1
            m[1] += lat
            if lat > m[2]:
                m[2] = lat
            if rec["level"] == "ERROR":
                m[3] += 1
            bucket = 0
            x = lat
            while x > 0:
                x = x // 2
                bucket += 1
            m[4] += bucket
    _gt_add("rollup_metrics", time.thread_time() - t0)


def producer(pid, wfd):
    try:
        for c in range(CHUNKS_PER_PRODUCER):
            data = render_log_chunk(pid, c)
            view = memoryview(data)
            while view:
                n = os.write(wfd, view)
                view = view[n:]
    finally:
        os.close(wfd)


def main():
    readers = {}
    threads = []
    for p in range(N_PRODUCERS):
        r, w = os.pipe()
        readers[r] = b""
        t = threading.Thread(target=producer, args=(p, w), daemon=True)
        t.start()
        threads.append(t)

    metrics = {}
    pending = []
    total_lines = 0
    while readers:
        ready, _, _ = select.select(list(readers), [], [], 1.0)
        for fd in ready:
            data = os.read(fd, 16384)
            if not data:
                os.close(fd)
                del readers[fd]
                continue
            buf = readers[fd] + data
            cut = buf.rfind(b"\n")
            if cut < 0:
                readers[fd] = buf
                continue
            complete, readers[fd] = buf[:cut], buf[cut + 1:]
            recs = parse_log_lines(complete.decode("ascii").split("\n"))
            total_lines += len(recs)
            pending.extend(recs)
            while len(pending) >= 500:
                rollup_metrics(pending[:500], metrics)
                pending = pending[500:]
    if pending:
        rollup_metrics(pending, metrics)
    for t in threads:
        t.join()
    errs = sum(m[3] for k, m in metrics.items() if k[0] == 0)
    services = len(set(k[1] for k in metrics))
    print("lines=%d services=%d errors=%d" % (total_lines, services, errs))
    print("GROUND_TRUTH " + json.dumps(GT))


if __name__ == "__main__":
    main()
