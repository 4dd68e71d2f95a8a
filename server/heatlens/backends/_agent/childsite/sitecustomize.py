"""heatlens: profile this Python process, a child of a profiled target (see heatlens_agent_children).

The heatlens agent puts this folder first on its target's PYTHONPATH, so every Python child of the target
(multiprocessing "spawn"/"forkserver", subprocess.run([sys.executable, ...])) runs this at startup. It
takes this folder back off sys.path, runs the sitecustomize the interpreter would have run otherwise, then
starts the agent when HEATLENS_AGENT_DIR is set. Plain syntax only: any Python may read this file.
"""

import os
import sys


def _chain(here):
    """Run the sitecustomize that this one hides (the user's or the distribution's), if there is one."""
    import importlib.machinery
    import importlib.util

    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path[:] = path
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


def _start(here):
    directory = os.environ.get("HEATLENS_AGENT_DIR")
    if not directory or sys.version_info < (3, 9):
        return
    agent_dir = os.path.dirname(here)
    sys.path.insert(0, agent_dir)
    try:
        import heatlens_agent_children

        heatlens_agent_children.start_child(directory)
    finally:
        sys.path.remove(agent_dir)


def _main():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        _chain(here)
    finally:
        try:
            _start(here)
        except Exception:  # never stop the child; it runs unprofiled
            pass


_main()
