"""Flatten nested JSON documents (API responses) into dotted key paths and
collect all leaf values, as an ETL step does before loading a table."""
import json
import random

random.seed(71)


def make_doc(depth):
    if depth == 0:
        return random.choice([1, 2.5, "x", True, None, "abc"])
    return {f"k{i}": make_doc(depth - 1) for i in range(random.randint(2, 3))} if random.random() < 0.8 \
        else [make_doc(depth - 1) for _ in range(2)]


def flatten(obj, prefix):
    if isinstance(obj, dict):
        parts = [flatten(v, prefix + [k]) for k, v in obj.items()]
        return sum(parts, start=[])
    if isinstance(obj, list):
        parts = [flatten(v, prefix + [str(i)]) for i, v in enumerate(obj)]
        return sum(parts, [])
    return [(".".join(prefix), obj)]


def main():
    docs = [make_doc(4) for _ in range(3500)]
    pairs = flatten(docs, [])
    digest = 0
    for key, value in pairs[::97]:
        digest = (digest * 31 + len(key) + len(json.dumps(value))) % 1000003
    print("docs", len(docs), "leaves", len(pairs), "digest", digest, pairs[-1])


main()
