"""Tiny chat-server simulation over socket.socketpair().

Each connected client gets a handler thread that blocks in recv(), builds a
reply (a pure-Python "bot" that rewrites the message), and sends it back.
The main thread plays all the clients: it sends messages round-robin, waits
for the replies, and computes word statistics over the conversation.
"""
import json
import socket
import struct
import threading
import time

CPU = {}
CPU_LOCK = threading.Lock()

N_CLIENTS = 5
N_ROUNDS = 60
WORDS = ["hello", "latency", "deploy", "cache", "queue", "shard", "rollback",
         "metrics", "oncall", "pager", "coffee", "ticket", "merge", "review"]


def _add(name, dt):
    with CPU_LOCK:
        CPU[name] = CPU.get(name, 0.0) + dt


def _send_msg(sock, text):
    data = text.encode("utf-8")
    sock.sendall(struct.pack("!I", len(data)) + data)


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _recv_msg(sock):
    hdr = _recv_exact(sock, 4)
    if hdr is None:
        return None
    (n,) = struct.unpack("!I", hdr)
    data = _recv_exact(sock, n)
    return None if data is None else data.decode("utf-8")


ALPHA = "abcdefghijklmnopqrstuvwxyz"
LETTER_IDX = {c: i for i, c in enumerate(ALPHA)}


def compose_reply(client_id, text):
    t0 = time.thread_time()
    # caesar-ish rewrite + vowel counting, one character at a time
    vowels = 0
    shift = client_id % 7 + 1
    rewritten = ""
    for rep in range(3):
        rewritten = ""
        for c in text:
            if c in LETTER_IDX:
                rewritten += ALPHA[(LETTER_IDX[c] + shift + rep) % 26]
                if c == "a" or c == "e" or c == "i" or c == "o" or c == "u":
                    vowels += 1
            else:
                rewritten += c
    score = 0
    i = 0
    for c in rewritten:
        score = (score * 33 + i + vowels) % 65521
        i += 1
    reply = "bot%d[%d]: %s" % (client_id, score, rewritten)
    _add("compose_reply", time.thread_time() - t0)
    return reply


def make_message(client_id, rnd):
    t0 = time.thread_time()
    parts = []
    seed = client_id * 1000 + rnd
    nwords = len(WORDS)
    for i in range(700):
        for _ in range(12):
            seed = (seed * 1664525 + 1013904223) % 4294967296
        w = WORDS[seed % nwords]
        if seed % 5 == 0:
            w = w + "!"
        parts.append(w)
    msg = ""
    for p in parts:
        msg += p + " "
    _add("make_message", time.thread_time() - t0)
    return msg


def tally_word_stats(conversation):
    t0 = time.thread_time()
    counts = {}
    lengths = {}
    for line in conversation:
        word = ""
        for c in line:
            if c == " ":
                if word:
                    if word in counts:
                        counts[word] += 1
                    else:
                        counts[word] = 1
                    n = len(word)
                    if n in lengths:
                        lengths[n] += 1
                    else:
                        lengths[n] = 1
                word = ""
            else:
                word += c
        if word:
            if word in counts:
                counts[word] += 1
            else:
                counts[word] = 1
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
    _add("tally_word_stats", time.thread_time() - t0)
    return top, lengths


def handler(client_id, sock):
    while True:
        msg = _recv_msg(sock)
        if msg is None or msg == "/quit":
            break
        _send_msg(sock, compose_reply(client_id, msg))
    sock.close()


def main():
    pairs = []
    threads = []
    for cid in range(N_CLIENTS):
        client_sock, server_sock = socket.socketpair()
        t = threading.Thread(target=handler, args=(cid, server_sock), name="handler-%d" % cid)
        t.start()
        pairs.append(client_sock)
        threads.append(t)

    conversation = []
    for rnd in range(N_ROUNDS):
        for cid, cs in enumerate(pairs):
            _send_msg(cs, make_message(cid, rnd))
        for cid, cs in enumerate(pairs):
            reply = _recv_msg(cs)
            conversation.append(reply)
        if rnd % 5 == 4:
            tally_word_stats(conversation[-N_CLIENTS * 20:])

    for cs in pairs:
        _send_msg(cs, "/quit")
        cs.close()
    for t in threads:
        t.join()
    top, lengths = tally_word_stats(conversation)
    print("messages=%d top=%s" % (len(conversation), top[:2]))
    print("GROUND_TRUTH " + json.dumps(CPU))


if __name__ == "__main__":
    main()
