"""Telemetry roll-up: per-user activity metrics from an event stream, with a
CSV-like buffer per metric for export."""
import random

random.seed(163)


class Event:
    __slots__ = ("user", "kind", "ms")

    def __init__(self, user, kind, ms):
        self.user = user
        self.kind = kind
        self.ms = ms


class Exporter:
    def __init__(self, metrics):
        self.buffers = {m: "" for m in metrics}

    def write(self, metric, user, value):
        self.buffers[metric] += f"{user},{value}\n"


def main():
    events = [Event(f"u{random.randrange(700)}", random.choice(["login", "view", "click", "logout"]),
                    random.randint(1, 900)) for _ in range(26000)]
    by_user = {}
    for e in events:
        by_user.setdefault(e.user, []).append(e)
    exp = Exporter(["events", "share", "ms"])
    logins = len(list(filter(lambda e: e.kind == "login", events)))
    for user in sorted(by_user):
        evs = by_user[user]
        mine = sum(1 for e in evs if e.kind == "login")
        exp.write("events", user, len(evs))
        exp.write("share", user, "%.5f" % (mine / logins))
        exp.write("ms", user, sum(e.ms for e in evs))
    for _ in range(40):
        for user in sorted(by_user):
            exp.write("events", user, len(by_user[user]))
    sizes = {m: len(b) for m, b in exp.buffers.items()}
    print("users", len(by_user), sizes, exp.buffers["share"][:30].replace("\n", "|"))


main()
