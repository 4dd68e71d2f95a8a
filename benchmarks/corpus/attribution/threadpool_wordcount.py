"""Score a batch of documents with a thread pool; the per-document work is
CPU-bound regex tokenising (holds the GIL)."""
import random
import re
from concurrent.futures import ThreadPoolExecutor

WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")


def score_doc(doc):
    tokens = WORD_RE.findall(doc.lower())
    return len(tokens)


def make_docs(n, rng):
    vocab = ["Alpha", "beta", "gamma's", "delta", "EPSILON", "zeta", "eta", "theta",
             "iota", "kappa", "lambda", "mu", "it's", "42", "x-ray", "--"]
    base = " ".join(rng.choice(vocab) for _ in range(40000))
    return [base[i:] + base[:i] for i in range(n)]


def main():
    rng = random.Random(13)
    docs = make_docs(380, rng)
    with ThreadPoolExecutor(max_workers=4) as pool:
        scores = list(pool.map(score_doc, docs))
    print("docs", len(scores), "tokens", sum(scores))


if __name__ == "__main__":
    main()
