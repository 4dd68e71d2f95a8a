"""Word-ladder puzzle solver.

Finds the shortest chain from one word to another, changing one letter at a
time, through a lexicon of four-letter words with their frequencies (as a
puzzle generator does to grade difficulty). Prints the ladder lengths and a
checksum of the ladders.
"""
import random
import string
import zlib

LETTERS = string.ascii_lowercase
VOWELS = "aeiou"
ENDINGS = "setdy"


def make_lexicon(rng, n):
    lexicon = {}
    consonants = [c for c in LETTERS if c not in VOWELS]
    while len(lexicon) < n:
        w = rng.choice(consonants) + rng.choice(VOWELS) + rng.choice(consonants) + rng.choice(ENDINGS)
        lexicon[w] = rng.randint(1, 1000)
    return lexicon


def neighbours(word, lexicon):
    out = []
    for i in range(len(word)):
        for c in LETTERS:
            if c == word[i]:
                continue
            cand = word[:i] + c + word[i + 1:]
            if cand in lexicon:
                out.append(cand)
    return out


def ladder(start, goal, lexicon):
    parent = {start: None}
    layer = [start]
    while layer and goal not in parent:
        nxt = []
        for w in layer:
            for n in neighbours(w, lexicon):
                if n not in parent:
                    parent[n] = w
                    nxt.append(n)
        layer = nxt
    if goal not in parent:
        return None
    path = [goal]
    while parent[path[-1]] is not None:
        path.append(parent[path[-1]])
    return path[::-1]


def grade(path, lexicon):
    rare = 0
    for w in path:
        if lexicon[w] < 100:
            rare += 1
    return "hard" if rare > 2 else ("medium" if len(path) > 6 else "easy")


def main():
    rng = random.Random(31)
    lexicon = make_lexicon(rng, 1200)
    words = sorted(lexicon)
    grades = {}
    checksum = 0
    for _ in range(3):
        a, b = rng.sample(words, 2)
        path = ladder(a, b, lexicon)
        if path is None:
            key = "none"
        else:
            key = grade(path, lexicon)
            checksum = zlib.crc32(">".join(path).encode(), checksum)
        grades[key] = grades.get(key, 0) + 1
        print(a, "->", b, len(path) - 1 if path else "no ladder")
    print("grades", sorted(grades.items()))
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
