"""RESULTS.md and the plot from the benchmarks' JSON results (pure: results in, text/PNG out)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from benchmarks.common import fmt

GOALS = [
    ("overhead, line CPU + memory (default mode)", "≤ 1.10× median, and below Scalene full in the same run"),
    ("overhead, CPU only", "≤ 1.05× median"),
    ("CPU attribution", "≤ 2 percentage points per line"),
    ("memory attribution", "≤ 5 % of the true size per line"),
    ("profile end → published (5k lines)", "≤ 150 ms"),
    ("hover / lens / inlay p99", "≤ 10 ms"),
    ("`didChange` re-anchor", "≤ 2 ms"),
    ("stored size per run", "≤ 100 KB typical"),
]


def _num(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(float(x)) else None


def evaluate(res: Dict[str, Any]) -> List[Tuple[str, str, str, str]]:
    """(goal, bar, measured, PASS/MISS/NOT RUN) per goal."""
    out: List[Tuple[str, str, str, str]] = []
    ov = res.get("overhead")
    if ov:
        g = ov["overall_geomean"]
        hl, sc = _num(g.get("heatlens")), _num(g.get("scalene"))
        worst = _num(ov["worst_median"].get("heatlens"))
        ok = hl is not None and hl <= 1.10 and (sc is None or hl < sc)
        out.append((*GOALS[0], f"{fmt(hl)}× (geomean of medians; worst workload {fmt(worst)}×); Scalene {fmt(sc)}×",
                    "PASS" if ok else "MISS"))
        cpu = _num(g.get("heatlens-cpu"))
        out.append((*GOALS[1], f"{fmt(cpu)}× (worst workload {fmt(_num(ov['worst_median'].get('heatlens-cpu')))}×)",
                    "PASS" if cpu is not None and cpu <= 1.05 else "MISS"))
    else:
        out += [(*GOALS[0], "–", "NOT RUN"), (*GOALS[1], "–", "NOT RUN")]
    acc = res.get("accuracy")
    if acc:
        s = acc["cpu_summary"].get("heatlens", {})
        mx, mean = _num(s.get("line_max")), _num(s.get("line_mean"))
        out.append((*GOALS[2], f"max {fmt(mx, 1)} pp, mean {fmt(mean, 1)} pp over {s.get('line_n')} lines",
                    "PASS" if mx is not None and mx <= 2.0 else "MISS"))
        m = acc["memory"].get("heatlens", {})
        errs = [max(m[k]["alloc_err_pct"], m[k]["kept_err_pct"]) for k in ("X", "Y", "Z") if k in m]
        worst_m = max(errs) if errs else None
        out.append((*GOALS[3], f"max {fmt(worst_m, 1)} % (allocated and kept, lines X/Y/Z)",
                    "PASS" if worst_m is not None and worst_m <= 5.0 else "MISS"))
    else:
        out += [(*GOALS[2], "–", "NOT RUN"), (*GOALS[3], "–", "NOT RUN")]
    ed = res.get("editor")
    if ed:
        pub = _num(ed["publish_ms"].get("median"))
        out.append((*GOALS[4], f"{fmt(pub, 0)} ms median (client-observed, {ed.get('heat_lines')} painted lines)",
                    "PASS" if pub is not None and pub <= 150 else "MISS"))
        p99 = {k: _num(v.get("p99_ms")) for k, v in ed["requests"].items()}
        ok = all(v is not None and v <= 10 for v in p99.values()) and len(p99) == 3
        out.append((*GOALS[5], ", ".join(f"{k} {fmt(v, 1)} ms" for k, v in p99.items()), "PASS" if ok else "MISS"))
        r = ed["reanchor"].get("didChange_to_heat", {})
        rp50 = _num(r.get("p50_ms"))
        out.append((*GOALS[6], f"{fmt(rp50, 1)} ms median didChange → re-anchored heat (p99 {fmt(_num(r.get('p99_ms')), 1)} ms)",
                    "PASS" if rp50 is not None and rp50 <= 2 else "MISS"))
    else:
        out += [(*GOALS[4], "–", "NOT RUN"), (*GOALS[5], "–", "NOT RUN"), (*GOALS[6], "–", "NOT RUN")]
    st = res.get("store")
    if st:
        typ = _num(st.get("typical_bytes"))
        out.append((*GOALS[7], f"{fmt(typ / 1024 if typ else None, 1)} KB median (max {fmt((st.get('max_bytes') or 0) / 1024, 1)} KB)",
                    "PASS" if typ is not None and typ <= 100 * 1024 else "MISS"))
    else:
        out.append((*GOALS[7], "–", "NOT RUN"))
    return out


def _table(head: List[str], rows: List[List[str]]) -> List[str]:
    return ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"] + ["| " + " | ".join(r) + " |" for r in rows]


def overhead_md(ov: Dict[str, Any]) -> List[str]:
    tools = [t for t in ov["tools"] if t != "none"]
    lines = [f"## Overhead (wall-time ratio profiled / unprofiled, median of {ov['reps']} interleaved repetitions)", ""]
    lines.append("Cells: median ratio (min–max over repetitions). Unprofiled medians in seconds in the first column.")
    lines.append("")
    rows = []
    for w in ov["workloads"]:
        row = [f"{w} ({fmt(ov['baseline_s'][w])} s)"]
        for t in tools:
            e = ov["ratios"][t][w]
            row.append(f"{fmt(e['median'])} ({fmt(e['min'])}–{fmt(e['max'])})" if e["n"] else "failed")
        rows.append(row)
    rows.append(["**geomean**"] + [f"**{fmt(ov['overall_geomean'][t])}**" for t in tools])
    lines += _table(["workload"] + [ov["labels"][t] for t in tools], rows)
    totals = [(t, ov["ratios"][t]) for t in tools if any("runner_total_median" in e for e in ov["ratios"][t].values())]
    if totals:
        lines += ["", "heatlens through its runner, including reading the output into a Profile afterwards (median ratio):", ""]
        lines += _table(["workload"] + [ov["labels"][t] for t, _ in totals],
                        [[w] + [fmt(per[w].get("runner_total_median")) for _, per in totals] for w in ov["workloads"]])
    su = ov["startup"]
    lines += ["", "### Start-up cost (a program that is just `pass`; median seconds)", ""]
    lines += _table(["tool", "wall (s)", "added over plain python (s)", "runner total (s)"],
                    [[ov["labels"][t], fmt(su["wall_s"][t]), fmt(su["added_s"][t]), fmt(su["runner_total_s"].get(t))]
                     for t in ov["tools"]])
    if ov.get("failures"):
        lines += ["", "Failed runs (left out of the medians):", ""] + [f"- {f}" for f in ov["failures"]]
    lines += ["", "Anchor command lines (each tool's defaults):", ""] + [f"- {t}: `{c}`" for t, c in ov["commands"].items()]
    return lines


def accuracy_md(acc: Dict[str, Any]) -> List[str]:
    lines = ["## CPU attribution (error in percentage points against ground truth)", ""]
    summ = acc["cpu_summary"]
    rows = [[t, fmt(s["line_mean"], 1), fmt(s["line_max"], 1), str(s["line_n"]), fmt(s["function_mean"], 1),
             fmt(s["function_max"], 1), str(s["function_n"])] for t, s in summ.items()]
    lines += _table(["tool", "line mean", "line max", "lines", "function mean", "function max", "functions"], rows)
    lines += ["", "Per program (max line error / max function error, pp; `–`: the tool does not report that level;"
              " `name@line ✗`: function reported at the wrong first line):", ""]
    tools = list(summ)
    rows = []
    for prog, per in acc["cpu"].items():
        row = [prog]
        for t in tools:
            e = per.get(t, {})
            if e.get("failure") not in (None, "ok") and "line_pp" not in e and "function_pp" not in e:
                row.append(f"failed ({e.get('failure')})")
                continue
            lmax = max(e.get("line_pp", {}).values(), default=None)
            fmax = max(e.get("function_pp", {}).values(), default=None)
            bad = [n for n, ok in e.get("function_line_ok", {}).items() if not ok]
            cell = f"{fmt(lmax, 1)} / {fmt(fmax, 1)}" + (" " + ", ".join(f"{n} ✗" for n in bad) if bad else "")
            row.append(cell)
        rows.append(row)
    lines += _table(["program"] + tools, rows)
    nat = [(prog, t, e["native_fraction"]) for prog, per in acc["cpu"].items() for t, e in per.items()
           if prog == "bt_native" and e.get("native_fraction")]
    if nat:
        lines += ["", "Native share of each line in `bt_native` (truth: matmul ≈ 100 %, pyloop ≈ 0 %):", ""]
        lines += _table(["tool", "matmul native", "pyloop native"],
                        [[t, fmt((f.get("matmul") or 0) * 100, 0) + " %", fmt((f.get("pyloop") or 0) * 100, 0) + " %"]
                         for _, t, f in nat])
    lines += ["", "## Memory attribution (`gt_mem_sites`: X keeps 200 MB, Y allocates and frees 100 MB, Z keeps 50 MB)", ""]
    rows = []
    for t, m in acc["memory"].items():
        if "X" not in m:
            rows.append([t, f"failed ({m.get('failure')})", "", "", ""])
            continue
        cells = [f"{fmt(m[k]['alloc_mb'], 0)} / {fmt(m[k]['kept_mb'], 0)}" for k in ("X", "Y", "Z")]
        worst = max(max(m[k]["alloc_err_pct"], m[k]["kept_err_pct"]) for k in ("X", "Y", "Z"))
        rows.append([t] + cells + [fmt(worst, 1) + " %"])
    lines += _table(["tool", "X alloc / kept MB (200/200)", "Y (100/0)", "Z (50/50)", "worst error, % of true size"], rows)
    return lines


def editor_md(ed: Dict[str, Any]) -> List[str]:
    si = ed.get("server_internal", {})
    lines = ["## Editor latency (real LSP client over stdio, 5,000-line file, data on every line)", ""]
    lines += [f"- profile end → `heatlens/heat` received by the client: median {fmt(ed['publish_ms']['median'], 0)} ms, "
              f"max {fmt(ed['publish_ms']['max'], 0)} ms over {ed['publish_ms']['n']} runs ({ed.get('heat_lines')} heat lines)",
              f"- the daemon's own timers for those runs: store + heat published "
              f"{', '.join(fmt(x, 0) for x in si.get('store_and_heat_ms', []))} ms; function roll-ups (LibCST index) published after "
              f"{', '.join(fmt(x, 0) for x in si.get('function_rollups_ms', []))} ms",
              f"- the same for a real agent run of that file (heat on the sampled lines only): "
              f"{fmt(ed.get('publish_real_agent_ms'), 0)} ms", ""]
    rows = [[k, str(v["n"]), fmt(v["p50_ms"], 2), fmt(v["p99_ms"], 2), fmt(v["max_ms"], 1)] for k, v in ed["requests"].items()]
    rows += [[k, str(v["n"]), fmt(v["p50_ms"], 2), fmt(v["p99_ms"], 2), fmt(v["max_ms"], 1)] for k, v in ed["reanchor"].items()]
    lines += _table(["request (client round trip)", "n", "p50 ms", "p99 ms", "max ms"], rows)
    lines += ["", f"Daemon RSS: idle {fmt(ed.get('rss_idle_mb'), 0)} MB, with the 5,000-line profile "
              f"{fmt(ed.get('rss_loaded_mb'), 0)} MB, after {ed.get('runs_for_rss')} more runs {fmt(ed.get('rss_after_runs_mb'), 0)} MB."]
    return lines


def store_md(st: Dict[str, Any]) -> List[str]:
    lines = ["## Store", "", "Size of one stored run (agent, default mode, workloads at scale 0.3):", ""]
    lines += _table(["workload", "profile blob", "with sources (as the daemon stores it)", "lines", "functions", "stacks"],
                    [[w, f"{s['blob_bytes'] / 1024:.1f} KB", f"{s['with_sources_bytes'] / 1024:.1f} KB", str(s["lines"]),
                      str(s["functions"]), str(s["stacks"])] for w, s in st["sizes"].items()])
    lines += ["", f"{st['runs']} runs stored: database {st['db_bytes'] / (1 << 20):.1f} MB; save p50 {fmt(st['save_ms']['p50'], 1)} ms, "
              f"p99 {fmt(st['save_ms']['p99'], 1)} ms. Queries (median / max ms):", ""]
    lines += _table(["query", "p50 ms", "max ms"], [[q, fmt(v["p50"], 2), fmt(v["max"], 2)] for q, v in st["queries_ms"].items()])
    return lines


def render(res: Dict[str, Any], plot_name: Optional[str]) -> str:
    facts = res["machine"]
    lines = ["# heatlens benchmarks", "",
             "Written by `.venv/bin/python benchmarks/run.py` (see benchmarks/README.md). Ratios come from one "
             "interleaved run on one machine; no test asserts a time.", ""]
    if res.get("busy_note"):
        lines += [f"> {res['busy_note']}", ""]
    lines += _table(["machine", ""], [[k, v] for k, v in facts.items()])
    lines += ["", "Tool versions: " + ", ".join(f"{k} {v}" for k, v in res["versions"].items()), ""]
    lines += ["## Goals", ""]
    lines += _table(["metric", "goal", "measured", "result"], [list(r) for r in evaluate(res)])
    if res.get("misses"):
        lines += ["", "What stands in the way of each miss:", ""] + [f"- {m}" for m in res["misses"]]
    if plot_name:
        lines += ["", f"![overhead and accuracy]({plot_name})"]
    for key, fn in (("overhead", overhead_md), ("accuracy", accuracy_md), ("editor", editor_md), ("store", store_md)):
        if res.get(key):
            lines += [""] + fn(res[key])
    lines += ["", f"Total benchmark time: {fmt(res.get('elapsed_s', 0) / 60, 1)} min" + (" (quick mode)" if res.get("quick") else "")]
    return "\n".join(lines) + "\n"


def plot(res: Dict[str, Any], path: Path) -> bool:
    """Overhead per tool (geomean, per-workload medians as dots, log scale) and line/function CPU error."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ov, acc = res.get("overhead"), res.get("accuracy")
    panels = [p for p in (ov, acc) if p]
    if not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4.8), squeeze=False)
    ax_i = 0
    if ov:
        ax = axes[0][ax_i]
        ax_i += 1
        tools = [t for t in ov["tools"] if t != "none"]
        gm = [ov["overall_geomean"][t] for t in tools]
        colors = ["#d62728" if t.startswith("heatlens") else "#7f7f7f" for t in tools]
        ax.bar(range(len(tools)), gm, color=colors)
        for i, t in enumerate(tools):
            meds = [e["median"] for e in ov["ratios"][t].values() if e["n"]]
            ax.scatter([i] * len(meds), meds, s=10, color="black", zorder=3)
        ax.set_yscale("log")
        ax.axhline(1.10, color="#d62728", linestyle="--", linewidth=1, label="goal 1.10×")
        ax.set_xticks(range(len(tools)))
        ax.set_xticklabels(tools, rotation=45, ha="right")
        ax.set_ylabel("wall time ratio (log)")
        ax.set_title("Overhead: geomean (bars), per-workload medians (dots)")
        ax.legend()
    if acc:
        ax = axes[0][ax_i]
        summ = acc["cpu_summary"]
        tools = list(summ)
        xs = range(len(tools))
        line = [summ[t]["line_max"] or 0 for t in tools]
        func = [summ[t]["function_max"] or 0 for t in tools]
        ax.bar([x - 0.2 for x in xs], line, width=0.4, label="max line error")
        ax.bar([x + 0.2 for x in xs], func, width=0.4, label="max function error")
        ax.axhline(2.0, color="#d62728", linestyle="--", linewidth=1, label="goal 2 pp (lines)")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(tools, rotation=45, ha="right")
        ax.set_ylabel("percentage points")
        ax.set_title("CPU attribution error vs ground truth (0 = not reported for lines)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
