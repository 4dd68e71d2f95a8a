"""Reassemble a file from network fragments: fragments are appended to a
bytes buffer, and every so often the partial frame is checksummed."""
import random
import zlib


def make_fragments(n, rng):
    payload = bytes(rng.randrange(256) for _ in range(1500))
    return [payload[i % 97:] + payload[:i % 97] for i in range(n)]


def reassemble(fragments):
    assembled = b""
    received = 0
    checks = []
    for frag in fragments:
        assembled += frag
        received += 1
        if received % 500 == 0:
            frame = bytearray(assembled)
            frame[0:4] = b"HDR0"
            checks.append(zlib.crc32(frame))
    return assembled, checks


def main():
    rng = random.Random(55)
    fragments = make_fragments(2800, rng)
    assembled, checks = reassemble(fragments)
    print("bytes", len(assembled), "checks", len(checks), checks[-1])


if __name__ == "__main__":
    main()
