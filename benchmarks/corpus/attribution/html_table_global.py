"""Render an HTML status page for a fleet of servers; the page is kept in a
module-level string that every helper appends to."""
import random

PAGE = ""


def emit_row(host, cpu, mem, status):
    global PAGE
    PAGE += "<tr><td>%s</td><td>%.1f</td><td>%.1f</td><td>%s</td></tr>\n" % (host, cpu, mem, status)


def render(hosts, rng):
    global PAGE
    PAGE = "<html><body><table>\n"
    rows = 0
    alerts = 0
    for i, host in enumerate(hosts):
        cpu = rng.random() * 100
        mem = rng.random() * 64
        status = "ALERT" if cpu > 95 else "ok"
        PAGE += "<!-- %s -->\n" % host
        alerts += status == "ALERT"
        emit_row(host, cpu, mem, status)
        rows += 1
    PAGE += "</table></body></html>\n"
    return rows, alerts


def main():
    rng = random.Random(99)
    hosts = ["srv-%04d.dc%d.internal" % (i, i % 3) for i in range(8000)]
    rows, alerts = render(hosts, rng)
    print("rows", rows, "alerts", alerts, "bytes", len(PAGE))


if __name__ == "__main__":
    main()
