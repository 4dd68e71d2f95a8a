"""rules_numpy: element loops over arrays, sliding-window reductions, np.append in loops (advice only)."""

from __future__ import annotations

from heatlens.analysis.detect import detect


def found(src: str) -> list:
    return [(c.line, c.rule, c.cost_lines, c.fix_title) for c in detect(src) if c.rule.startswith("numpy")]


def test_double_loop_over_pixels_reported_once_at_the_outer_loop() -> None:
    src = "import numpy as np\n\ndef threshold(img, t):\n    out = np.zeros(img.shape)\n    h, w = img.shape\n" \
          "    for r in range(h):\n        for c in range(w):\n            if img[r, c] > t:\n                out[r, c] = 255\n" \
          "    return out\n"
    assert found(src) == [(6, "numpy-elementwise-loop", (6, 9), None)]


def test_kernel_loop_of_whole_array_slices_is_fine() -> None:
    src = "import numpy as np\n\ndef blur(img):\n    p = np.pad(img, 1)\n    acc = np.zeros(img.shape)\n" \
          "    for dy in (0, 1, 2):\n        for dx in (0, 1, 2):\n            acc += p[dy:dy + 5, dx:dx + 5]\n    return acc\n"
    assert found(src) == []


def test_sliding_window_reduction() -> None:
    src = "import numpy as np\n\ndef rolling_max(x, w):\n    out = np.empty(len(x) - w + 1)\n" \
          "    for i in range(len(x) - w + 1):\n        out[i] = x[i:i + w].max()\n    return out\n"
    assert found(src) == [(5, "numpy-sliding-window", (5, 6), None)]


def test_np_append_in_loop() -> None:
    src = "import numpy as np\n\ndef f(xs):\n    a = np.array([])\n    for x in xs:\n        a = np.append(a, x)\n    return a\n"
    assert [r[1] for r in found(src)] == ["numpy-append-loop"]


def test_no_numpy_import_no_findings() -> None:
    assert found("def f(xs, out):\n    for i in range(len(xs)):\n        out[i] = xs[i] * 2\n") == []


def test_growing_prefix_reduction_is_a_sliding_window_underlined_to_the_reduction() -> None:
    src = "import numpy as np\n\ndef drawdown(values):\n    worst = 0.0\n    for i in range(len(values)):\n" \
          "        peak = values[:i + 1].max()\n        worst = max(worst, (peak - values[i]) / peak)\n    return worst\n"
    cands = [c for c in detect(src) if c.rule.startswith("numpy")]
    assert [(c.line, c.end_line, c.rule) for c in cands] == [(5, 6, "numpy-sliding-window")]
    assert "np.maximum.accumulate" in cands[0].advice


def test_recurrence_is_not_an_elementwise_loop() -> None:
    # y[i] needs y[i - 1]: no whole-array expression computes it (the naive slice form reads stale values)
    src = "import numpy as np\n\ndef ewma(x, a):\n    y = np.empty_like(x)\n    y[0] = x[0]\n" \
          "    for i in range(1, len(x)):\n        y[i] = a * x[i] + (1 - a) * y[i - 1]\n    return y\n"
    assert found(src) == []
    diff = src.replace("(1 - a) * y[i - 1]", "(1 - a) * x[i - 1]")  # reads another array: vectorisable
    assert [r[:2] for r in found(diff)] == [(6, "numpy-elementwise-loop")]


def test_array_rebuilt_from_itself_with_vstack_in_a_loop() -> None:
    src = "import numpy as np\n\ndef grow(rows):\n    acc = np.empty((0, 3))\n    for r in rows:\n" \
          "        acc = np.vstack([acc, r])\n        other = np.vstack([r, r])\n    return acc\n"
    cands = [c for c in detect(src) if c.rule == "numpy-append-loop"]
    assert [(c.line, c.summary.split("`")[1]) for c in cands] == [(6, "np.vstack")]  # `other` is not regrown
