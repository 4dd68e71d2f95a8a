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
