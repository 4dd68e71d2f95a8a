"""Print the totals of LABELS.json (per family, hot / decoys / unsafe, speedups, splits)."""
import json
import os
from collections import defaultdict

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
labels = json.load(open(os.path.join(HERE, "LABELS.json")))
fam = defaultdict(lambda: [0, 0, 0])
speed = []
hot = dec = uns = 0
splits = defaultdict(lambda: [0, 0, 0])
problems = []
for prog, rec in sorted(labels.items()):
    for l in rec["labels"]:
        f = fam[l["family"]]
        s = splits[rec["split"]]
        if l["hot"]:
            hot += 1
            f[0] += 1
            s[1] += 1
            if l["fix_speedup"] is not None:
                speed.append((l["fix_speedup"], prog, l["lines"]))
            if l["share"] < 0.05:
                problems.append(f"hot below 5%: {prog} {l['lines']} {l['share']}")
            if not l.get("fixed_output_identical", False):
                problems.append(f"fix not verified identical: {prog} {l['lines']}")
        else:
            dec += 1
            f[1] += 1
            s[2] += 1
            if l["unsafe_fix"]:
                uns += 1
                f[2] += 1
                if l.get("naive_fix_result") == ["same output"]:
                    problems.append(f"naive fix did not break: {prog} {l['lines']}")
            elif l.get("decoy_kind") == "cold" and l["share"] >= 0.005:
                problems.append(f"cold decoy above 0.5%: {prog} {l['lines']} {l['share']}")
    splits[rec["split"]][0] += 1
print(f"programs {len(labels)}  hot {hot}  decoys {dec}  unsafe decoys {uns}")
for k, (h, d, u) in sorted(fam.items()):
    print(f"  {k:26s} hot {h:2d}  decoys {d:2d}  (unsafe {u})")
for k, (n, h, d) in sorted(splits.items()):
    print(f"  split {k}: {n} programs, {h} hot, {d} decoys")
speed.sort()
if speed:
    print(f"fix speedups: min {speed[0][0]} ({speed[0][1]}) median {speed[len(speed)//2][0]} max {speed[-1][0]} ({speed[-1][1]})")
for p in problems:
    print("PROBLEM", p)
