"""Threads blocked on socket recv and selectors.select over socketpairs, plus a
sleeping heartbeat thread, while the main thread computes and feeds them."""
import json
import selectors
import socket
import threading
import time

_GT = {}
_GT_LOCK = threading.Lock()


def _record(name, dt):
    with _GT_LOCK:
        _GT[name] = _GT.get(name, 0.0) + dt


def mix_hash(seed, n):
    t0 = time.thread_time()
    h = seed
    for i in range(n):
        h = (h ^ (i * 2654435761)) & 0xFFFFFFFF
        h = ((h << 5) | (h >> 27)) & 0xFFFFFFFF
    _record("mix_hash", time.thread_time() - t0)
    return h


def parse_message(data):
    t0 = time.thread_time()
    words = {}
    text = data.decode()
    for rep in range(35000):
        for part in text.split(","):
            words[part] = words.get(part, 0) + rep % 3
    _record("parse_message", time.thread_time() - t0)
    return len(words)


def fold_bytes(data):
    t0 = time.thread_time()
    acc = 0
    for rep in range(6000):
        for b in data:
            acc = (acc * 33 + b + rep) % 1000003
    _record("fold_bytes", time.thread_time() - t0)
    return acc


def _recv_line(sock, buf):
    while b"\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            return None, buf
        buf += chunk
    line, _, rest = buf.partition(b"\n")
    return line, rest


def reader_thread(sock, results):
    buf = b""
    while True:
        line, buf = _recv_line(sock, buf)
        if line is None or line == b"quit":
            return
        results.append(parse_message(line))


MSG_LEN = 96


def selector_thread(socks, results):
    sel = selectors.DefaultSelector()
    bufs = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        bufs[s] = b""
    open_count = len(socks)
    while open_count:
        for key, _ in sel.select():
            sock = key.fileobj
            data = sock.recv(4096)
            if not data:
                sel.unregister(sock)
                open_count -= 1
                continue
            buf = bufs[sock] + data
            while len(buf) >= MSG_LEN:
                results.append(fold_bytes(buf[:MSG_LEN]))
                buf = buf[MSG_LEN:]
            bufs[sock] = buf
    sel.close()


def heartbeat(stop, beats):
    while not stop.is_set():
        time.sleep(0.02)
        beats[0] += 1


def main():
    a1, b1 = socket.socketpair()
    pairs = [socket.socketpair() for _ in range(3)]
    r_results, s_results = [], []
    stop = threading.Event()
    beats = [0]
    hb = threading.Thread(target=heartbeat, args=(stop, beats), daemon=True)
    rt = threading.Thread(target=reader_thread, args=(b1, r_results))
    st = threading.Thread(target=selector_thread, args=([p[1] for p in pairs], s_results))
    for t in (hb, rt, st):
        t.start()
    h = 1
    for rnd in range(12):
        h = mix_hash(h, 450_000)
        a1.sendall(("alpha,beta,gamma,%d,delta,%d,eps,zeta,eta,theta\n" % (rnd, h % 97)).encode())
        pairs[rnd % 3][0].sendall(bytes((h >> k) & 0xFF for k in range(0, 32, 4)) * 12)
        time.sleep(0.005)
    a1.sendall(b"quit\n")
    for p in pairs:
        p[0].shutdown(socket.SHUT_WR)
    rt.join()
    st.join()
    stop.set()
    hb.join()
    for s in [a1, b1] + [x for p in pairs for x in p]:
        s.close()
    print("hash", h, "parsed", len(r_results), "folded", len(s_results))
    print("GROUND_TRUTH " + json.dumps(_GT))


if __name__ == "__main__":
    main()
