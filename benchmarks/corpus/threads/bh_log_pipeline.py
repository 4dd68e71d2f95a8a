#!/usr/bin/env python3
"""Log processing pipeline.

tailer thread --raw_q--> 3 parser threads --rec_q--> main thread aggregator

The tailer polls for new "log files" (sleeping between polls) and renders a
batch of lines; the parsers do the expensive field extraction; the main
thread folds the parsed records into running statistics.
"""
import json
import queue
import threading
import time

N_BATCHES = 100
LINES_PER_BATCH = 1600
N_PARSERS = 3
POLL_INTERVAL = 0.01

_cpu_lock = threading.Lock()
CPU = {}

LEVELS = ("DEBUG", "INFO", "INFO", "INFO", "WARN", "ERROR")
PATHS = ("/api/users", "/api/orders", "/static/app.js", "/login", "/api/search", "/health")
METHODS = ("GET", "GET", "POST", "PUT", "DELETE")


def _add_cpu(name, started):
    spent = time.thread_time() - started
    with _cpu_lock:
        CPU[name] = CPU.get(name, 0.0) + spent


def render_log_batch(batch_no):
    started = time.thread_time()
    state = batch_no * 2654435761 & 0xFFFFFFFF
    lines = []
    for i in range(LINES_PER_BATCH):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        level = LEVELS[state % len(LEVELS)]
        path = PATHS[(state >> 8) % len(PATHS)]
        method = METHODS[(state >> 16) % len(METHODS)]
        status = 200 if state % 7 else (500 if state % 3 else 404)
        latency = (state >> 4) % 900 + 3
        user = "u%05d" % ((state >> 12) % 5000)
        ts = "2024-03-%02dT%02d:%02d:%02d" % (1 + batch_no % 28, (i // 3600) % 24,
                                                 (i // 60) % 60, i % 60)
        lines.append(ts + " " + level + " req method=" + method + " path=" + path +
                     " status=" + str(status) + " latency_ms=" + str(latency) +
                     " user=" + user + " msg=\"handled request " + str(i) + "\"")
    _add_cpu("render_log_batch", started)
    return lines


def parse_log_lines(lines):
    started = time.thread_time()
    records = []
    for line in lines:
        fields = {}
        key = []
        val = []
        in_val = False
        quoted = False
        for ch in line:
            if quoted:
                if ch == '"':
                    quoted = False
                else:
                    val.append(ch)
            elif ch == '"':
                quoted = True
            elif ch == " ":
                if in_val:
                    fields["".join(key)] = "".join(val)
                key = []
                val = []
                in_val = False
            elif ch == "=" and not in_val:
                in_val = True
            elif in_val:
                val.append(ch)
            else:
                key.append(ch)
        if in_val:
            fields["".join(key)] = "".join(val)
        ms = 0
        for d in fields.get("latency_ms", "0"):
            ms = ms * 10 + (ord(d) - 48)
        level = line[20:25].strip()
        records.append((level, fields.get("method"), fields.get("path"),
                        int(fields.get("status", "0")), ms, fields.get("user")))
    _add_cpu("parse_log_lines", started)
    return records


def update_stats(stats, records):
    started = time.thread_time()
    by_path = stats.setdefault("by_path", {})
    users = stats.setdefault("users", {})
    hist = stats.setdefault("hist", [0] * 20)
    for level, method, path, status, ms, user in records:
        entry = by_path.get(path)
        if entry is None:
            entry = by_path[path] = {"n": 0, "sum": 0, "errors": 0, "max": 0}
        entry["n"] += 1
        entry["sum"] += ms
        if status >= 500 or level == "ERROR":
            entry["errors"] += 1
        if ms > entry["max"]:
            entry["max"] = ms
        users[user] = users.get(user, 0) + 1
        shard = 0
        for ch in user:
            shard = (shard * 131 + ord(ch)) % 1000003
        shards = stats.setdefault("shards", {})
        shards[shard % 64] = shards.get(shard % 64, 0) + ms
        bucket = 0
        v = ms
        while v > 1 and bucket < 19:
            v //= 2
            bucket += 1
        hist[bucket] += 1
    _add_cpu("update_stats", started)


def tailer(raw_q):
    for b in range(N_BATCHES):
        time.sleep(POLL_INTERVAL)        # wait for the next chunk of the log
        raw_q.put(render_log_batch(b))
    for _ in range(N_PARSERS):
        raw_q.put(None)


def parser(raw_q, rec_q):
    while True:
        lines = raw_q.get()
        if lines is None:
            rec_q.put(None)
            return
        rec_q.put(parse_log_lines(lines))


def main():
    raw_q = queue.Queue(maxsize=8)
    rec_q = queue.Queue()
    threads = [threading.Thread(target=tailer, args=(raw_q,), name="tailer")]
    for i in range(N_PARSERS):
        threads.append(threading.Thread(target=parser, args=(raw_q, rec_q), name="parser-%d" % i))
    for t in threads:
        t.start()

    stats = {}
    finished = 0
    batches = 0
    while finished < N_PARSERS:
        item = rec_q.get()
        if item is None:
            finished += 1
            continue
        batches += 1
        update_stats(stats, item)
    for t in threads:
        t.join()

    worst = max(stats["by_path"].items(), key=lambda kv: kv[1]["errors"])
    print("batches=%d paths=%d users=%d worst=%s" % (
        batches, len(stats["by_path"]), len(stats["users"]), worst[0]))
    print("GROUND_TRUTH " + json.dumps(CPU))


if __name__ == "__main__":
    main()
