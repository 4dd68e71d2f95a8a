"""'Did you mean ...?' suggestions: for each misspelt query, rank dictionary
words by edit distance (naive recursive Levenshtein) and by prefix rules."""
import random

random.seed(4)
LETTERS = "abcdefghijklmnoprstu"
PREFIXES = ["un", "re", "pre", "dis", "over", "mis", "non", "sub", "inter", "trans",
            "anti", "de", "en", "fore", "in", "semi", "super", "under", "co", "ex"]


def lev(a, b):
    if not a:
        return len(b)
    if not b:
        return len(a)
    if a[0] == b[0]:
        return lev(a[1:], b[1:])
    return 1 + min(lev(a[1:], b), lev(a, b[1:]), lev(a[1:], b[1:]))


def has_prefix(word):
    return any([word.startswith(p) for p in PREFIXES])


def main():
    words = ["".join(random.choice(LETTERS) for _ in range(random.randint(4, 6))) for _ in range(150)]
    words += [random.choice(PREFIXES) + w for w in words[:50]]
    queries = []
    for w in random.sample(words[:150], 7):
        i = random.randrange(len(w))
        queries.append(w[:i] + random.choice(LETTERS) + w[i + 1:])
    out = []
    for q in queries:
        best = min(words[:150], key=lambda w: (lev(q, w), w))
        out.append(f"{q}->{best}")
    corpus = ["".join(random.choice(LETTERS) for _ in range(random.randint(3, 9))) for _ in range(60000)]
    prefixed = sum(1 for w in corpus if has_prefix(w))
    print(" ".join(out))
    print("prefixed", prefixed)


main()
