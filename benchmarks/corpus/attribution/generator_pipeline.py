"""Streaming text statistics: generators read fixed-size blocks, normalise
them and split them into words; a consumer keeps running counts."""
import random

TABLE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
PUNCT = b".,;:!?\"'()"


def read_blocks(data, size):
    for off in range(0, len(data), size):
        yield data[off:off + size]


def normalised(blocks):
    for block in blocks:
        clean = block.translate(TABLE, PUNCT)
        yield clean


def tokens(blocks):
    for block in blocks:
        words = block.split()
        yield words


def consume(stream):
    total = 0
    longest = b""
    n_blocks = 0
    for words in stream:
        total += len(words)
        n_blocks += 1
        if words and len(words[-1]) > len(longest):
            longest = words[-1]
    return total, n_blocks, longest


def make_corpus(n_words, rng):
    vocab = [("Word%d" % i).encode() for i in range(500)] + [b"the,", b"And.", b"(of)", b"to!"]
    return b" ".join(rng.choice(vocab) for _ in range(n_words))


def main():
    rng = random.Random(8)
    base = make_corpus(200000, rng)
    data = base * 10
    total = 0
    for rep in range(22):
        t, n, longest = consume(tokens(normalised(read_blocks(data, 1 << 20))))
        total += t
    print("words", total, "blocks", n, "longest", longest)


if __name__ == "__main__":
    main()
