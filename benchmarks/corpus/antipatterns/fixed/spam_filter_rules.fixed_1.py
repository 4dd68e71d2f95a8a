"""Keyword spam filter: each keyword from a large moderation list is matched
as a whole word; blank and comment lines are skipped."""
import random
import re

random.seed(127)
SYL = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zu", "pe", "sa"]
KEYWORDS = sorted({"".join(random.choice(SYL) for _ in range(3)) for _ in range(900)})
KW_RES = [re.compile(rf"\b{re.escape(kw)}\b") for kw in KEYWORDS]


def make_messages(n):
    msgs = []
    for i in range(n):
        if i % 10 == 0:
            msgs.append("   ")
            continue
        words = ["".join(random.choice(SYL) for _ in range(random.randint(2, 3))) for _ in range(8)]
        msgs.append(" ".join(words))
    return msgs


def score(msg, keywords):
    hits = 0
    for kw_re in KW_RES:
        if kw_re.search(msg):
            hits += 1
    return hits


def main():
    msgs = make_messages(220)
    flagged = 0
    total_hits = 0
    for m in msgs:
        if re.match(r"^\s*$", m):
            continue
        h = score(m, KEYWORDS)
        total_hits += h
        if h >= 2:
            flagged += 1
    print("keywords", len(KEYWORDS), "messages", len(msgs), "flagged", flagged, "hits", total_hits)


main()
