"""Group a word list into anagram classes and report the largest classes."""
import random

random.seed(11)
LETTERS = "etaoinshrdlucmfw"
STOPWORDS = ["the", "and", "for", "are", "but", "not", "you", "all"]


def make_words(n):
    roots = ["".join(random.choice(LETTERS) for _ in range(random.randint(4, 7))) for _ in range(1400)]
    words = []
    for _ in range(n):
        w = list(random.choice(roots))
        random.shuffle(w)
        words.append("".join(w))
    return words


def group_anagrams(words):
    groups = []
    for w in words:
        if w in STOPWORDS:
            continue
        for g in groups:
            if sorted(g[0]) == sorted(w):
                if w not in g:
                    g.append(w)
                break
        else:
            groups.append([w])
    return groups


def main():
    words = make_words(4200)
    groups = group_anagrams(words)
    groups.sort(key=lambda g: (-len(g), g[0]))
    print("words", len(words), "classes", len(groups))
    for g in groups[:5]:
        print(len(g), " ".join(sorted(g)[:6]))


main()
