"""Memory ground truth: a toy full-text indexer whose per-document term
list leaks as hundreds of small strings, next to big per-document
temporaries and a vocabulary kept for the whole run.

The indexer first builds its vocabulary (40 000 synthetic words). It then
ingests 500 documents of 3500 words each: the document text (~28 KB) is
split into a list of 3500 word strings (~230 KB, alive for the whole
~4-7 ms document), term frequencies and adjacent-pair counts are tallied in
dicts, and the 320 strongest terms are turned into "docid/term" posting
keys. Those keys are appended, as one tuple per document, to a
module-level list that is never pruned.

Lines (found by the [gt:...] markers, printed in GROUND_TRUTH):
  postings  leak: POSTINGS.append(tuple(f"{doc_id:05d}/{w}" ...)) -- one
            tuple + 320 small (~64 B) strings per document, ~23 KB ->
            ~11.3 MB kept at exit, growing linearly (includes the list's
            pointer array)
  vocab     kept: the vocabulary list comprehension -- 40 000 short strings
            + list, ~2.7 MB, built once before the first document
  text      churn: the ~28 KB joined document text (and its list of picked
            words; ranks are drawn with a cubic skew)
  words     churn: text.split() -- ~230 KB of word strings per document,
            ~35-65 MB per CPU second
  (churn lines keep 0 MB; "allocated_mb" is what they allocated in total
   by sys.getsizeof)
About 4-7 ms of CPU per document, ~2-3.5 s in all (depends on the
host's load). The rest of the file keeps
< 2 % of the total. Values: sys.getsizeof arithmetic of the kept objects
(requested bytes); `--verify` re-measures with tracemalloc on 200
documents. MB = 2**20 bytes.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _gt import MB, check, emit, lineof, traced_by_line  # noqa: E402

DOCS = 500
WORDS_PER_DOC = 3500
KEEP = 320
VOCAB_SIZE = 40000
ONSETS = ("b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "pr", "r", "s",
          "st", "t", "tr", "v", "w", "z")
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ea", "ou", "ie")
CODAS = ("", "n", "r", "s", "t", "nd", "rk", "st", "ll", "ng")
STOP = frozenset(("the", "and", "of"))
POSTINGS = []
VOCAB = []
ALLOCATED = {"text": 0, "words": 0}


def syllable(k):
    return ONSETS[k % 24] + NUCLEI[(k // 24) % 9] + CODAS[(k // 216) % 10]


def build_vocab(n):
    return [f"{syllable(k * 7)}{syllable(k // 3 + 11)}{syllable(k % 2161)}" for k in range(n)]  # [gt:vocab]


def index_doc(rng, doc_id):
    r = rng.random
    text = " ".join([VOCAB[int(VOCAB_SIZE * r() ** 3)] for _ in range(WORDS_PER_DOC)])  # [gt:text]
    words = text.split()  # [gt:words]
    tf = {}
    for w in words:
        tf[w] = tf.get(w, 0) + 1
    pairs = {}
    for a, b in zip(words, words[1:]):
        if a[0] == b[0]:
            pairs[a, b] = pairs.get((a, b), 0) + 1
    boost = {a: c for (a, _), c in pairs.items() if c > 1}
    ranked = sorted(tf, key=lambda w: tf[w] + boost.get(w, 0), reverse=True)
    terms = [w for w in ranked if w not in STOP]
    POSTINGS.append(tuple(f"{doc_id:05d}/{w}" for w in terms[:KEEP]))  # [gt:postings]
    ALLOCATED["text"] += sys.getsizeof(text)
    ALLOCATED["words"] += sys.getsizeof(words) + sum(map(sys.getsizeof, words))
    return len(tf)


def run(n):
    global VOCAB
    VOCAB = build_vocab(VOCAB_SIZE)
    rng = random.Random(4242)
    distinct = 0
    for doc_id in range(n):
        distinct += index_doc(rng, doc_id)
    return distinct


def expected():
    me = os.path.abspath(__file__)
    post = sys.getsizeof(POSTINGS) - sys.getsizeof([]) + sum(
        sys.getsizeof(t) + sum(map(sys.getsizeof, t)) for t in POSTINGS)
    vocab = sys.getsizeof(VOCAB) + sum(map(sys.getsizeof, VOCAB))
    truth = {
        str(lineof(me, "postings")): {"kind": "leak", "mb": round(post / MB, 2), "kept_mb": round(post / MB, 2),
                                      "docs": len(POSTINGS)},
        str(lineof(me, "vocab")): {"kind": "kept", "mb": round(vocab / MB, 2), "kept_mb": round(vocab / MB, 2),
                                   "words": len(VOCAB)},
    }
    for tag in ("text", "words"):
        truth[str(lineof(me, tag))] = {"kind": "churn", "mb": 0.0, "kept_mb": 0.0,
                                       "allocated_mb": round(ALLOCATED[tag] / MB, 1)}
    return truth


def main():
    me = os.path.abspath(__file__)
    if "--verify" in sys.argv:
        import tracemalloc
        tracemalloc.start()
        run(200)
        measured = traced_by_line(tracemalloc.take_snapshot(), me)
        tracemalloc.stop()
        want = expected()
        total = sum(v for v in measured.values() if v > 0)
        others = {k: v for k, v in measured.items() if k not in want}
        top = max(others.items(), key=lambda kv: kv[1], default=("-", 0.0))
        unl_ok = top[1] < 0.02 * total
        print("VERIFY largest unlabelled line %s keeps %.3f MB (%.2f %% of %.2f MB) %s" % (
            top[0], top[1], 100 * top[1] / total, total, "ok" if unl_ok else "MISMATCH"))
        if not check(want, measured) or not unl_ok:
            print("VERIFY FAIL")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    run(DOCS)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    truth = expected()
    for v in truth.values():
        if v["kind"] == "leak":
            v["rate_mb_per_s_measured"] = round(v["mb"] / dt, 2)
            v["rate_mb_per_cpu_s_measured"] = round(v["mb"] / dc, 2)
        elif v["kind"] == "churn":
            v["churn_mb_per_cpu_s_measured"] = round(v["allocated_mb"] / dc, 1)
    emit(truth)


if __name__ == "__main__":
    main()
