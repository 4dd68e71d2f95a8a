"""Label specification of the holdout-s4 batch (18 programs added later, written blind
like the first 44): anchors, family, hot/decoy, the fix and, for unsafe decoys, the naive
rewrite, in the format of spec.py. `measure.py --s4` turns it into LABELS.json entries with
"split": "holdout-s4" (all of these programs are held out)."""

SPEC = {}

LRU_IMPORT = ("import random\n", "import functools\nimport random\n")

SPEC["ticket_router.py"] = [
    dict(start="m = re.match(pattern, subject)", family="regex-compile-per-call", hot=True,
         note="re.match with one pattern string per customer: 800 distinct patterns overflow the re module cache",
         fix=[("m = re.match(pattern, subject)", "m = self.compiled[cust].match(subject)"),
              ("        self.rules = rules\n",
               "        self.rules = rules\n        self.compiled = {c: re.compile(r[1]) for c, r in rules.items()}\n")]),
    dict(start="if tid in self.handled:", family="list-membership", hot=True,
         note="membership in a list attribute that grows with every handled ticket",
         fix=[("if tid in self.handled:", "if tid in self.handled_set:"),
              ("        self.handled.append(tid)\n", "        self.handled.append(tid)\n        self.handled_set.add(tid)\n"),
              ("        self.handled = []\n", "        self.handled = []\n        self.handled_set = set()\n")]),
    dict(start='subject = re.sub(r"\\s+", " ", subject)', family="regex-compile-per-call", hot=False, kind="fine",
         note="one constant pattern: served from the re cache"),
    dict(start='if queue not in QUEUES and queue != "triage":', family="list-membership", hot=False, kind="fine",
         note="membership in a constant 5-element list"),
]

SPEC["flight_connections.py"] = [
    dict(start="if nxt not in visited:", family="list-membership", hot=True,
         note="BFS visited list built in the loop; membership scans it per edge",
         fix=[("if nxt not in visited:", "if nxt not in visited_set:"),
              ("    visited = [src]\n", "    visited = [src]\n    visited_set = {src}\n"),
              ("                    visited.append(nxt)\n",
               "                    visited.append(nxt)\n                    visited_set.add(nxt)\n")]),
    dict(start="if code in MAJOR_HUBS:", family="list-membership", hot=False, kind="fine",
         note="membership in a constant 4-element list, a few times per query"),
    dict(start="if d != c and d not in routes[c]:", family="list-membership", hot=False, kind="fine",
         note="membership in one airport's short route list (a handful of entries) while building"),
]

SPEC["crawl_frontier.py"] = [
    dict(start="url = frontier.pop(0)", family="list-queue", hot=True,
         note="crawl frontier as a list: pop(0) shifts a frontier of up to ~230k URLs",
         fix=[("url = frontier.pop(0)", "url = frontier.popleft()"),
              ("    frontier = [start]\n", "    frontier = collections.deque([start])\n"),
              ("import re\n", "import collections\nimport re\n")]),
    dict(start="frontier.insert(0, link)", family="list-queue", hot=True,
         note="sitemap pages pushed to the front of the list frontier with insert(0, x)",
         fix=[("frontier.insert(0, link)", "urgent.append(link)"),
              ("url = frontier.pop(0)", "url = urgent.pop() if urgent else frontier.pop(0)"),
              ("    frontier = [start]\n", "    frontier = [start]\n    urgent = []\n"),
              ("while frontier and len(order) < MAX_PAGES:", "while (frontier or urgent) and len(order) < MAX_PAGES:"),
              ("return order, per_section, len(frontier)", "return order, per_section, len(frontier) + len(urgent)")]),
    dict(start="batch = batches.pop(0)", family="list-queue", hot=False, kind="cold",
         note="pop(0) on a 3-element retry list"),
    dict(start="if link in seen:", family="list-membership", hot=False, kind="fine",
         note="membership on a set"),
    dict(start="for link in re.findall(LINK_RE, html):", family="regex-compile-per-call", hot=False, kind="fine",
         note="one constant pattern: served from the re cache"),
]

SPEC["astar_grid_router.py"] = [
    dict(start="open_list.sort(key=lambda entry: entry[0])", end="f, g, node = open_list.pop(0)",
         family="resort-priority-queue", hot=True,
         note="A* open list re-sorted before every expansion, then pop(0)",
         fix=[("    open_list = [(heuristic(start, goal), 0, start)]\n",
               "    counter = itertools.count()\n    open_list = [(heuristic(start, goal), next(counter), 0, start)]\n"),
              ("        open_list.sort(key=lambda entry: entry[0])\n        f, g, node = open_list.pop(0)\n",
               "        f, _, g, node = heapq.heappop(open_list)\n"),
              ("open_list.append((ng + heuristic(nxt, goal) // 3, ng, nxt))",
               "heapq.heappush(open_list, (ng + heuristic(nxt, goal) // 3, next(counter), ng, nxt))"),
              ("import random\n", "import heapq\nimport itertools\nimport random\n")]),
    dict(start="robot = sorted(ROBOTS)[order % len(ROBOTS)]", family="loop-invariant", hot=False, kind="cold",
         note="sorted() of a constant list inside the 48-iteration order loop"),
]

SPEC["invoice_matcher.py"] = [
    dict(start="for inv in invoices:", end="break", family="nested-loop-join", hot=True,
         note="payments x invoices scan comparing (customer, amount) tuples; first unpaid match wins",
         fix=[("""    matches = []
    for p in payments:
        for inv in invoices:
            if not inv.paid and (inv.customer, inv.cents) == (p["payer"], p["amount"]):""",
               """    matches = []
    by_key = {}
    for inv in invoices:
        by_key.setdefault((inv.customer, inv.cents), []).append(inv)
    for p in payments:
        for inv in by_key.get((p["payer"], p["amount"]), ()):
            if not inv.paid:""")]),
    dict(start="return [inv for inv in invoices if inv.number not in self.paid_numbers]", family="list-membership",
         hot=True, note="membership in the ledger's list of paid numbers for every invoice",
         fix=[("return [inv for inv in invoices if inv.number not in self.paid_numbers]",
               "paid = set(self.paid_numbers)\n        return [inv for inv in invoices if inv.number not in paid]")]),
    dict(start="for rule in rules:", end='if rule["tags"] == adj["tags"]:', family="nested-loop-join", hot=False,
         unsafe=True, note="join on dict-valued tag sets (unhashable); 40 x 3 comparisons",
         naive=[("""    for adj in adjustments:
        for rule in rules:
            if rule["tags"] == adj["tags"]:""", """    by_tags = {rule["tags"]: [rule] for rule in rules}
    for adj in adjustments:
        for rule in by_tags.get(adj["tags"], []):
            if True:""")]),
]

SPEC["sales_dashboard.py"] = [
    dict(start="p90 = sorted(prices)[int(len(prices) * 0.9)]", family="loop-invariant", hot=True,
         note="percentile of the (unchanging) catalogue prices re-sorted for every order",
         fix=[("        p90 = sorted(prices)[int(len(prices) * 0.9)]\n", ""),
              ("    bands = {}\n", "    bands = {}\n    p90 = sorted(prices)[int(len(prices) * 0.9)]\n")]),
    dict(start="biggest = max(x.qty * x.price for x in orders)", family="loop-invariant", hot=True,
         note="max over all orders recomputed for every order",
         fix=[("        biggest = max(x.qty * x.price for x in orders)\n", ""),
              ("    seen = history.values\n", "    seen = history.values\n    biggest = max(x.qty * x.price for x in orders)\n")]),
    dict(start="typical = sorted(seen)[len(seen) // 2] if seen else 0.0", family="loop-invariant", hot=False,
         unsafe=True, note="looks invariant but `seen` is history.values, appended to by history.record() each order",
         naive=[("            typical = sorted(seen)[len(seen) // 2] if seen else 0.0\n",
                 "            typical = typical_once\n"),
                ("    seen = history.values\n",
                 "    seen = history.values\n    typical_once = sorted(seen)[len(seen) // 2] if seen else 0.0\n")]),
]

SPEC["feature_flags.py"] = [
    dict(start="if not any([r.matches(user) for r in rules]):", family="any-all-listcomp", hot=True,
         note="any() over a list comprehension evaluates all 15-30 rules although the first match decides",
         fix=[("if not any([r.matches(user) for r in rules]):", "if not any(r.matches(user) for r in rules):")]),
    dict(start="if all([g.holds(user) for g in guards]):", family="any-all-listcomp", hot=True,
         note="all() over a list comprehension evaluates every guard although the first failure decides",
         fix=[("if all([g.holds(user) for g in guards]):", "if all(g.holds(user) for g in guards):")]),
    dict(start="flagged = any([a.observe(user) for a in auditors])", family="any-all-listcomp", hot=False,
         unsafe=True, note="every auditor must observe (side effect: counts); a generator would stop early",
         naive=[("flagged = any([a.observe(user) for a in auditors])", "flagged = any(a.observe(user) for a in auditors)")]),
]

SPEC["board_game_rollouts.py"] = [
    dict(start="state = copy.deepcopy(START)", family="deepcopy-template", hot=True,
         note="deepcopy of the start-position template for every rollout",
         fix=[("state = copy.deepcopy(START)",
               'state = {"grid": [row[:] for row in START["grid"]], "scores": dict(START["scores"]),\n'
               '                     "captured": {p: list(c) for p, c in START["captured"].items()},\n'
               '                     "turn": START["turn"], "history": []}')]),
    dict(start="rules = copy.deepcopy(HOUSE_RULES)", family="deepcopy-template", hot=False, unsafe=True,
         note="per-series copy of rules whose nested bonus_tiles list the game mutates; a shallow copy aliases it",
         naive=[("rules = copy.deepcopy(HOUSE_RULES)", "rules = dict(HOUSE_RULES)")]),
    dict(start='if (x, y) in rules["bonus_tiles"]:', family="list-membership", hot=False, kind="fine",
         note="membership in a list of at most 3 tiles"),
]

SPEC["release_notes_builder.py"] = [
    dict(start='self.sections[c["type"]] += line', family="string-concat", hot=True,
         note="str += on a dict item behind an attribute: each section is copied per commit",
         fix=[('self.sections[c["type"]] += line', 'self.sections[c["type"]].append(line)'),
              ('self.sections = {t: "" for t in TYPES}', "self.sections = {t: [] for t in TYPES}"),
              ("parts.append(self.sections[t])", 'parts.append("".join(self.sections[t]))')]),
    dict(start="label += ch", family="string-concat", hot=False, kind="fine",
         note="local str += of a few characters (in-place fast path, tiny strings)"),
]

SPEC["word_break_count.py"] = [
    dict(start="def count_splits(s):", end="return total", family="memoizable-recursion", hot=True,
         note="counting segmentations by plain recursion re-solves the same suffixes exponentially often",
         fix=[("\n\n\ndef count_splits(s):", "\n\n\n@functools.lru_cache(maxsize=None)\ndef count_splits(s):"), LRU_IMPORT]),
    dict(start="def fewest_words(s):", end="return best", family="memoizable-recursion", hot=True,
         note="minimum-word segmentation by plain recursion over suffixes",
         fix=[("\n\n\ndef fewest_words(s):", "\n\n\n@functools.lru_cache(maxsize=None)\ndef fewest_words(s):"), LRU_IMPORT]),
    dict(start="def traced_valid(s):", end="return any(s[:k] in WORDSET and traced_valid(", family="memoizable-recursion",
         hot=False, unsafe=True, note="recursive check that logs every call to TRACE (side effect); only 6 tags",
         naive=[("\n\n\ndef traced_valid(s):", "\n\n\n@functools.lru_cache(maxsize=None)\ndef traced_valid(s):"), LRU_IMPORT]),
]

SPEC["loot_table_sim.py"] = [
    dict(start="return rng.choices(self.items, weights=self.weights)[0]", family="random-choices-weights", hot=True,
         note="weights= makes random.choices accumulate the 120 fixed weights on every roll",
         fix=[("return rng.choices(self.items, weights=self.weights)[0]",
               "return rng.choices(self.items, cum_weights=self.cum_weights)[0]"),
              ("        self.weights = weights\n",
               "        self.weights = weights\n        self.cum_weights = list(itertools.accumulate(weights))\n"),
              ("import random\n", "import itertools\nimport random\n")]),
    dict(start="pick = rng.choices(self.legendaries + [None], weights=self.weights)[0]", family="random-choices-weights",
         hot=False, unsafe=True, note="pity weights change after every miss; precomputed cumulative weights would be stale",
         naive=[("pick = rng.choices(self.legendaries + [None], weights=self.weights)[0]",
                 "pick = rng.choices(self.legendaries + [None], cum_weights=self.cum)[0]"),
                ('        self.legendaries = ["sunblade", "moonbow", "starhelm"]\n',
                 '        self.legendaries = ["sunblade", "moonbow", "starhelm"]\n'
                 '        self.cum = list(itertools.accumulate([1.0, 1.0, 1.0, 97.0]))\n'),
                ("import random\n", "import itertools\nimport random\n")]),
]

SPEC["np_particle_drag.py"] = [
    dict(start="for i in range(N):", end="vel[2, i] = vel[2, i] * scale", family="numpy-elementwise-loop", hot=True,
         note="Python loop over all particles indexing NumPy arrays element by element",
         fix=[("""    for i in range(N):
        if speed[i] > VMAX:
            scale = VMAX / speed[i]
            vel[0, i] = vel[0, i] * scale
            vel[1, i] = vel[1, i] * scale
            vel[2, i] = vel[2, i] * scale
""", """    over = speed > VMAX
    scale = VMAX / speed[over]
    vel[:, over] = vel[:, over] * scale
""")]),
    dict(start="for h in pos[2][::25]:", end="heights = np.append(heights, h)", family="numpy-append-loop", hot=True,
         note="np.append per sample copies the growing trajectory array",
         fix=[("""        for h in pos[2][::25]:
            heights = np.append(heights, h)
""", """        height_parts.append(pos[2][::25].copy())
"""), ("    heights = np.array([])\n", "    height_parts = []\n"),
              ('    print("samples", heights.size', '    heights = np.concatenate(height_parts)\n    print("samples", heights.size')]),
    dict(start="for axis in range(3):", end="vel[axis] += acc * DT", family="numpy-elementwise-loop", hot=False,
         kind="fine", note="3-iteration loop over axes of whole-array operations"),
]

SPEC["np_rolling_zscore.py"] = [
    dict(start="for i in range(WINDOW, x.size):", end="z[i] = (x[i] - mu) / sd if sd > 0 else 0.0",
         family="numpy-sliding-window", hot=True, note="mean and std of every window recomputed from scratch in a Python loop",
         fix=[("""    for i in range(WINDOW, x.size):
        window = x[i - WINDOW:i]
        mu = window.mean()
        sd = window.std()
        z[i] = (x[i] - mu) / sd if sd > 0 else 0.0
""", """    windows = sliding_window_view(x, WINDOW)[:-1]
    mu = windows.mean(axis=1)
    sd = windows.std(axis=1)
    safe = np.where(sd > 0, sd, 1.0)
    z[WINDOW:] = np.where(sd > 0, (x[WINDOW:] - mu) / safe, 0.0)
"""), ("import numpy as np\n", "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\n")]),
    dict(start="for i in range(WINDOW, len(x)):", end="out[i - WINDOW] = x[i - WINDOW:i].max()",
         family="numpy-sliding-window", hot=True, note="rolling max by slicing every window in a Python loop",
         fix=[("""    out = np.empty(x.size - WINDOW)
    for i in range(WINDOW, len(x)):
        out[i - WINDOW] = x[i - WINDOW:i].max()
""", """    out = sliding_window_view(x, WINDOW)[:-1].max(axis=1)
"""), ("import numpy as np\n", "import numpy as np\nfrom numpy.lib.stride_tricks import sliding_window_view\n")]),
    dict(start="for i in range(1, x.size):", end="env[i] = max(env[i - 1] * DECAY, x[i])", family="numpy-elementwise-loop",
         hot=False, unsafe=True, note="peak-hold recurrence: each value depends on the previous output (2 x 800 samples)",
         naive=[("""    for i in range(1, x.size):
        env[i] = max(env[i - 1] * DECAY, x[i])
""", """    env[1:] = np.maximum(env[:-1] * DECAY, x[1:])
""")]),
]

SPEC["customer_dedupe_pairs.py"] = [
    dict(start="for i, a in enumerate(customers):", end="pairs.append((a.cid, b.cid))", family="nested-loop-join",
         hot=True, note="self-join of all customer pairs comparing a normalising method's result on both sides",
         fix=[("""    for i, a in enumerate(customers):
        for b in customers[i + 1:]:
            if a.email_key() == b.email_key():
                pairs.append((a.cid, b.cid))
""", """    keys = [c.email_key() for c in customers]
    groups = {}
    for j, k in enumerate(keys):
        groups.setdefault(k, []).append(j)
    for i, a in enumerate(customers):
        for j in groups[keys[i]]:
            if j > i:
                pairs.append((a.cid, customers[j].cid))
""")]),
    dict(start="for i in range(len(stores)):", end="if dx * dx + dy * dy < metres * metres:", family="nested-loop-join",
         hot=False, unsafe=True, note="tolerance match (distance < 50 m) of 90 stores: no hashable key; grid buckets miss neighbours",
         naive=[("""    count = 0
    for i in range(len(stores)):
        lat1, lon1 = stores[i]
        for j in range(i + 1, len(stores)):
            lat2, lon2 = stores[j]
""", """    count = 0
    cells = {}
    for i in range(len(stores)):
        lat1, lon1 = stores[i]
        cell = (round(lat1, 4), round(lon1, 4))
        for j in cells.get(cell, []):
            lat2, lon2 = stores[j]
"""), ("""                count += 1
    return count""", """                count += 1
        cells.setdefault(cell, []).append(i)
    return count""")]),
]

SPEC["word_ladder.py"] = [
    dict(start="if cand in list(lexicon):", family="list-membership", hot=True,
         note="membership in list(dict): copies the 1200-word lexicon for every candidate word",
         fix=[("if cand in list(lexicon):", "if cand in lexicon:")]),
    dict(start="if n not in parent:", family="list-membership", hot=False, kind="fine",
         note="membership on a dict"),
]

SPEC["event_redactor.py"] = [
    dict(start='if ev["account"] in BLOCKED_ACCOUNTS:', family="list-membership", hot=True,
         note="membership in a 2500-element module-level list for every event",
         fix=[('if ev["account"] in BLOCKED_ACCOUNTS:', 'if ev["account"] in BLOCKED_SET:'),
              ('KEEP_LEVELS = ["info", "warn", "error"]\n',
               'KEEP_LEVELS = ["info", "warn", "error"]\nBLOCKED_SET = frozenset(BLOCKED_ACCOUNTS)\n')]),
    dict(start='new, n = re.subn(rules[key], "***", ev[key])', family="regex-compile-per-call", hot=True,
         note="re.subn with one pattern string per field: 700 distinct patterns overflow the re module cache",
         fix=[('new, n = re.subn(rules[key], "***", ev[key])', 'new, n = compiled[key].subn("***", ev[key])'),
              ("    out = []\n    dropped = 0\n",
               "    out = []\n    compiled = {k: re.compile(p) for k, p in rules.items()}\n    dropped = 0\n")]),
    dict(start='if ev["level"] not in KEEP_LEVELS:', family="list-membership", hot=False, kind="fine",
         note="membership in a constant 3-element list"),
]

SPEC["np_spectrum_peaks.py"] = [
    dict(start="floor = mag.mean() + 2.0 * mag.std()", family="loop-invariant", hot=True,
         note="noise floor of the whole spectrum recomputed for every local maximum",
         fix=[("            floor = mag.mean() + 2.0 * mag.std()\n", ""),
              ("    peaks = []\n", "    peaks = []\n    floor = mag.mean() + 2.0 * mag.std()\n")]),
    dict(start="for i in range(mag.size):", end="psd[i] = 2.0 * mag[i] * mag[i] / FS", family="numpy-elementwise-loop",
         hot=True, note="power spectral density computed element by element in Python",
         fix=[("""    psd = np.empty(mag.size)
    for i in range(mag.size):
        psd[i] = 2.0 * mag[i] * mag[i] / FS
""", """    psd = 2.0 * mag * mag / FS
""")]),
    dict(start="best = np.append(best, freqs[j])", end="best = np.append(best, -1.0)", family="numpy-append-loop",
         hot=False, kind="cold", note="np.append in a 4-iteration loop over bands"),
]

SPEC["batch_job_scheduler.py"] = [
    dict(start="ready.sort(key=lambda job: (job[0], job[1]), reverse=True)", end="prio, deadline, s, name, runtime = ready.pop()",
         family="resort-priority-queue", hot=True,
         note="ready list (up to ~1500 jobs) re-sorted descending before every dispatch, then pop() of the smallest",
         fix=[("ready.append((kind[\"prio\"], t + 3 * kind[\"runtime\"], seq, kind[\"name\"], kind[\"runtime\"]))",
               "heapq.heappush(ready, (kind[\"prio\"], t + 3 * kind[\"runtime\"], -seq, kind[\"name\"], kind[\"runtime\"]))"),
              ("""            ready.sort(key=lambda job: (job[0], job[1]), reverse=True)
            prio, deadline, s, name, runtime = ready.pop()
""", """            prio, deadline, neg_s, name, runtime = heapq.heappop(ready)
            s = -neg_s
"""), ("import itertools\n", "import heapq\nimport itertools\n")]),
    dict(start="return self.rng.choices(self.kinds, cum_weights=self.cum_weights)[0]", family="random-choices-weights",
         hot=False, kind="fine", note="random.choices with precomputed cum_weights (already the fast form)"),
]
