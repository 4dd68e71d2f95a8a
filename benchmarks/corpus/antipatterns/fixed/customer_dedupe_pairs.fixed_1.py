"""Duplicate-customer report for a CRM export.

Counts pairs of customer records that share a normalised e-mail address
(the classic "find duplicates" double loop over a CSV export), and pairs of
store locations closer than 50 m (a tolerance match). Prints the pair counts
and a checksum of the duplicate pairs.
"""
import csv
import io
import math
import random
import zlib

DOMAINS = ["example.com", "mail.invalid", "corp.test", "post.invalid", "web.test"]


class Customer:
    def __init__(self, cid, name, email):
        self.cid = cid
        self.name = name
        self.email = email

    def email_key(self):
        local, _, domain = self.email.strip().lower().partition("@")
        local = local.split("+", 1)[0].replace(".", "")
        return local + "@" + domain


def make_csv(rng, n):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "name", "email"])
    base = ["user%04d" % rng.randrange(1400) for _ in range(n)]
    for i, local in enumerate(base):
        if rng.random() < 0.3:
            local = local[:4] + "." + local[4:]
        if rng.random() < 0.2:
            local += "+promo%d" % rng.randrange(9)
        email = "%s@%s" % (local, rng.choice(DOMAINS[:2]))
        if rng.random() < 0.1:
            email = email.upper()
        w.writerow([i, "Name %d" % i, " " + email])
    return out.getvalue()


def load(text):
    rows = csv.DictReader(io.StringIO(text))
    return [Customer(int(r["id"]), r["name"], r["email"]) for r in rows]


def duplicate_pairs(customers):
    pairs = []
    keys = [c.email_key() for c in customers]
    groups = {}
    for j, k in enumerate(keys):
        groups.setdefault(k, []).append(j)
    for i, a in enumerate(customers):
        for j in groups[keys[i]]:
            if j > i:
                pairs.append((a.cid, customers[j].cid))
    return pairs


def close_stores(stores, metres=50.0):
    count = 0
    for i in range(len(stores)):
        lat1, lon1 = stores[i]
        for j in range(i + 1, len(stores)):
            lat2, lon2 = stores[j]
            dy = (lat2 - lat1) * 111_320.0
            dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians(lat1))
            if dx * dx + dy * dy < metres * metres:
                count += 1
    return count


def main():
    rng = random.Random(4242)
    customers = load(make_csv(rng, 2000))
    stores = [(52.5 + rng.uniform(0, 0.01), 13.4 + rng.uniform(0, 0.01)) for _ in range(90)]
    pairs = duplicate_pairs(customers)
    near = close_stores(stores)
    checksum = 0
    for a, b in pairs:
        checksum = zlib.crc32(b"%d-%d" % (a, b), checksum)
    print("customers", len(customers), "duplicate pairs", len(pairs))
    print("store pairs within 50 m", near)
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
