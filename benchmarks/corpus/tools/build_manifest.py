"""Build attribution/MANIFEST.json from measure_labels.py result files.

  python3 build_manifest.py RESULTS_DIR [RESULTS_DIR ...]

Each RESULTS_DIR holds <program>.json files written by
`measure_labels.py --out`. When a program was measured in several
directories, the runs are pooled (mean over all runs of each sampler).
The intended hot lines of every program (and its split, chosen before any
measurement) are listed in SPEC below, found in the source by a code
snippet, so line numbers are never typed by hand.
A hot line is kept in "hot_lines" only if the mean py-spy share and the mean
Austin share differ by <= 5 percentage points and the line's share is
>= 2 %; otherwise it goes to "dropped_lines" with the reason.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ATTR = os.path.join(os.path.dirname(HERE), "attribution")
AGREE_PP = 5.0
MIN_SHARE = 0.02

# program -> (split, [(snippet, kind, what)])
SPEC = {
    "asyncio_pipeline.py": ("dev", [
        ("packed = zlib.compress(item[1], 6)", "b", "zlib.compress in a coroutine body (compress stage)"),
        ("digest = hashlib.sha256(seg * 4).hexdigest()", "b", "bytes repeat + sha256 in a coroutine body"),
    ]),
    "bfs_list_queue.py": ("dev", [
        ("u = queue.pop(0)", "a", "list.pop(0) on a long BFS queue"),
    ]),
    "checkout_queue_sim.py": ("dev", [
        ("waiting.insert(0,", "a", "list.insert(0, x) on a long waiting list"),
        ("if cust in members:", "a", "membership test on a 3000-item list"),
    ]),
    "csv_sales_rollup.py": ("dev", [
        ("ranked = sorted(totals.items()", "a", "sorted() of a 30k-item dict view with itemgetter key"),
        ("history.append(dict(totals))", "a", "dict(...) copy of the running totals"),
        ("rows = list(csv.reader(", "a", "csv parse of one batch"),
    ]),
    "dedup_emails.py": ("dev", [
        ("if addr not in seen:", "a", "`not in` on a growing list"),
    ]),
    "generator_pipeline.py": ("holdout", [
        ("words = block.split()", "b", "bytes.split of a 1 MiB block in a generator body"),
        ("clean = block.translate(TABLE, PUNCT)", "b", "bytes.translate of a 1 MiB block in a generator body"),
        ("for words in stream:", "other", "consumer loop header: resumes the generator chain and frees the previous list of words"),
    ]),
    "html_table_global.py": ("holdout", [
        ('PAGE += "<tr><td>', "b", "global str += in a loop-free callee (emit_row)"),
        ('PAGE += "<!-- %s -->', "a", "global str += inside the loop, cheap lines follow"),
    ]),
    "inventory_undo.py": ("dev", [
        ("undo.append(dict(stock))", "a", "dict(...) copy of a 30k-item dict"),
        ("totals.append(sum(stock.values()))", "a", "sum over 30k dict values"),
        ("undo.pop(0)", "a", "list.pop(0) that frees a 30k-item dict copy"),
    ]),
    "json_munging.py": ("holdout", [
        ("doc = json.loads(raw)", "a", "json.loads of a ~300 kB document"),
        ('out = json.dumps(doc, separators', "a", "json.dumps of the document (C encoder under a stdlib wrapper)"),
    ]),
    "lru_list_cache.py": ("dev", [
        ("self.order.remove(key)", "a", "list.remove on a 6000-item recency list"),
        ("self.order.insert(0, key)", "a", "list.insert(0, key) on the hit path"),
    ]),
    "matmul_pure.py": ("dev", [
        ("return sum(map(mul, row, col))", "b", "loop-free dot() callee: sum(map(mul, ...))"),
    ]),
    "merkle_recursive.py": ("dev", [
        ("return hashlib.sha256(chunks[lo]).digest()", "b", "sha256 of a 96 KiB chunk at a recursion leaf"),
    ]),
    "numpy_image_filter.py": ("holdout", [
        ("acc += img[dy:dy + h, dx:dx + w] * kernel[dy, dx]", "a", "numpy shifted-slice multiply-accumulate"),
    ]),
    "numpy_kmeans.py": ("dev", [
        ("d = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)", "a", "numpy broadcast distance matrix"),
        ("members = x[labels == j]", "a", "numpy boolean-mask gather"),
        ("labels = d.argmin(axis=1)", "a", "numpy argmin"),
    ]),
    "numpy_rolling_median.py": ("dev", [
        ("w = np.sort(prices[start:start + window])", "a", "np.sort of a 400k window"),
    ]),
    "packet_reassembly.py": ("dev", [
        ("assembled += frag", "a", "bytes += (copies the whole buffer)"),
    ]),
    "regex_log_scan.py": ("dev", [
        ("hits = rule.findall(log)", "a", "compiled-regex findall over a 5 MB log"),
    ]),
    "report_class_concat.py": ("dev", [
        ("self.text += s", "b", "attribute str += in a loop-free method (copies)"),
    ]),
    "sensor_baseline.py": ("holdout", [
        ("peak = max(hist)", "a", "max() of a 400k-item list"),
        ("hist = [0] * n_bins", "a", "[0] * n list allocation"),
        ("baseline = sum(history) / len(history)", "a", "sum() of a growing float list"),
    ]),
    "sort_leaderboard.py": ("holdout", [
        ("board = sorted(players, key=rank_key)", "a", "sorted() of 40k dicts (tuple comparisons)"),
        ("by_region = sorted(players", "a", "sorted() of 40k dicts with itemgetter key"),
        ('return (-p["score"], p["name"].lower(), p["id"])', "b", "loop-free key function called by sorted()"),
    ]),
    "text_window_join.py": ("dev", [
        ('text = " ".join(words[start:start + span])', "a", "str.join of a 60k-word slice"),
        ('hits = text.count("the whale")', "a", "str.count over the joined window"),
    ]),
    "threadpool_wordcount.py": ("holdout", [
        ("tokens = WORD_RE.findall(doc.lower())", "b", "regex findall in a loop-free worker run by a thread pool"),
    ]),
}


def find_line(src, snippet):
    hits = [i + 1 for i, l in enumerate(src) if snippet in l]
    if not hits:
        raise KeyError(snippet)
    return hits[0]


def pooled(dirs, prog):
    runs = {}
    for d in dirs:
        p = os.path.join(d, prog[:-3] + ".json")
        if not os.path.exists(p):
            continue
        for row in json.load(open(p))["lines"]:
            r = runs.setdefault(row["line"], {"code": row["code"], "pyspy_runs": [], "austin_runs": []})
            r["pyspy_runs"] += row["pyspy_runs"]
            r["austin_runs"] += row["austin_runs"]
    n_runs = max((len(r["pyspy_runs"]) for r in runs.values()), default=0)
    for r in runs.values():  # lines absent from a run had share 0 there
        r["pyspy_runs"] += [0.0] * (n_runs - len(r["pyspy_runs"]))
        r["austin_runs"] += [0.0] * (n_runs - len(r["austin_runs"]))
        r["pyspy_share"] = round(sum(r["pyspy_runs"]) / n_runs, 4)
        r["austin_share"] = round(sum(r["austin_runs"]) / n_runs, 4)
    return runs, n_runs


def main():
    dirs = sys.argv[1:]
    out = {
        "description": "Per-line CPU shares of the attribution corpus, measured by two exact "
                       "out-of-process samplers (py-spy raw, 1000 Hz, --nonblocking; Austin 3.7, -s -i 1ms). "
                       "Shares are fractions of the samples that contain a frame of the program file; each "
                       "sample is charged to the deepest frame in the program file. See ../README.md.",
        "agreement_rule_pp": AGREE_PP,
        "min_share": MIN_SHARE,
        "programs": [],
    }
    for prog in sorted(SPEC):
        split, hot = SPEC[prog]
        src = open(os.path.join(ATTR, prog)).read().splitlines()
        runs, n_runs = pooled(dirs, prog)
        entry = {"program": prog, "split": split, "runs_per_sampler": n_runs,
                 "hot_lines": [], "dropped_lines": [], "other_lines": []}
        hot_nums = set()
        for snippet, kind, what in hot:
            ln = find_line(src, snippet)
            hot_nums.add(ln)
            r = runs.get(ln, {"pyspy_runs": [], "austin_runs": [], "pyspy_share": 0.0, "austin_share": 0.0})
            diff = abs(r["pyspy_share"] - r["austin_share"]) * 100
            row = {"line": ln, "code": src[ln - 1].strip(), "kind": kind, "what": what,
                   "pyspy_share": r["pyspy_share"], "austin_share": r["austin_share"],
                   "share": round((r["pyspy_share"] + r["austin_share"]) / 2, 4),
                   "abs_diff_pp": round(diff, 2),
                   "pyspy_runs": r["pyspy_runs"], "austin_runs": r["austin_runs"]}
            if diff > AGREE_PP:
                row["reason"] = "samplers disagree by > %.0f pp" % AGREE_PP
                entry["dropped_lines"].append(row)
            elif row["share"] < MIN_SHARE:
                row["reason"] = "share below %.0f %%" % (100 * MIN_SHARE)
                entry["dropped_lines"].append(row)
            else:
                entry["hot_lines"].append(row)
        for ln, r in sorted(runs.items(), key=lambda kv: -(kv[1]["pyspy_share"] + kv[1]["austin_share"])):
            if ln in hot_nums or max(r["pyspy_share"], r["austin_share"]) < MIN_SHARE:
                continue
            entry["other_lines"].append({"line": ln, "code": r["code"], "pyspy_share": r["pyspy_share"],
                                         "austin_share": r["austin_share"]})
        out["programs"].append(entry)
    with open(os.path.join(ATTR, "MANIFEST.json"), "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for e in out["programs"]:
        for h in e["hot_lines"]:
            print("%-26s %-7s L%-3d %-5s pyspy %5.1f  austin %5.1f  diff %4.1f  %s" % (
                e["program"], e["split"], h["line"], h["kind"], 100 * h["pyspy_share"],
                100 * h["austin_share"], h["abs_diff_pp"], h["code"][:50]))
        for h in e["dropped_lines"]:
            print("%-26s DROPPED L%-3d %s pyspy %5.1f austin %5.1f (%s)" % (
                e["program"], h["line"], h["kind"], 100 * h["pyspy_share"], 100 * h["austin_share"], h["reason"]))


if __name__ == "__main__":
    main()
