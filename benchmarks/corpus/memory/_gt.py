"""Shared helpers for the memory ground-truth programs (not a benchmark).

lineof(path, tag) returns the 1-based line number of the line that carries
the marker comment "[gt:<tag>]", so the GROUND_TRUTH that a program prints
can never drift from its source.
"""
import json
import sys

MB = 1024.0 * 1024.0


def lineof(path, tag):
    marker = "[gt:%s]" % tag
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if marker in line and "lineof" not in line:
                return i
    raise KeyError(tag)


def emit(truth):
    """Print the ground truth as the last line of output."""
    sys.stdout.flush()
    print("GROUND_TRUTH " + json.dumps(truth, sort_keys=True))


def traced_by_line(snapshot, path):
    """tracemalloc snapshot -> {line: MB} for allocations made in `path`."""
    import tracemalloc
    snap = snapshot.filter_traces([tracemalloc.Filter(True, path)])
    out = {}
    for st in snap.statistics("lineno"):
        out[str(st.traceback[0].lineno)] = st.size / MB
    return out


def check(expected, measured, key="mb", tol=0.05):
    """Print VERIFY lines comparing expected[line][key] with measured[line]."""
    ok = True
    for line, spec in sorted(expected.items(), key=lambda kv: int(kv[0])):
        want = spec[key]
        got = measured.get(line, 0.0)
        good = abs(got - want) <= max(tol * want, 0.5)
        ok = ok and good
        print("VERIFY line %s %s expected %.2f MB measured %.2f MB %s" % (
            line, spec.get("kind", ""), want, got, "ok" if good else "MISMATCH"))
    print("VERIFY", "PASS" if ok else "FAIL")
    return ok
