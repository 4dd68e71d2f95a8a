"""Feature-flag evaluation service.

Each flag has targeting rules (attribute equals / in-range / percentage
rollout) and guard conditions that must all hold. Every request evaluates
all flags for one user; auditors watch every evaluation for compliance
counts. Prints how many users got each flag and a checksum.
"""
import random
import zlib

ATTRS = ["country", "plan", "device", "cohort"]
VALUES = {"country": ["de", "fr", "us", "br", "jp", "in"], "plan": ["free", "pro", "team"],
          "device": ["ios", "android", "web"], "cohort": [str(i) for i in range(12)]}


class Rule:
    def __init__(self, attr, allowed, pct):
        self.attr = attr
        self.allowed = allowed
        self.pct = pct

    def matches(self, user):
        return user[self.attr] in self.allowed and user["bucket"] < self.pct


class Guard:
    def __init__(self, min_age):
        self.min_age = min_age

    def holds(self, user):
        return user["age_days"] >= self.min_age


class Auditor:
    def __init__(self, attr):
        self.attr = attr
        self.count = 0

    def observe(self, user):
        self.count += 1
        return user[self.attr] == "de"


def make_flags(rng):
    flags = []
    for f in range(40):
        rules = []
        for _ in range(rng.randint(15, 30)):
            attr = rng.choice(ATTRS)
            rules.append(Rule(attr, set(rng.sample(VALUES[attr], 2)), rng.randint(20, 100)))
        guards = [Guard(rng.randint(0, 300)) for _ in range(rng.randint(10, 20))]
        flags.append(("flag-%02d" % f, rules, guards))
    return flags


def make_users(rng, n):
    users = []
    for i in range(n):
        u = {a: rng.choice(VALUES[a]) for a in ATTRS}
        u["bucket"] = rng.randrange(100)
        u["age_days"] = rng.randrange(400)
        u["id"] = i
        users.append(u)
    return users


def evaluate(flags, user, auditors):
    on = []
    for name, rules, guards in flags:
        if not any(r.matches(user) for r in rules):
            continue
        if all([g.holds(user) for g in guards]):
            on.append(name)
    flagged = any([a.observe(user) for a in auditors])
    return on, flagged


def main():
    rng = random.Random(5)
    flags = make_flags(rng)
    users = make_users(rng, 8000)
    auditors = [Auditor("country"), Auditor("plan")]
    per_flag = {}
    checksum = 0
    flagged_users = 0
    for u in users:
        on, flagged = evaluate(flags, u, auditors)
        flagged_users += flagged
        for name in on:
            per_flag[name] = per_flag.get(name, 0) + 1
        checksum = zlib.crc32((str(u["id"]) + ",".join(on)).encode(), checksum)
    for name in sorted(per_flag)[:5]:
        print(name, per_flag[name])
    print("flags on", sum(per_flag.values()), "flagged users", flagged_users)
    print("audits", [a.count for a in auditors])
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
