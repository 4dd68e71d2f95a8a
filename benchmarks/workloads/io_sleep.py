"""I/O and sleep: writes, fsyncs and re-reads a temporary file, and sleeps (mostly blocked, little CPU)."""
import os
import sys
import tempfile
import time


def main(scale):
    rounds = max(1, int(66 * scale))
    chunk = os.urandom(256 << 10)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "data.bin")
        for _ in range(rounds):
            with open(path, "wb") as f:
                for _ in range(8):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            with open(path, "rb") as f:
                while f.read(1 << 16):
                    pass
            time.sleep(0.04)


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
