"""The runner: profile a target (script, `-m module` or `-c` code) in a supervised subprocess.

    result = await profile_target(Target("script", "prog.py"), RunOptions(backend="auto", timeout=60))
    result.failure.kind   # FailureKind.OK, TIMEOUT, SIGNAL, ...
    result.profile        # what the backend recorded (also after a failure), meta filled; None if nothing

`argv` builds the child's argv/env (pure), `supervise` runs and kills the process tree, `classify` turns
exit status + stderr into a `Failure`.
"""

from heatlens.run.runner import RunOptions, RunResult, profile_target, profile_target_sync

__all__ = ["RunOptions", "RunResult", "profile_target", "profile_target_sync"]
