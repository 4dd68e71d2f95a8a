"""Word-frequency report for a text corpus: vocabulary in first-seen order,
relative frequencies normalised by the most frequent word."""
import random

random.seed(173)
STOP = ["the", "a", "of", "to", "and"]


def make_corpus(n):
    vocab = [("".join(random.choice("aeioubcdfglmnprst") for _ in range(random.randint(2, 7)))) for _ in range(4500)]
    weights = [1.0 / (i + 1) for i in range(len(vocab))]
    cum = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    return random.choices(vocab, cum_weights=cum, k=n)


def main():
    words = make_corpus(160000)
    vocab = list(STOP)
    counts = {}
    for w in words:
        if w not in vocab:
            vocab.append(w)
        counts[w] = counts.get(w, 0) + 1
    rel = {}
    for w in vocab:
        if w in counts:
            rel[w] = counts[w] / max(counts.values())
    flags = [len(w) > 6 for w in vocab[:5]]
    has_long = any([f for f in flags])
    print("vocab", len(vocab), "top", sorted(rel.items(), key=lambda kv: -kv[1])[:3], "long", has_long)


main()
