"""Scan a syslog dump (script style, no functions): collect the hosts that
reported, build an alert report, keep the latest alerts first."""
import random
import re

random.seed(137)
LINE = re.compile(r"^(\w{3} +\d+ [\d:]+) (\S+) (\w+)\[(\d+)\]: (.*)$")
SEVERE = ("error", "fail", "panic", "denied")

raw = []
for i in range(28000):
    host = f"host{random.randrange(3000):04d}"
    proc = random.choice(["sshd", "cron", "kernel", "nginx", "postfix"])
    msg = random.choice(["session opened", "connection reset", "auth failure for root",
                         "permission denied", "job finished", "error: disk full", "ok"])
    raw.append(f"Mar {1 + i % 28:2d} 12:{i % 60:02d}:{i % 59:02d} {host} {proc}[{1000 + i % 900}]: {msg}")

hosts_seen = []
report_parts = []
alerts = []
for line in raw:
    m = LINE.match(line)
    if not m:
        continue
    stamp, host, proc, pid, msg = m.groups()
    if host not in hosts_seen:
        hosts_seen.append(host)
    if any(w in msg for w in SEVERE):
        report_parts.append(f"{stamp} {host} {proc}: {msg}\n")
        if len(alerts) < 10:
            alerts.insert(0, host)

report = "".join(report_parts)
print("hosts", len(hosts_seen), "report bytes", len(report), "lines", report.count("\n"), "latest", alerts[:3])
