"""Readability report over a novel: slide a window of words across the
text, rebuild the window as a string, and count a few phrases in it."""
import random


def make_words(n, rng):
    vocab = ["the", "a", "ship", "sea", "captain", "whale", "and", "of", "to", "in",
             "was", "he", "it", "that", "with", "for", "his", "white", "old", "deck"]
    return [rng.choice(vocab) for _ in range(n)]


def windows(words, span, step):
    report = []
    for start in range(0, len(words) - span, step):
        text = " ".join(words[start:start + span])
        hits = text.count("the whale")
        report.append((start, hits))
        if hits > 40:
            report[-1] = (start, hits, "!")
    return report


def main():
    rng = random.Random(23)
    words = make_words(300000, rng)
    report = windows(words, 60000, 130)
    print("windows", len(report), "max", max(r[1] for r in report))


if __name__ == "__main__":
    main()
