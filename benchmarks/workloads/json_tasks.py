"""pyperformance-style mix (after "bm_json_dumps/loads" and "bm_richards"): JSON round trips of nested
documents plus a small cooperative task scheduler with many method calls and attribute lookups."""
import json
import sys

DOC = {
    "key": "value", "number": 42, "float": 3.25, "flag": True, "none": None,
    "list": list(range(30)), "nested": {"a": [{"b": i, "c": str(i) * 3} for i in range(10)]},
    "text": "unicode \u00e9\u00e8 and escapes \" \\ \n", "ids": [[i, i * 2, i * 3] for i in range(20)],
}


class Task:
    def __init__(self, name, work):
        self.name, self.work, self.done = name, work, 0

    def step(self, packet):
        self.done += 1
        return (packet * 31 + self.work) % 65_521


class Scheduler:
    def __init__(self, tasks):
        self.tasks = tasks

    def run(self, rounds):
        packet = 1
        for _ in range(rounds):
            for task in self.tasks:
                packet = task.step(packet)
        return packet


def main(scale):
    n = max(1, int(36_000 * scale))
    for _ in range(n):
        json.loads(json.dumps(DOC))
    Scheduler([Task(f"t{i}", i) for i in range(10)]).run(max(1, int(560_000 * scale)))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
