"""Heatlens end-to-end target: a plain .py file with `# %%` cells; "Profile this cell" runs it through one cell."""
import math

# %% data
values = [i % 1000 for i in range(600_000)]  # the data cell's line
print("values", len(values))

# %% hot cell
total = 0.0
for _ in range(30):
    total += sum(math.sqrt(v) for v in values)  # the cell's hot line
print("total", round(total))  # the cell's cheap line

# %% later cell
raise SystemExit("after the profiled cell: never runs")  # the cell that does not run
