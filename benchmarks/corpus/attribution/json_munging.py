"""Re-shape a batch of JSON API exports: parse, stamp, drop a field,
re-serialise compactly, and keep a size tally."""
import json
import random


def make_export(i, rng):
    items = [{"id": j, "name": "item-%d" % j, "price": round(rng.random() * 90, 2),
              "tags": ["t%d" % rng.randrange(40) for _ in range(3)], "debug": {"trace": j * 7}}
             for j in range(2500)]
    return json.dumps({"page": i, "meta": {"source": "api", "version": 3}, "items": items})


def munge(raws, passes):
    total_in = total_out = 0
    for _ in range(passes):
        for i, raw in enumerate(raws):
            doc = json.loads(raw)
            doc["meta"]["processed"] = True
            doc["meta"]["batch"] = i
            out = json.dumps(doc, separators=(",", ":"))
            total_in += len(raw)
            total_out += len(out)
    return total_in, total_out


def main():
    rng = random.Random(17)
    raws = [make_export(i, rng) for i in range(12)]
    total_in, total_out = munge(raws, 18)
    print("in", total_in, "out", total_out)


if __name__ == "__main__":
    main()
