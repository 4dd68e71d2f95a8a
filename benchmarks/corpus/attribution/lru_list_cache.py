"""Hand-rolled LRU cache for rendered page fragments; recency is kept in a
list with the most recent key at the front."""
import random


class LRUCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.order = []
        self.data = {}
        self.hits = self.misses = 0

    def get(self, key, render):
        if key in self.data:
            self.order.remove(key)
            self.order.insert(0, key)
            self.hits += 1
            return self.data[key]
        self.misses += 1
        value = render(key)
        self.data[key] = value
        self.order.insert(0, key)
        if len(self.order) > self.capacity:
            old = self.order.pop()
            del self.data[old]
        return value


def render(key):
    return "<div id='%s'>%s</div>" % (key, key[::-1])


def main():
    rng = random.Random(61)
    cache = LRUCache(6000)
    keys = ["page/%d" % int(rng.expovariate(1 / 4000.0)) for _ in range(100000)]
    size = 0
    for k in keys:
        size += len(cache.get(k, render))
    print("hits", cache.hits, "misses", cache.misses, "size", size)


if __name__ == "__main__":
    main()
