"""Everything that re-runs the user's code, as cancellable jobs: the job API (`core`), apply-and-verify
(`verify`), the argument probe (`argprobe`), big-O measurement (`complexity`) and pytest runs (`pytests`,
`pytests_parallel`). The pure halves (judging, fitting, findings) stay in `heatlens.analysis`."""
