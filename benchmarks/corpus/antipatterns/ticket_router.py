"""Help-desk ticket router.

Every customer account has its own routing rule (an automation like "if the
subject mentions <word> and carries our ticket prefix, send it to <queue>").
Tickets arrive from an e-mail gateway that re-delivers some of them, so the
router skips ids it has already handled. Prints per-queue counts and a
checksum of the routed ticket numbers.
"""
import random
import re
import zlib

N_CUSTOMERS = 800
N_TICKETS = 16000
QUEUES = ["billing", "outage", "account", "feature", "spam"]
WORDS = ("invoice refund charge down error timeout login password reset "
         "export api webhook request slow broken crash upgrade plan seat "
         "discount promo winner prize").split()


def make_rules(rng):
    rules = {}
    for c in range(N_CUSTOMERS):
        prefix = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + str(c)
        a, b = rng.sample(WORDS, 2)
        pattern = r"^\[%s-(\d+)\]\s.*\b(?:%s|%s)\w*" % (prefix, a, b)
        rules["cust%04d" % c] = (prefix, pattern, rng.choice(QUEUES))
    return rules


def make_tickets(rng, rules):
    customers = sorted(rules)
    tickets = []
    next_id = 100000
    for _ in range(N_TICKETS):
        if tickets and rng.random() < 0.12:
            tickets.append(rng.choice(tickets[-400:]))      # gateway re-delivery
            continue
        cust = rng.choice(customers)
        prefix = rules[cust][0]
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9)))
        subject = "[%s-%d] %s   please   help" % (prefix, rng.randint(1, 9999), words)
        tickets.append((next_id, cust, subject))
        next_id += 1
    return tickets


class Router:
    def __init__(self, rules):
        self.rules = rules
        self.handled = []
        self.counts = {q: 0 for q in QUEUES}
        self.counts["triage"] = 0
        self.checksum = 0

    def route(self, ticket):
        tid, cust, subject = ticket
        if tid in self.handled:
            return None
        self.handled.append(tid)
        subject = re.sub(r"\s+", " ", subject)
        prefix, pattern, queue = self.rules[cust]
        m = re.match(pattern, subject)
        if m is None:
            queue = "triage"
            number = 0
        else:
            number = int(m.group(1))
        if queue not in QUEUES and queue != "triage":
            raise ValueError(queue)
        self.counts[queue] += 1
        self.checksum = zlib.crc32(("%d:%s:%d" % (tid, queue, number)).encode(), self.checksum)
        return queue


def main():
    rng = random.Random(20261205)
    rules = make_rules(rng)
    tickets = make_tickets(rng, rules)
    router = Router(rules)
    routed = 0
    for t in tickets:
        if router.route(t) is not None:
            routed += 1
    print("routed", routed, "of", len(tickets))
    for q in sorted(router.counts):
        print("  %-8s %6d" % (q, router.counts[q]))
    print("checksum %08x" % router.checksum)


if __name__ == "__main__":
    main()
