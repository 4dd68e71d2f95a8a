"""The "Resources" section of the summary report, from `analysis.resources.summarize`'s data."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from heatlens.reports import document as doc


def blocks(data: Optional[Dict[str, Any]]) -> List[Any]:
    """The report section ("Resources") for `summarize`'s data; nothing when there is no series."""
    if not data:
        return []
    return [
        doc.Heading("Resources (process tree, sampled from outside)", 2),
        doc.KeyValues([
            ("RSS", f"{doc.megabytes(data['rss_start_mb'])} → peak {doc.megabytes(data['rss_peak_mb'])} "
                    f"at {data['rss_peak_t']:.1f}s → {doc.megabytes(data['rss_end_mb'])}  {data['rss_sparkline']}"),
            ("CPU", f"mean {data['cpu_mean_percent']:.0f}%, peak {data['cpu_peak_percent']:.0f}%  "
                    f"{data['cpu_sparkline']}"),
            ("threads (peak)", str(data["threads_peak"])),
            ("open files (peak)", str(data["open_files_peak"])),
            ("processes (peak)", str(data["processes_peak"])),
            ("samples", f"{data['samples']} over {data['duration']:.1f}s"),
        ]),
    ]
