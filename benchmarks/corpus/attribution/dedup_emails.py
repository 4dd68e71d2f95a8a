"""De-duplicate a mailing list while keeping first-seen order.

Everyday bug: the "seen" collection is a list, so every membership test
scans it from the start.
"""
import random


def make_addresses(n, rng):
    domains = ["example.com", "mail.org", "corp.net", "shop.io", "uni.edu"]
    out = []
    for _ in range(n):
        user = "user%05d" % rng.randrange(n)
        out.append(user + "@" + rng.choice(domains))
    return out


def dedupe(addresses):
    seen = []
    unique = []
    dupes = 0
    for addr in addresses:
        if addr not in seen:
            seen.append(addr)
            unique.append(addr)
        else:
            dupes += 1
    return unique, dupes


def domain_counts(addresses):
    counts = {}
    for addr in addresses:
        dom = addr.split("@", 1)[1]
        counts[dom] = counts.get(dom, 0) + 1
    return counts


def main():
    rng = random.Random(1234)
    addresses = make_addresses(17000, rng)
    unique, dupes = dedupe(addresses)
    counts = domain_counts(unique)
    print("unique", len(unique), "dupes", dupes, "domains", len(counts))


if __name__ == "__main__":
    main()
