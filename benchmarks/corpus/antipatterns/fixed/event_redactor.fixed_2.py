"""Audit-log redaction job.

Reads JSON-lines audit events, drops events from blocked service accounts,
masks sensitive fields with per-field regular expressions from a privacy
config (one rule per tenant field), and writes the cleaned lines. Prints
counts and a checksum of the output.
"""
import json
import random
import re
import zlib

N_FIELDS = 700
N_EVENTS = 14000
BLOCKED_ACCOUNTS = ["svc-%05d" % (i * 37 % 99991) for i in range(2500)]
KEEP_LEVELS = ["info", "warn", "error"]


def make_config(rng):
    rules = {}
    for f in range(N_FIELDS):
        digits = rng.randint(3, 6)
        rules["field_%03d" % f] = r"(?:f%03d:)?(?<![\d])(%d\d{%d})(?![\d])" % (f, f % 10, digits)
    return rules


def make_events(rng):
    fields = ["field_%03d" % f for f in range(N_FIELDS)]
    lines = []
    for i in range(N_EVENTS):
        ev = {"ts": 1_700_000_000 + i, "level": rng.choice(KEEP_LEVELS + ["debug"])}
        if rng.random() < 0.3:
            ev["account"] = "svc-%05d" % rng.randrange(99991)
        else:
            ev["account"] = "user-%d" % rng.randrange(5000)
        for f in rng.sample(fields, 3):
            ev[f] = "id %d%d ref %d" % (rng.randrange(10), rng.randrange(10**5), rng.randrange(10**4))
        lines.append(json.dumps(ev))
    return lines


def redact(lines, rules):
    out = []
    compiled = {k: re.compile(p) for k, p in rules.items()}
    dropped = 0
    masked = 0
    for line in lines:
        ev = json.loads(line)
        if ev["account"] in BLOCKED_ACCOUNTS:
            dropped += 1
            continue
        if ev["level"] not in KEEP_LEVELS:
            continue
        for key in list(ev):
            if key in rules:
                new, n = compiled[key].subn("***", ev[key])
                ev[key] = new
                masked += n
        out.append(json.dumps(ev, sort_keys=True))
    return out, dropped, masked


def main():
    rng = random.Random(555)
    rules = make_config(rng)
    lines = make_events(rng)
    out, dropped, masked = redact(lines, rules)
    checksum = 0
    for line in out:
        checksum = zlib.crc32(line.encode(), checksum)
    print("events", len(lines), "kept", len(out), "dropped", dropped, "masked", masked)
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
