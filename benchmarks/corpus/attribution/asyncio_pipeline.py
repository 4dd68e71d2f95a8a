"""asyncio pipeline: a producer coroutine emits log segments, a checksum
stage hashes them, a compressor stage packs them, and a sink tallies."""
import asyncio
import hashlib
import random
import zlib


def make_segments(n, rng):
    words = [b"GET", b"POST", b"/api/v1/items", b"/login", b"200", b"404", b"500",
             b"Mozilla/5.0", b"curl/8.0", b"10.0.0.%d" % rng.randrange(255)]
    base = b" ".join(rng.choice(words) for _ in range(60000))
    return [base[i:] + base[:i] for i in range(0, n * 97, 97)]


async def producer(segments, out_q):
    for seg in segments:
        await out_q.put(seg)
    await out_q.put(None)


async def checksum_stage(in_q, out_q):
    while True:
        seg = await in_q.get()
        if seg is None:
            await out_q.put(None)
            return
        digest = hashlib.sha256(seg * 4).hexdigest()
        await out_q.put((digest[:8], seg))


async def compress_stage(in_q, out_q):
    while True:
        item = await in_q.get()
        if item is None:
            await out_q.put(None)
            return
        packed = zlib.compress(item[1], 6)
        await out_q.put((item[0], len(item[1]), len(packed)))


async def sink(in_q):
    raw = packed = count = 0
    while True:
        item = await in_q.get()
        if item is None:
            return count, raw, packed
        count += 1
        raw += item[1]
        packed += item[2]


async def main_async(segments):
    q1, q2, q3 = asyncio.Queue(8), asyncio.Queue(8), asyncio.Queue(8)
    results = await asyncio.gather(producer(segments, q1), checksum_stage(q1, q2),
                                   compress_stage(q2, q3), sink(q3))
    return results[-1]


def main():
    rng = random.Random(21)
    segments = make_segments(160, rng)
    count, raw, packed = asyncio.run(main_async(segments))
    print("segments", count, "ratio", round(packed / raw, 4))


if __name__ == "__main__":
    main()
