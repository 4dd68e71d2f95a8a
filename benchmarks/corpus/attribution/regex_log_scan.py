"""Security scan of a web-server log: every rule is a compiled regex run
over the whole log; hits are tallied per rule."""
import random
import re

RULES = {
    "sqli": re.compile(r"(?i)union\s+select|or\s+1=1|sleep\(\d+\)"),
    "traversal": re.compile(r"\.\./\.\./|%2e%2e%2f"),
    "xss": re.compile(r"(?i)<script[^>]*>|javascript:"),
    "scanner": re.compile(r"(?i)nikto|sqlmap|nmap|masscan"),
    "ip": re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b"),
}


def make_log(n, rng):
    paths = ["/index.html", "/api/items?id=%d", "/search?q=union select 1", "/../../etc/passwd",
             "/login", "/static/app.js", "/?q=<script>alert(1)</script>", "/img/logo.png"]
    agents = ["Mozilla/5.0", "curl/8.1", "sqlmap/1.7", "Nikto/2.5", "python-requests/2.31"]
    out = []
    for i in range(n):
        path = rng.choice(paths)
        if "%d" in path:
            path = path % i
        out.append('10.%d.%d.%d - - [12/Mar/2024:10:%02d:%02d] "GET %s HTTP/1.1" %d %d "%s"' % (
            rng.randrange(256), rng.randrange(256), rng.randrange(256), i % 60, i % 59,
            path, rng.choice([200, 200, 404, 500]), rng.randrange(9000), rng.choice(agents)))
    return "\n".join(out)


def scan(log, passes):
    tallies = {name: 0 for name in RULES}
    for _ in range(passes):
        for name, rule in RULES.items():
            hits = rule.findall(log)
            tallies[name] += len(hits)
            last = name
    return tallies


def main():
    rng = random.Random(31)
    log = make_log(50000, rng)
    tallies = scan(log, 3)
    print(sorted(tallies.items()))


if __name__ == "__main__":
    main()
