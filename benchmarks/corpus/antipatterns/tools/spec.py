"""Label specification of the corpus: anchors (substrings of the first and last line of
each labelled span), the expected class, the fix and, for unsafe decoys, the naive rewrite.
measure.py turns it into LABELS.json with line numbers and measured shares."""

# The program list and the split were fixed before any measurement:
# every third program in alphabetical order (index % 3 == 2) is held out.
PROGRAMS = sorted("""
access_log_tenants anagram_groups bank_queue_sim bfs_maze coin_change_ways config_merge
contact_dedup course_prereq_report csv_region_rollup dependency_resolver dijkstra_roads
edit_distance_suggest event_window_counter form_validator fs_tree_walk geo_point_dedupe
graph_path_count html_report_builder inventory_sim json_flatten leaderboard_updates
ledger_reconcile markdown_render np_ewma_filter np_histogram_bins np_image_threshold
np_moving_average np_pairwise_distance np_rolling_extrema np_sensor_ingest
order_customer_join packet_reassembly pricing_engine sessionize_clicks spam_filter_rules
stock_portfolio syslog_alerts task_scheduler template_mailer text_tokenizer undo_history
user_activity_telemetry warehouse_picking word_frequency_report
""".split())


def split_of(name):
    stem = name[:-3] if name.endswith(".py") else name
    return "holdout" if PROGRAMS.index(stem) % 3 == 2 else "dev"


SPEC = {}

LRU = ("\n\n\ndef ", "\n\n\n@functools.lru_cache(maxsize=None)\ndef ")

SPEC["access_log_tenants.py"] = [
    dict(start="m = re.compile(TENANT_RULES[tenant]).match(path)", family="regex-compile-per-call", hot=True,
         note="re.compile of a per-tenant pattern on every line; 700 patterns overflow the re module cache (512)",
         fix=[("m = re.compile(TENANT_RULES[tenant]).match(path)", "m = COMPILED_RULES[tenant].match(path)"),
              ("\n\n\ndef make_lines", "\nCOMPILED_RULES = {t: re.compile(r) for t, r in TENANT_RULES.items()}\n\n\ndef make_lines")]),
    dict(start="if ip not in list(clients.keys()):", family="list-membership", hot=True,
         note="membership on list(d.keys()) copies the keys per line", fix=[("if ip not in list(clients.keys()):", "if ip not in clients:")]),
    dict(start='methods = ",".join(sorted(ALLOWED_METHODS))', family="loop-invariant", hot=False, kind="cold",
         note="sorted() of a constant list inside a 5-iteration report loop"),
]

SPEC["anagram_groups.py"] = [
    dict(start="for g in groups:", end="if sorted(g[0]) == sorted(w):", family="nested-loop-join", hot=True,
         note="linear search of the groups with sorted() computed on both sides for every candidate",
         fix=[("""    groups = []
    for w in words:
        if w in STOPWORDS:
            continue
        for g in groups:
            if sorted(g[0]) == sorted(w):
                if w not in g:
                    g.append(w)
                break
        else:
            groups.append([w])""", """    groups = []
    index = {}
    for w in words:
        if w in STOPWORDS:
            continue
        key = "".join(sorted(w))
        g = index.get(key)
        if g is not None:
            if w not in g:
                g.append(w)
        else:
            g = [w]
            index[key] = g
            groups.append(g)""")]),
    dict(start="if w in STOPWORDS:", family="list-membership", hot=False, kind="fine",
         note="membership on a constant 8-element global list: cheap, a set would not matter"),
    dict(start="if w not in g:", family="list-membership", hot=False, kind="fine",
         note="membership inside one anagram class (at most ~10 words), executed once per word"),
]

SPEC["bank_queue_sim.py"] = [
    dict(start="return random.choices(SERVICES, weights=SERVICE_WEIGHTS)[0]", family="random-choices-weights", hot=True,
         note="weights= makes random.choices accumulate the 48 weights on every draw",
         fix=[("return random.choices(SERVICES, weights=SERVICE_WEIGHTS)[0]", "return random.choices(SERVICES, cum_weights=SERVICE_CUM)[0]"),
              ("N_TICKS = ", "SERVICE_CUM = list(itertools.accumulate(SERVICE_WEIGHTS))\nN_TICKS = "),
              ("import random\n", "import itertools\nimport random\n")]),
    dict(start="arrived, svc = waiting.pop(0)", family="list-queue", hot=True,
         note="FIFO line kept as a list: pop(0) shifts ~10k waiting customers",
         fix=[("arrived, svc = waiting.pop(0)", "arrived, svc = waiting.popleft()"), ("    waiting = []\n", "    waiting = deque()\n"),
              ("import random\n", "import random\nfrom collections import deque\n")]),
    dict(start="d = random.choices(desks, weights=desk_weights)[0]", family="random-choices-weights", hot=False, unsafe=True,
         note="Polya urn: the weights change after every draw, so precomputing cum_weights is wrong",
         naive=[("    for _ in range(rounds):\n        d = random.choices(desks, weights=desk_weights)[0]",
                 "    cum = list(itertools.accumulate(desk_weights))\n    for _ in range(rounds):\n        d = random.choices(desks, cum_weights=cum)[0]"),
                ("import random\n", "import itertools\nimport random\n")]),
]

SPEC["bfs_maze.py"] = [
    dict(start="if nxt not in visited:", family="list-membership", hot=True,
         note="visited kept as a list initialised with the start cell",
         fix=[("visited = [start]", "visited = {start}"), ("visited.append(nxt)", "visited.add(nxt)")]),
    dict(start="path.insert(0, cell)", family="list-queue", hot=False, kind="cold",
         note="insert(0) while reconstructing a path of <100 cells, 8 times"),
]

SPEC["coin_change_ways.py"] = [
    dict(start="def ways(amount, idx):", end="return ways(amount - COINS[idx], idx)", family="memoizable-recursion", hot=True,
         note="counts coin combinations recomputing the same (amount, idx) sub-problems",
         fix=[("\n\n\ndef ways(", "\n\n\n@functools.lru_cache(maxsize=None)\ndef ways("), ("import sys\n", "import functools\nimport sys\n")]),
    dict(start="def fewest(amount):", end="return best", family="memoizable-recursion", hot=True,
         note="fewest coins by plain recursion over amount-c",
         fix=[("\n\n\ndef fewest(", "\n\n\n@functools.lru_cache(maxsize=None)\ndef fewest("), ("import sys\n", "import functools\nimport sys\n")]),
    dict(start="def depth(tree):", end="return 1 + max(", family="memoizable-recursion", hot=False, kind="cold",
         note="recursion over a small literal tree: no repeated sub-problems, list argument"),
]

SPEC["config_merge.py"] = [
    dict(start="cfg = copy.deepcopy(DEFAULTS)", family="deepcopy-template", hot=True,
         note="deepcopy of a flat dict of immutable values per request; dict() is enough",
         fix=[("cfg = copy.deepcopy(DEFAULTS)", "cfg = dict(DEFAULTS)")]),
    dict(start="prof = copy.deepcopy(PROFILE_TEMPLATE)", family="deepcopy-template", hot=False, unsafe=True,
         note="template has nested list/dict that are mutated: a shallow copy would alias them",
         naive=[("prof = copy.deepcopy(PROFILE_TEMPLATE)", "prof = dict(PROFILE_TEMPLATE)")]),
]

SPEC["contact_dedup.py"] = [
    dict(start="if key not in seen:", family="list-membership", hot=True,
         note="seen, out = [], [] -- membership on the growing list",
         fix=[("seen, out = [], []", "seen, out = set(), []"), ("seen.append(key)", "seen.add(key)")]),
    dict(start="if row not in unique_rows:", family="list-membership", hot=False, unsafe=True,
         note="rows are dicts (unhashable): a set of rows raises TypeError",
         naive=[("    unique_rows = []\n", "    unique_rows, seen_rows = [], set()\n"),
                ("if row not in unique_rows:", "if row not in seen_rows:"),
                ("unique_rows.append(row)", "seen_rows.add(row)\n            unique_rows.append(row)")]),
]

SPEC["course_prereq_report.py"] = [
    dict(start="def all_prereqs(course, prereq):", end="return found", family="memoizable-recursion", hot=True,
         note="transitive prerequisites recomputed for shared ancestors (exponential)",
         fix=[("""def all_prereqs(course, prereq):
    found = set()
    for p in prereq[course]:
        found.add(p)
        found |= all_prereqs(p, prereq)
    return found""", """def all_prereqs(course, prereq, memo=None):
    if memo is None:
        memo = {}
    if course in memo:
        return memo[course]
    found = set()
    for p in prereq[course]:
        found.add(p)
        found |= all_prereqs(p, prereq, memo)
    memo[course] = found
    return found""")]),
]

SPEC["csv_region_rollup.py"] = [
    dict(start="share = amount / sum(by_region[reg])", family="loop-invariant", hot=True,
         note="sum() of the region's amounts recomputed for each row of the region",
         fix=[("        for amount in by_region[reg]:\n            share = amount / sum(by_region[reg])",
               "        region_total = sum(by_region[reg])\n        for amount in by_region[reg]:\n            share = amount / region_total")]),
    dict(start='notes[r["region"]] += r["id"]', family="string-concat", hot=True,
         note="string built with += on a dict item (no in-place optimisation)",
         fix=[('notes = {reg: "" for reg in REGIONS}', 'note_parts = {reg: [] for reg in REGIONS}'),
              ('notes[r["region"]] += r["id"] + ":" + r["note"] + ";"', 'note_parts[r["region"]].append(r["id"] + ":" + r["note"] + ";")'),
              ("\n    lines = []", '\n    notes = {reg: "".join(p) for reg, p in note_parts.items()}\n    lines = []')]),
    dict(start="total = sum([a for a in by_region[reg]])", family="any-all-listcomp", hot=False, kind="fine",
         note="sum() of a list comprehension: fine (no short-circuit to gain), and cold"),
]

SPEC["dependency_resolver.py"] = [
    dict(start="pkg = ready.pop(0)", family="list-queue", hot=False, kind="cold",
         note="pop(0) on a ready list that stays short; negligible"),
    dict(start="if d not in installed:", family="list-membership", hot=True,
         note="installed packages kept in a list that grows to 9000",
         fix=[("    installed = []\n", "    installed = set()\n"), ("installed.append(pkg)", "installed.add(pkg)")]),
]

SPEC["dijkstra_roads.py"] = [
    dict(start="frontier.sort()", end="d, town = frontier.pop(0)", family="resort-priority-queue", hot=True,
         note="priority queue kept by sorting the frontier list on every pop",
         fix=[("frontier.sort()\n        d, town = frontier.pop(0)", "d, town = heapq.heappop(frontier)"),
              ("frontier.append((nd, nxt))", "heapq.heappush(frontier, (nd, nxt))"),
              ("import random\n", "import heapq\nimport random\n")]),
]

SPEC["edit_distance_suggest.py"] = [
    dict(start="def lev(a, b):", end="return 1 + min(lev(a[1:], b)", family="memoizable-recursion", hot=True,
         note="naive recursive Levenshtein recomputes suffix pairs",
         fix=[("\n\n\ndef lev(", "\n\n\n@functools.lru_cache(maxsize=None)\ndef lev("), ("import random\n", "import functools\nimport random\n")]),
    dict(start="return any([word.startswith(p) for p in PREFIXES])", family="any-all-listcomp", hot=True,
         note="any([...]) builds the whole list; matches are rare so a generator alone gains little -- startswith(tuple) is the fix",
         fix=[("return any([word.startswith(p) for p in PREFIXES])", "return word.startswith(PREFIX_TUPLE)"),
              ("\n\n\ndef lev(", "\nPREFIX_TUPLE = tuple(PREFIXES)\n\n\ndef lev(")]),
]

SPEC["event_window_counter.py"] = [
    dict(start="old = window.pop(0)", family="list-queue", hot=True, note="sliding window of 15000 users as a list",
         fix=[("    window = []\n", "    window = deque()\n"), ("old = window.pop(0)", "old = window.popleft()"),
              ("import random\n", "import random\nfrom collections import deque\n")]),
    dict(start="if code in recent:", family="list-membership", hot=False, unsafe=True,
         note="recent is a multiset (duplicates, positional remove); a set changes semantics and breaks recent[0]",
         naive=[("    recent = []\n", "    recent = set()\n"), ("recent.append(code)", "recent.add(code)")]),
]

SPEC["form_validator.py"] = [
    dict(start="return any([phrase in text for phrase in BANNED])", family="any-all-listcomp", hot=True,
         note="any([...]) evaluates all 20 phrases although most spam matches early",
         fix=[("return any([phrase in text for phrase in BANNED])", "return any(phrase in text for phrase in BANNED)")]),
    dict(start="return all([need_user(), need_email(), need_age()])", family="any-all-listcomp", hot=False, unsafe=True,
         note="every rule must run to record its error; short-circuiting loses messages",
         naive=[("return all([need_user(), need_email(), need_age()])", "return all(check() for check in (need_user, need_email, need_age))")]),
]

SPEC["fs_tree_walk.py"] = [
    dict(start="def tree_size(name):", end="return size + sum(tree_size(k) for k in kids)", family="memoizable-recursion", hot=True,
         note="shared (hard-linked) directories are sized again for every parent",
         fix=[("\n\n\ndef tree_size(", "\n\n\n@functools.lru_cache(maxsize=None)\ndef tree_size("), ("import random\n", "import functools\nimport random\n")]),
    dict(start="def count_entries(name):", end="return 1 + sum(count_entries(k) for k in kids)", family="memoizable-recursion", hot=False, unsafe=True,
         note="side effect (inodes_visited) on every call: memoising changes the reported count",
         naive=[("\n\n\ndef count_entries(", "\n\n\n@functools.lru_cache(maxsize=None)\ndef count_entries("), ("import random\n", "import functools\nimport random\n")]),
]

SPEC["geo_point_dedupe.py"] = [
    dict(start="for b in fixes[i + 1:]:", end="if a.tile() == b.tile():", family="nested-loop-join", hot=True,
         note="self-join counting pairs with equal tile(), method called on both sides",
         fix=[("""    same_tile = 0
    for i, a in enumerate(fixes):
        for b in fixes[i + 1:]:
            if a.tile() == b.tile():
                same_tile += 1""", """    tiles = Counter(f.tile() for f in fixes)
    same_tile = sum(n * (n - 1) // 2 for n in tiles.values())"""),
              ("import random\n", "import random\nfrom collections import Counter\n")]),
    dict(start="if p not in unique:", family="list-membership", hot=False, unsafe=True,
         note="Fix defines a tolerance __eq__ and is unhashable; a set raises TypeError (and would not be tolerant)",
         naive=[("    unique = []\n", "    unique = set()\n"), ("unique.append(p)", "unique.add(p)")]),
]

SPEC["graph_path_count.py"] = [
    dict(start="def count_paths(g, node):", end="return sum(count_paths(g, nxt) for nxt in g[node])", family="memoizable-recursion", hot=True,
         note="path counts of shared sub-DAGs recomputed (3^13 calls)",
         fix=[("""def count_paths(g, node):
    if node == "sink":
        return 1
    return sum(count_paths(g, nxt) for nxt in g[node])""", """def count_paths(g, node, memo=None):
    if memo is None:
        memo = {}
    if node == "sink":
        return 1
    if node not in memo:
        memo[node] = sum(count_paths(g, nxt, memo) for nxt in g[node])
    return memo[node]""")]),
    dict(start="short_routes(g, nxt, path + [nxt], limit, out)", family="quadratic-list-growth", hot=False, unsafe=True,
         note="path + [nxt] gives every branch its own list; appending in place aliases the stored routes",
         naive=[("        short_routes(g, nxt, path + [nxt], limit, out)", "        path.append(nxt)\n        short_routes(g, nxt, path, limit, out)")]),
]

SPEC["html_report_builder.py"] = [
    dict(start='best = max(team_rows, key=lambda x: x["amount"])', family="loop-invariant", hot=True,
         note="max() over the team's rows recomputed for every row of the team",
         fix=[('        for s in team_rows:\n            best = max(team_rows, key=lambda x: x["amount"])',
               '        best = max(team_rows, key=lambda x: x["amount"])\n        for s in team_rows:')]),
    dict(start='self.html += "<tr>"', family="string-concat", hot=True,
         note="self.html += per table row: attribute target, quadratic copying",
         fix=[('self.html = f"<html><head><title>{title}</title></head><body>"', 'self.parts = [f"<html><head><title>{title}</title></head><body>"]'),
              ('self.html += f"<h2>{text}</h2>\\n"', 'self.parts.append(f"<h2>{text}</h2>\\n")'),
              ('self.html += "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\\n"', 'self.parts.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\\n")'),
              ('self.html += "</body></html>"\n        return self.html', 'self.parts.append("</body></html>")\n        return "".join(self.parts)')]),
    dict(start='self.html += f"<h2>{text}</h2>', family="string-concat", hot=False, kind="cold",
         note="attribute += once per team (12 times)"),
    dict(start='summary += team + ";"', family="string-concat", hot=False, kind="cold",
         note="local += over 12 teams"),
]

SPEC["inventory_sim.py"] = [
    dict(start="order = copy.deepcopy(ORDER_TEMPLATE)", family="deepcopy-template", hot=True,
         note="deepcopy of a flat record template for each of 110k orders", fix=[("order = copy.deepcopy(ORDER_TEMPLATE)", "order = dict(ORDER_TEMPLATE)")]),
    dict(start='order["sku"] = random.choices(ITEMS, weights=POPULARITY)[0]', family="random-choices-weights", hot=True,
         note="weights= re-accumulates 120 weights per draw",
         fix=[('order["sku"] = random.choices(ITEMS, weights=POPULARITY)[0]', 'order["sku"] = random.choices(ITEMS, cum_weights=POP_CUM)[0]'),
              ("ORDER_TEMPLATE = {", "POP_CUM = list(itertools.accumulate(POPULARITY))\nORDER_TEMPLATE = {"),
              ("import copy\n", "import copy\nimport itertools\n")]),
    dict(start="w = copy.deepcopy(WAREHOUSE_TEMPLATE)", family="deepcopy-template", hot=False, unsafe=True,
         note="nested template (list, dict) mutated after the copy; cold (6 calls) and a shallow copy would alias",
         naive=[("w = copy.deepcopy(WAREHOUSE_TEMPLATE)", "w = dict(WAREHOUSE_TEMPLATE)")]),
]

SPEC["json_flatten.py"] = [
    dict(start="return sum(parts, [])", family="quadratic-list-growth", hot=True,
         note="sum(lists, []) over the 3500 flattened documents: quadratic copying",
         fix=[("return sum(parts, [])", "return [pair for part in parts for pair in part]")]),
    dict(start="return sum(parts, start=[])", family="quadratic-list-growth", hot=False, kind="fine",
         note="sum(lists, start=[]) of 2-3 short lists per dict node: linear overall (each leaf copied once per level), ~2% of the run"),
]

SPEC["leaderboard_updates.py"] = [
    dict(start="a, b = random.sample(sorted(ratings), 2)", family="loop-invariant", hot=True,
         note="sorted() of the (unchanging) player ids for every match",
         fix=[("a, b = random.sample(sorted(ratings), 2)", "a, b = random.sample(player_ids, 2)"),
              ("    leaders = []\n", "    leaders = []\n    player_ids = sorted(ratings)\n")]),
    dict(start="if a in banned or b in banned:", family="list-membership", hot=False, kind="fine",
         note="membership on a 30-element list built once; small constant cost"),
    dict(start="leaders.append(max(ratings, key=", family="loop-invariant", hot=False, kind="cold",
         note="max() over ratings in the loop, but ratings change and it runs 3 times"),
    dict(start="if p not in known:", family="list-membership", hot=False, kind="fine",
         note="membership on a set: already the idiomatic form"),
]

SPEC["ledger_reconcile.py"] = [
    dict(start="for l in ledger:", end='if b["date"] == l["date"] and b["amount"] == l["amount"]:', family="nested-loop-join", hot=True,
         note="nested-loop join of statement and ledger on (date, amount), first match",
         fix=[("""    for b in bank:
        for l in ledger:
            if b["date"] == l["date"] and b["amount"] == l["amount"]:
                matched.append((b["id"], l["id"]))
                break""", """    index = {}
    for l in ledger:
        index.setdefault((l["date"], l["amount"]), l)
    for b in bank:
        l = index.get((b["date"], b["amount"]))
        if l is not None:
            matched.append((b["id"], l["id"]))""")]),
    dict(start="for s in splits_b:", end='if a["refs"] == s["refs"]:', family="nested-loop-join", hot=False, unsafe=True,
         note="join key is a list (unhashable): a dict index on it raises TypeError",
         naive=[("""    pairs = 0
    for a in splits_a:
        for s in splits_b:
            if a["refs"] == s["refs"]:
                pairs += 1""", """    pairs = 0
    by_refs = {}
    for s in splits_b:
        by_refs[s["refs"]] = by_refs.get(s["refs"], 0) + 1
    for a in splits_a:
        pairs += by_refs.get(a["refs"], 0)""")]),
]

SPEC["markdown_render.py"] = [
    dict(start='self.out += f"<h{level}>', end='self.out += f"<p>{self.inline(raw)}</p>\\n"', family="string-concat", hot=True, measure="self",
         note="renderer appends every element with self.out += (attribute target); share measured on the span's own lines (inline() excluded)",
         fix=[('self.out = ""', 'self.parts = []'),
              ('self.out += f"<h{level}>{self.inline(title)}</h{level}>\\n"', 'self.parts.append(f"<h{level}>{self.inline(title)}</h{level}>\\n")'),
              ('self.out += "<ul>\\n"', 'self.parts.append("<ul>\\n")'),
              ('self.out += f"<li>{self.inline(raw[2:])}</li>\\n"', 'self.parts.append(f"<li>{self.inline(raw[2:])}</li>\\n")'),
              ('self.out += f"<p>{self.inline(raw)}</p>\\n"', 'self.parts.append(f"<p>{self.inline(raw)}</p>\\n")'),
              ('self.out += "</ul>\\n"', 'self.parts.append("</ul>\\n")'),
              ("    r.close_list()\n", '    r.close_list()\n    r.out = "".join(r.parts)\n')]),
    dict(start='toc += "<li>" + t + "</li>"', family="string-concat", hot=False, kind="cold", note="local += over 20 headings"),
]

SPEC["np_ewma_filter.py"] = [
    dict(start="for i in range(len(x)):", end="x[i] = LO", family="numpy-elementwise-loop", hot=True,
         note="Python loop clipping array elements one by one",
         fix=[("""    x = x.copy()
    for i in range(len(x)):
        if x[i] > HI:
            x[i] = HI
        elif x[i] < LO:
            x[i] = LO
    return x""", """    return np.clip(x, LO, HI)""")]),
    dict(start="for i in range(1, len(x)):", end="y[i] = ALPHA * x[i]", family="numpy-elementwise-loop", hot=False, unsafe=True,
         note="IIR recurrence: y[i] depends on y[i-1]; the naive slice vectorisation reads stale values",
         naive=[("""    for i in range(1, len(x)):
        y[i] = ALPHA * x[i] + (1 - ALPHA) * y[i - 1]""", """    y[1:] = ALPHA * x[1:] + (1 - ALPHA) * y[:-1]""")]),
]

SPEC["np_histogram_bins.py"] = [
    dict(start="for v in values:", end="counts[int((v - LO) / width)] += 1", family="numpy-elementwise-loop", hot=True,
         note="Python loop over 3M array elements to bucket them",
         fix=[("""    counts = np.zeros(NBINS, dtype=np.int64)
    for v in values:
        counts[int((v - LO) / width)] += 1
    return counts""", """    idx = ((values - LO) / width).astype(np.int64)
    return np.bincount(idx, minlength=NBINS)""")]),
    dict(start="summary = np.append(summary, round(float(stat), 4))", family="numpy-append-loop", hot=False, kind="cold",
         note="np.append three times"),
]

SPEC["np_image_threshold.py"] = [
    dict(start="for r in range(h):", end="out[r, c] = 255", family="numpy-elementwise-loop", hot=True,
         note="double Python loop over 1.2M pixels",
         fix=[("""    out = np.zeros(img.shape, dtype=np.uint8)
    h, w = img.shape
    for r in range(h):
        for c in range(w):
            if img[r, c] > t:
                out[r, c] = 255
    return out""", """    return np.where(img > t, 255, 0).astype(np.uint8)""")]),
    dict(start="for dy in (0, 1, 2):", end="acc += padded[dy:dy + img.shape[0]", family="numpy-elementwise-loop", hot=False, kind="fine",
         note="nested loops over the 3x3 kernel only; each step is a whole-array operation"),
]

SPEC["np_moving_average.py"] = [
    dict(start="for i in range(w, len(x) + 1):", end="ma[i - 1] = x[i - w:i].mean()", family="numpy-sliding-window", hot=True,
         note="mean recomputed over each overlapping window in a Python loop",
         fix=[("""    for i in range(w, len(x) + 1):
        ma[i - 1] = x[i - w:i].mean()""", """    ma[w - 1:] = np.lib.stride_tricks.sliding_window_view(x, w).mean(axis=1)""")]),
    dict(start="for i in range(len(x)):", end="z[i] = (x[i] - mu) / sd", family="numpy-elementwise-loop", hot=True,
         note="element-by-element z-score",
         fix=[("""    z = np.empty_like(x)
    for i in range(len(x)):
        z[i] = (x[i] - mu) / sd
    return z""", """    return (x - mu) / sd""")]),
    dict(start="for d in range(len(x) // per_day):", end="out.append(x[d * per_day:", family="numpy-sliding-window", hot=False, kind="cold",
         note="10 non-overlapping windows"),
]

SPEC["np_pairwise_distance.py"] = [
    dict(start="for i in range(n):", end="dmin = d", family="numpy-elementwise-loop", hot=True,
         note="double Python loop over point pairs with tiny numpy operations",
         fix=[("""    n = len(P)
    pairs = 0
    dmin = np.inf
    for i in range(n):
        for j in range(i + 1, n):
            d = np.sqrt(((P[i] - P[j]) ** 2).sum())
            if d < R:
                pairs += 1
            if d < dmin:
                dmin = d
    return pairs, dmin""", """    diff = P[:, None, :] - P[None, :, :]
    D = np.sqrt((diff ** 2).sum(axis=-1))
    d = D[np.triu_indices(len(P), 1)]
    return int((d < R).sum()), d.min()""")]),
    dict(start="for k, c in enumerate(centres):", end="bestd[closer] = d[closer]", family="numpy-elementwise-loop", hot=False, kind="cold",
         note="loop over 5 centres, vectorised inside"),
]

SPEC["np_rolling_extrema.py"] = [
    dict(start="for i in range(len(x) - w + 1):", end="out[i] = x[i:i + w].max()", family="numpy-sliding-window", hot=True,
         note="max recomputed over each overlapping window",
         fix=[("""    out = np.empty(len(x) - w + 1)
    for i in range(len(x) - w + 1):
        out[i] = x[i:i + w].max()
    return out""", """    return np.lib.stride_tricks.sliding_window_view(x, w).max(axis=1)""")]),
    dict(start="for i in range(len(rmax)):", end="if x[c] == rmax[i] and x[c] > level:", family="numpy-elementwise-loop", hot=True,
         note="Python loop comparing array elements one by one",
         fix=[("""    peaks = np.array([], dtype=np.int64)
    for i in range(len(rmax)):
        c = i + w // 2
        if x[c] == rmax[i] and x[c] > level:
            peaks = np.append(peaks, c)
    return peaks""", """    c = np.arange(len(rmax)) + w // 2
    return c[(x[c] == rmax) & (x[c] > level)].astype(np.int64)""")]),
    dict(start="peaks = np.append(peaks, c)", family="numpy-append-loop", hot=False, kind="cold",
         note="np.append only for the rare peaks"),
]

SPEC["np_sensor_ingest.py"] = [
    dict(start="data = np.append(data, chunk)", family="numpy-append-loop", hot=True,
         note="np.append of each 64-sample chunk copies the whole array",
         fix=[("    data = np.array([], dtype=np.float64)\n", "    parts = []\n"),
              ("        data = np.append(data, chunk)\n    return data", "        parts.append(chunk)\n    return np.concatenate(parts)")]),
    dict(start="for i in range(len(raw)):", end="volts[i] = raw[i] * (3.3 / 4096.0) - 0.1", family="numpy-elementwise-loop", hot=True,
         note="element-by-element unit conversion",
         fix=[("""    volts = np.empty_like(raw)
    for i in range(len(raw)):
        volts[i] = raw[i] * (3.3 / 4096.0) - 0.1
    return volts""", """    return raw * (3.3 / 4096.0) - 0.1""")]),
    dict(start="for ch in range(len(CAL)):", end="out[ch::10] *= CAL[ch]", family="numpy-elementwise-loop", hot=False, kind="cold",
         note="loop over 10 channels, strided vector operation inside"),
]

SPEC["order_customer_join.py"] = [
    dict(start="for c in customers:", end="if o.email.lower() == c.email.lower():", family="nested-loop-join", hot=True,
         note="join orders to customers with .lower() on both sides for every pair",
         fix=[("""    for o in orders:
        for c in customers:
            if o.email.lower() == c.email.lower():
                revenue[c.cid] = revenue.get(c.cid, 0) + o.total
                break
        else:
            unmatched += 1""", """    by_email = {}
    for c in customers:
        by_email.setdefault(c.email.lower(), c)
    for o in orders:
        c = by_email.get(o.email.lower())
        if c is not None:
            revenue[c.cid] = revenue.get(c.cid, 0) + o.total
        else:
            unmatched += 1""")]),
    dict(start="for c in customers[:6]:", end="if c.region == region:", family="nested-loop-join", hot=False, kind="cold",
         note="4 managers x 6 customers"),
]

SPEC["packet_reassembly.py"] = [
    dict(start="pending.sort()", end="seq, payload = pending.pop(0)", family="resort-priority-queue", hot=True,
         note="reorder buffer re-sorted after every packet and consumed with pop(0)",
         fix=[("        pending.append((seq, payload))\n        pending.sort()\n", "        heapq.heappush(pending, (seq, payload))\n"),
              ("seq, payload = pending.pop(0)", "seq, payload = heapq.heappop(pending)"),
              ("import random\n", "import heapq\nimport random\n")]),
    dict(start="stream += payload", family="string-concat", hot=True,
         note="bytes += in a local: no in-place optimisation for bytes, quadratic",
         fix=[('    stream = b""\n', "    stream = bytearray()\n")]),
]

SPEC["pricing_engine.py"] = [
    dict(start="if sku not in CATALOG.keys():", family="list-membership", hot=False, kind="fine",
         note="membership on a dict keys view is O(1)"),
    dict(start="median_price = sorted(CATALOG.values())[len(CATALOG) // 2]", family="loop-invariant", hot=True,
         note="median of the constant catalogue recomputed with sorted() per order line",
         fix=[("        median_price = sorted(CATALOG.values())[len(CATALOG) // 2]\n", ""),
              ("    missing = 0\n", "    missing = 0\n    median_price = sorted(CATALOG.values())[len(CATALOG) // 2]\n")]),
    dict(start='if sku in [p["sku"] for p in PROMOS]:', family="list-membership", hot=True,
         note="membership on a list comprehension rebuilt for every line",
         fix=[('        if sku in [p["sku"] for p in PROMOS]:\n            pct = next(p["pct"] for p in PROMOS if p["sku"] == sku)\n',
               '        if sku in PROMO_PCT:\n            pct = PROMO_PCT[sku]\n'),
              ("\n\n\ndef price_lines", '\nPROMO_PCT = {}\nfor _p in PROMOS:\n    PROMO_PCT.setdefault(_p["sku"], _p["pct"])\n\n\ndef price_lines')]),
]

SPEC["sessionize_clicks.py"] = [
    dict(start="user_clicks = [c for c in clicks if c[0] == user]", family="nested-loop-join", hot=True,
         note="collects each user's clicks by scanning all clicks (users x clicks)",
         fix=[("user_clicks = [c for c in clicks if c[0] == user]", "user_clicks = by_user[user]"),
              ("    sessions = []\n", "    sessions = []\n    by_user = {}\n    for c in clicks:\n        by_user.setdefault(c[0], []).append(c)\n")]),
    dict(start="                sessions = sessions + [current]", family="quadratic-list-growth", hot=True,
         note="sessions = sessions + [x] copies the list for each of 32k sessions",
         fix=[("                sessions = sessions + [current]", "                sessions.append(current)")]),
    dict(start="sessions += [current]", family="quadratic-list-growth", hot=False, kind="fine",
         note="list += is an in-place extend"),
    dict(start="carts = len(list(filter(", family="loop-invariant", hot=False, kind="fine",
         note="len(list(filter(...))) executed once, outside any loop: nothing to hoist (~2% of the run)"),
]

SPEC["spam_filter_rules.py"] = [
    dict(start=r'if re.search(rf"\b{re.escape(kw)}\b", msg):', family="regex-compile-per-call", hot=True,
         note="re.search with 613 distinct keyword patterns per message: the re cache (512) thrashes",
         fix=[(r'''    for kw in keywords:
        if re.search(rf"\b{re.escape(kw)}\b", msg):''', '''    for kw_re in KW_RES:
        if kw_re.search(msg):'''),
              ("\n\n\ndef make_messages", '\nKW_RES = [re.compile(rf"\\b{re.escape(kw)}\\b") for kw in KEYWORDS]\n\n\ndef make_messages')]),
    dict(start=r'if re.match(r"^\s*$", m):', family="regex-compile-per-call", hot=False, kind="cold",
         note="one constant pattern, served from the re cache, 220 calls"),
]

SPEC["stock_portfolio.py"] = [
    dict(start="sym = rng.choices(SYMBOLS, WEIGHTS)[0]", family="random-choices-weights", hot=True,
         note="positional weights: accumulated on every draw",
         fix=[("sym = rng.choices(SYMBOLS, WEIGHTS)[0]", "sym = rng.choices(SYMBOLS, cum_weights=CUM_WEIGHTS)[0]"),
              ("CONFIG = {", "CUM_WEIGHTS = list(itertools.accumulate(WEIGHTS))\nCONFIG = {"),
              ("import copy\n", "import copy\nimport itertools\n")]),
    dict(start="peak = values[:i + 1].max()", family="numpy-sliding-window", hot=True,
         note="running peak recomputed over the growing prefix (overlapping windows)",
         fix=[("peak = values[:i + 1].max()", "peak = peaks[i]"),
              ("    worst = 0.0\n", "    worst = 0.0\n    peaks = np.maximum.accumulate(values)\n")]),
    dict(start="cfg = copy.deepcopy(CONFIG)", family="deepcopy-template", hot=False, kind="cold", note="one deepcopy"),
]

SPEC["syslog_alerts.py"] = [
    dict(start="if host not in hosts_seen:", family="list-membership", hot=True,
         note="module-level list global used for membership (3000 hosts)",
         fix=[("hosts_seen = []", "hosts_seen = set()"), ("hosts_seen.append(host)", "hosts_seen.add(host)")]),
    dict(start='report += f"{stamp} {host} {proc}: {msg}\\n"', family="string-concat", hot=True,
         note="module-level (global) string +=: not the in-place local fast path",
         fix=[('report = ""\n', "report_parts = []\n"),
              ('report += f"{stamp} {host} {proc}: {msg}\\n"', 'report_parts.append(f"{stamp} {host} {proc}: {msg}\\n")'),
              ('\nprint("hosts"', '\nreport = "".join(report_parts)\nprint("hosts"')]),
    dict(start="alerts.insert(0, host)", family="list-queue", hot=False, kind="cold", note="insert(0) into a list of at most 10"),
    dict(start="if any(w in msg for w in SEVERE):", family="any-all-listcomp", hot=False, kind="fine",
         note="any() over a generator: already the idiomatic form"),
]

SPEC["task_scheduler.py"] = [
    dict(start="jid, cost = jobs.pop(0)", family="list-queue", hot=True, note="120k-job backlog drained with pop(0)",
         fix=[("    while jobs:\n        jid, cost = jobs.pop(0)", "    jobs = deque(jobs)\n    while jobs:\n        jid, cost = jobs.popleft()"),
              ("import random\n", "import random\nfrom collections import deque\n")]),
    dict(start="upcoming = sorted(tasks, key=", family="loop-invariant", hot=False, unsafe=True,
         note="looks loop-invariant but tasks grows through the alias queue; hoisting changes the result",
         naive=[('    for step in range(600):\n        upcoming = sorted(tasks, key=lambda t: (t["deadline"], t["id"]))[:3]',
                 '    upcoming = sorted(tasks, key=lambda t: (t["deadline"], t["id"]))[:3]\n    for step in range(600):')]),
]

SPEC["template_mailer.py"] = [
    dict(start="headers = deepcopy(self.default_headers)", family="deepcopy-template", hot=True,
         note="deepcopy of a flat dict of strings per message", fix=[("headers = deepcopy(self.default_headers)", "headers = dict(self.default_headers)")]),
    dict(start='digest += text + "\\n"', family="string-concat", hot=True, note="+= on a nonlocal (closure cell): no in-place fast path",
         fix=[('    digest = ""\n', "    digest = []\n"), ('digest += text + "\\n"', 'digest.append(text + "\\n")'),
              ("    return digest\n", '    return "".join(digest)\n')]),
    dict(start='footer += part + " "', family="string-concat", hot=False, kind="cold", note="local += three times"),
]

SPEC["text_tokenizer.py"] = [
    dict(start="if tok not in self.vocab:", family="list-membership", hot=True, note="vocabulary list attribute used for membership",
         fix=[("        self.vocab = []\n", "        self.vocab = []\n        self.vocab_set = set()\n"),
              ("            if tok not in self.vocab:\n                self.vocab.append(tok)",
               "            if tok not in self.vocab_set:\n                self.vocab_set.add(tok)\n                self.vocab.append(tok)")]),
    dict(start='self.normalized += tok + " "', family="string-concat", hot=True, note="attribute += per token",
         fix=[('        self.normalized = ""\n', "        self.norm_parts = []\n"),
              ('self.normalized += tok + " "', 'self.norm_parts.append(tok + " ")'),
              ("    def feed(self, text):", '    @property\n    def normalized(self):\n        return "".join(self.norm_parts)\n\n    def feed(self, text):')]),
]

SPEC["undo_history.py"] = [
    dict(start="log = log + [(op, i)]", family="quadratic-list-growth", hot=True, note="log = log + [x] copies the log per edit",
         fix=[("log = log + [(op, i)]", "log.append((op, i))")]),
    dict(start='history = history + [f"state{i}"]', family="quadratic-list-growth", hot=False, unsafe=True,
         note="every snapshot must be its own list; append/+= would alias all snapshots",
         naive=[('history = history + [f"state{i}"]', 'history.append(f"state{i}")')]),
]

SPEC["user_activity_telemetry.py"] = [
    dict(start='logins = len(list(filter(lambda e: e.kind == "login", events)))', family="loop-invariant", hot=True,
         note="len(list(filter(...))) over all events recomputed per user",
         fix=[('        logins = len(list(filter(lambda e: e.kind == "login", events)))\n', ""),
              ('    exp = Exporter(["events", "share", "ms"])\n', '    exp = Exporter(["events", "share", "ms"])\n    logins = len(list(filter(lambda e: e.kind == "login", events)))\n')]),
    dict(start='self.buffers[metric] += f"{user},{value}\\n"', family="string-concat", hot=True,
         note="+= on a dict item held by an attribute",
         fix=[('        self.buffers = {m: "" for m in metrics}', "        self.parts = {m: [] for m in metrics}"),
              ('self.buffers[metric] += f"{user},{value}\\n"', 'self.parts[metric].append(f"{user},{value}\\n")'),
              ("    def write(self, metric, user, value):", '    @property\n    def buffers(self):\n        return {m: "".join(p) for m, p in self.parts.items()}\n\n    def write(self, metric, user, value):')]),
    dict(start="        for user in sorted(by_user):", family="loop-invariant", hot=False, kind="cold",
         note="sorted() of the same keys in a 40-iteration loop"),
]

SPEC["warehouse_picking.py"] = [
    dict(start="far = max(b.aisle for b in bins)", family="loop-invariant", hot=True, note="max over all bins per order (aisles never change)",
         fix=[("    for order in orders:\n        far = max(b.aisle for b in bins)\n", "    far = max(b.aisle for b in bins)\n    for order in orders:\n")]),
    dict(start="for b in bins:", end="if b.sku == sku and b.qty > 0:", family="nested-loop-join", hot=True,
         note="scan all bins for each order line's SKU",
         fix=[("            for b in bins:\n                if b.sku == sku and b.qty > 0:", "            for b in by_sku.get(sku, ()):\n                if b.qty > 0:"),
              ("    picked = 0\n", "    by_sku = {}\n    for b in bins:\n        by_sku.setdefault(b.sku, []).append(b)\n    picked = 0\n")]),
]

SPEC["word_frequency_report.py"] = [
    dict(start="if w not in vocab:", family="list-membership", hot=True, note="vocab = list(STOP) then membership per word",
         fix=[("    vocab = list(STOP)\n", "    vocab = list(STOP)\n    vocab_set = set(vocab)\n"),
              ("        if w not in vocab:\n            vocab.append(w)", "        if w not in vocab_set:\n            vocab_set.add(w)\n            vocab.append(w)")]),
    dict(start="rel[w] = counts[w] / max(counts.values())", family="loop-invariant", hot=True, note="max of the counts recomputed per word",
         fix=[("rel[w] = counts[w] / max(counts.values())", "rel[w] = counts[w] / top"), ("    rel = {}\n", "    rel = {}\n    top = max(counts.values())\n")]),
    dict(start="any([f for f in flags])", family="any-all-listcomp", hot=False, kind="cold", note="any([...]) over 5 flags once"),
]
