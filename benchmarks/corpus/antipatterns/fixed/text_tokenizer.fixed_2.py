"""A small tokenizer for a search index: split text into tokens, normalise
them, build the vocabulary and keep the normalised text for snippets."""
import random
import re

random.seed(151)
TOKEN = re.compile(r"[A-Za-z]+|\d+")


class Tokenizer:
    def __init__(self):
        self.vocab = []
        self.norm_parts = []
        self.ids = []

    @property
    def normalized(self):
        return "".join(self.norm_parts)

    def feed(self, text):
        for tok in TOKEN.findall(text):
            tok = tok.lower()
            if tok not in self.vocab:
                self.vocab.append(tok)
            self.ids.append(tok)
            self.norm_parts.append(tok + " ")


def make_text(n):
    syl = ["an", "be", "co", "di", "ex", "fo", "ga", "hi", "in", "jo", "ka", "lu"]
    words = ["".join(random.choice(syl) for _ in range(random.randint(2, 4))) for _ in range(6000)]
    paras = []
    for _ in range(n):
        paras.append(" ".join(random.choice(words).capitalize() if random.random() < 0.1 else random.choice(words)
                              for _ in range(40)) + f". {random.randrange(100)}")
    return paras


def main():
    t = Tokenizer()
    for para in make_text(1000):
        t.feed(para)
    print("vocab", len(t.vocab), "tokens", len(t.ids), "chars", len(t.normalized), t.normalized[:40])


main()
