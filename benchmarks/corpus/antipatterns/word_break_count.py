"""Hashtag segmentation.

Splits run-together hashtags ("#bestcoffeeinberlin") into dictionary words:
counts the possible segmentations (to flag ambiguous tags) and finds the
segmentation with the fewest words, both by plain recursion over the
suffixes, as in a typical interview-style solution. A tracing helper logs
the checks it makes. Prints statistics and a checksum.
"""
import random
import zlib

WORDS = sorted(set("""a an and at be best in is it of on or the to we coffee berlin
    shop shopping top tip tips ten tent ant ants art arts cat cats at ate sea season
    son sun set sets no not now new news paper papers ever every day days night
    light lights out outside side in sign signs summer sale sales free freedom dom
    home make up makeup pin pine apple apples pineapple bar barn can candy dy
    love lovely ly go good goods food foods fo od s""".split()))
COMPOUNDS = ["pineapples", "makeup", "freedom", "candy", "lovely", "goods", "foods",
             "sunset", "outside", "tents", "cats", "arts", "news", "signs", "shopping", "bestcoffee"]
WORDSET = set(WORDS)
MAXLEN = max(len(w) for w in WORDS)


def count_splits(s):
    if not s:
        return 1
    total = 0
    for k in range(1, min(MAXLEN, len(s)) + 1):
        if s[:k] in WORDSET:
            total += count_splits(s[k:])
    return total


def fewest_words(s):
    if not s:
        return 0
    best = None
    for k in range(1, min(MAXLEN, len(s)) + 1):
        if s[:k] in WORDSET:
            rest = fewest_words(s[k:])
            if rest is not None and (best is None or rest + 1 < best):
                best = rest + 1
    return best


TRACE = []


def traced_valid(s):
    TRACE.append(s)
    if not s:
        return True
    return any(s[:k] in WORDSET and traced_valid(s[k:]) for k in range(1, min(MAXLEN, len(s)) + 1))


def make_tags(rng, n):
    tags = []
    for _ in range(n):
        parts = [rng.choice(COMPOUNDS) for _ in range(rng.randint(7, 11))]
        tag = "".join(parts)
        if rng.random() < 0.2:
            tag += "x"
        tags.append(tag)
    return tags


def main():
    rng = random.Random(8)
    tags = make_tags(rng, 400)
    checksum = 0
    ambiguous = 0
    unsplittable = 0
    for tag in tags:
        n = count_splits(tag)
        f = fewest_words(tag)
        if n > 1:
            ambiguous += 1
        if f is None:
            unsplittable += 1
        checksum = zlib.crc32(("%s:%d:%s" % (tag, n, f)).encode(), checksum)
    for tag in tags[:6]:
        traced_valid(tag)
    print("tags", len(tags), "ambiguous", ambiguous, "unsplittable", unsplittable)
    print("trace entries", len(TRACE), "first", TRACE[:2])
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
