"""Reassemble a TCP-like byte stream from packets that arrive out of order:
keep a reorder buffer and emit payloads in sequence."""
import heapq
import random

random.seed(107)


def make_packets(n):
    pkts = [(seq, bytes([65 + seq % 26]) * random.randint(20, 60)) for seq in range(n)]
    # heavy reordering: shuffle within large blocks
    out = []
    for start in range(0, n, 3000):
        block = pkts[start:start + 3000]
        random.shuffle(block)
        out.extend(block)
    return out


def reassemble(packets):
    pending = []
    expected = 0
    stream = b""
    max_pending = 0
    for seq, payload in packets:
        heapq.heappush(pending, (seq, payload))
        while pending and pending[0][0] == expected:
            seq, payload = heapq.heappop(pending)
            stream += payload
            expected += 1
        max_pending = max(max_pending, len(pending))
    return stream, max_pending


def checksum(data):
    s = 0
    for i in range(0, len(data), 4096):
        s = (s * 131 + data[i]) % 1000000007
    return s


def main():
    packets = make_packets(12000)
    stream, max_pending = reassemble(packets)
    print("bytes", len(stream), "max pending", max_pending, "checksum", checksum(stream))


main()
