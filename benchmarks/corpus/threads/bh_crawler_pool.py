#!/usr/bin/env python3
"""Toy web crawler.

A pool of fetcher threads "downloads" pages (simulated network latency via
time.sleep or a localhost socketpair fed by a slow responder thread), parses
each page (CPU heavy), and the main thread keeps re-ranking the link graph
as results trickle in.
"""
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

N_PAGES = 70
LINKS_PER_PAGE = 3500
FETCH_WORKERS = 6
RANK_EVERY = 10
RANK_ITERS = 8

_cpu_lock = threading.Lock()
cpu_by_func = {}


def _charge(name, t0):
    dt = time.thread_time() - t0
    with _cpu_lock:
        cpu_by_func[name] = cpu_by_func.get(name, 0.0) + dt


def render_fake_page(page_id):
    # What the "server" sends back. Kept cheap on purpose.
    parts = []
    for k in range(LINKS_PER_PAGE):
        target = (page_id * 7 + k * 13 + (k * k) % 11) % N_PAGES
        parts.append('<p>item %d of page %d <a href="/page/%d">next</a></p>\n'
                     % (k, page_id, target))
    return "".join(parts).encode("utf-8")


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(65536, n - len(buf)))
        if not chunk:
            raise ConnectionError("peer closed early")
        buf += chunk
    return bytes(buf)


def fetch_over_socket(page_id, latency):
    client, server = socket.socketpair()
    payload = render_fake_page(page_id)

    def respond():
        time.sleep(latency)          # slow server
        server.sendall(len(payload).to_bytes(4, "big") + payload)
        server.close()

    responder = threading.Thread(target=respond, name="srv-%d" % page_id, daemon=True)
    responder.start()
    try:
        size = int.from_bytes(_recv_exact(client, 4), "big")
        body = _recv_exact(client, size)
    finally:
        client.close()
        responder.join()
    return body


def fetch_with_sleep(page_id, latency):
    time.sleep(latency)
    return render_fake_page(page_id)


def parse_page(page_id, raw):
    t0 = time.thread_time()
    text = raw.decode("utf-8")
    links = []
    words = {}
    word = []
    tag = []
    in_tag = False
    for ch in text:
        if ch == "<":
            in_tag = True
            tag = []
            if word:
                w = "".join(word)
                words[w] = words.get(w, 0) + 1
                word = []
        elif ch == ">":
            in_tag = False
            t = "".join(tag)
            if t.startswith('a href="/page/'):
                end = t.find('"', 14)
                links.append(int(t[14:end]))
        elif in_tag:
            tag.append(ch)
        elif ch.isalnum():
            word.append(ch.lower())
        elif word:
            w = "".join(word)
            words[w] = words.get(w, 0) + 1
            word = []
    digest = 0
    for w, c in words.items():
        for ch in w:
            digest = (digest * 31 + ord(ch) * c) & 0xFFFFFFFF
    _charge("parse_page", t0)
    return page_id, links, len(words), digest


def crawl_one(page_id):
    latency = 0.03 + (page_id * 37 % 9) * 0.01
    if page_id % 2:
        raw = fetch_over_socket(page_id, latency)
    else:
        raw = fetch_with_sleep(page_id, latency)
    return parse_page(page_id, raw)


def rank_pages(graph, iters):
    t0 = time.thread_time()
    nodes = sorted(graph)
    rank = {n: 1.0 / len(nodes) for n in nodes}
    damping = 0.85
    for _ in range(iters):
        incoming = {n: 0.0 for n in nodes}
        for src in nodes:
            outs = graph[src]
            if not outs:
                continue
            share = rank[src] / len(outs)
            for dst in outs:
                if dst in incoming:
                    incoming[dst] += share
        base = (1.0 - damping) / len(nodes)
        rank = {n: base + damping * incoming[n] for n in nodes}
    top = sorted(rank.items(), key=lambda kv: -kv[1])[:5]
    _charge("rank_pages", t0)
    return top


def main():
    graph = {}
    digests = 0
    done = 0
    top = []
    with ThreadPoolExecutor(max_workers=FETCH_WORKERS, thread_name_prefix="fetch") as pool:
        futures = [pool.submit(crawl_one, pid) for pid in range(N_PAGES)]
        for fut in as_completed(futures):
            page_id, links, n_words, digest = fut.result()
            graph[page_id] = links
            digests ^= digest
            done += 1
            if done % RANK_EVERY == 0:
                top = rank_pages(graph, RANK_ITERS)
    top = rank_pages(graph, RANK_ITERS)
    print("crawled %d pages, digest %08x, top %s" % (done, digests, [p for p, _ in top]))
    print("GROUND_TRUTH " + json.dumps(cpu_by_func))


if __name__ == "__main__":
    main()
