"""Roll up a multi-tenant access log.

Every tenant has its own routing rule (a regular expression kept as text in the
tenant table); the report counts matched requests per tenant and per client.
"""
import random
import re
from collections import Counter

random.seed(7)

N_TENANTS = 700
N_LINES = 14000

LINE_RE = re.compile(r'^(\S+) - - \[(\d+)\] "(\w+) (\S+) HTTP/1\.1" (\d{3}) (\d+) tenant=(\w+)$')
ALLOWED_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]

TENANT_RULES = {}
TENANT_PREFIX = {}
for t in range(N_TENANTS):
    prefix = "".join(random.choice("abcdefghij") for _ in range(4))
    TENANT_PREFIX[f"t{t:03d}"] = prefix
    TENANT_RULES[f"t{t:03d}"] = r"^/%s/(v\d+)/(\w+)/(\d{%d,})" % (prefix, 1 + t % 4)


def make_lines():
    lines = []
    for i in range(N_LINES):
        tenant = f"t{random.randrange(N_TENANTS):03d}"
        ip = "10.%d.%d.%d" % (random.randrange(4), random.randrange(30), random.randrange(20))
        if random.random() < 0.8:
            path = "/%s/v%d/%s/%d" % (TENANT_PREFIX[tenant], random.randrange(1, 4),
                                      random.choice(["users", "orders", "items"]), random.randrange(10**5))
        else:
            path = "/static/%d.css" % random.randrange(100)
        method = random.choice(ALLOWED_METHODS)
        status = random.choice([200, 200, 200, 201, 304, 404, 500])
        lines.append(f'{ip} - - [{1700000000 + i}] "{method} {path} HTTP/1.1" {status} {random.randrange(50000)} tenant={tenant}')
    return lines


def classify(tenant, path):
    m = re.compile(TENANT_RULES[tenant]).match(path)
    if m is None:
        return None
    return m.group(2)


def main():
    per_tenant = Counter()
    per_resource = Counter()
    clients = {}
    errors = 0
    for line in make_lines():
        m = LINE_RE.match(line)
        ip, ts, method, path, status, size, tenant = m.groups()
        resource = classify(tenant, path)
        if resource is None:
            continue
        per_tenant[tenant] += 1
        per_resource[resource] += 1
        if ip not in clients:
            clients[ip] = 0
        clients[ip] += 1
        if status.startswith("5"):
            errors += 1
    print("matched", sum(per_tenant.values()), "errors", errors, "clients", len(clients))
    for tenant, n in per_tenant.most_common(5):
        methods = ",".join(sorted(ALLOWED_METHODS))
        print(tenant, n, methods)
    print(sorted(per_resource.items()))


main()
