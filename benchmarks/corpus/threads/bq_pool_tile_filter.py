"""Batch 'image' filter using multiprocessing.Pool.imap_unordered (fork).

Worker processes synthesize a grayscale tile and run a box blur over it.
The parent consumes tiles as they finish, equalizes their histogram and
stitches a tiny thumbnail, waiting on the pool in between.
"""
import json
import multiprocessing as mp
import time

TILE = 96
N_TILES = 72
N_PROCS = 3

_local_cpu = {}


def _note(name, dt):
    _local_cpu[name] = _local_cpu.get(name, 0.0) + dt


def synthesize_tile(tile_id):
    t0 = time.thread_time()
    px = []
    seed = tile_id * 2654435761 % 4294967296
    for y in range(TILE):
        row = []
        for x in range(TILE):
            seed = (seed * 1103515245 + 12345) % 2147483648
            v = ((x * y + tile_id * 13) % 256 + (seed >> 16) % 64) % 256
            row.append(v)
        px.append(row)
    _note("synthesize_tile", time.thread_time() - t0)
    return px


def box_blur(px, passes):
    t0 = time.thread_time()
    h = len(px)
    w = len(px[0])
    cur = px
    for p in range(passes):
        out = []
        for y in range(h):
            ym = y - 1 if y > 0 else 0
            yp = y + 1 if y < h - 1 else h - 1
            r0 = cur[ym]
            r1 = cur[y]
            r2 = cur[yp]
            row = []
            for x in range(w):
                xm = x - 1 if x > 0 else 0
                xp = x + 1 if x < w - 1 else w - 1
                s = (r0[xm] + r0[x] + r0[xp] + r1[xm] + r1[x] + r1[xp]
                     + r2[xm] + r2[x] + r2[xp])
                row.append(s // 9)
            out.append(row)
        cur = out
    _note("box_blur", time.thread_time() - t0)
    return cur


def process_tile(tile_id):
    _local_cpu.clear()
    px = synthesize_tile(tile_id)
    for _ in range(3):
        px = synthesize_tile(tile_id + 1000)
    blurred = box_blur(px, 4)
    return tile_id, blurred, dict(_local_cpu)


def equalize_histogram(px):
    t0 = time.thread_time()
    hist = [0] * 256
    for rep in range(8):
        for row in px:
            for v in row:
                hist[v] += 1
    cdf = [0] * 256
    running = 0
    for i in range(256):
        running += hist[i]
        cdf[i] = running
    total = running
    out = []
    for rep in range(8):
        out = []
        for row in px:
            new_row = []
            for v in row:
                new_row.append(cdf[v] * 255 // total)
            out.append(new_row)
    _note("equalize_histogram", time.thread_time() - t0)
    return out


def main():
    ctx = mp.get_context("fork")
    totals = {}
    thumb = {}
    with ctx.Pool(N_PROCS) as pool:
        for tile_id, blurred, cpu in pool.imap_unordered(process_tile, range(N_TILES), chunksize=1):
            for k, v in cpu.items():
                totals[k] = totals.get(k, 0.0) + v
            eq = equalize_histogram(blurred)
            thumb[tile_id] = eq[TILE // 2][TILE // 2]
    for k, v in _local_cpu.items():
        totals[k] = totals.get(k, 0.0) + v
    print("tiles=%d thumb_sum=%d" % (len(thumb), sum(thumb.values())))
    print("GROUND_TRUTH " + json.dumps(totals))


if __name__ == "__main__":
    main()
