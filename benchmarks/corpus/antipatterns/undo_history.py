"""Editor undo/redo model: every edit produces a new document state; the
history keeps immutable snapshots, and a command log records every edit."""
import random

random.seed(157)


def main():
    doc = []
    log = []
    for i in range(26000):
        op = random.choice(["ins", "ins", "del"])
        if op == "ins" or not doc:
            doc.append(f"line{i}")
        else:
            doc.pop(random.randrange(len(doc)))
        log = log + [(op, i)]

    history = []
    snapshots = []
    for i in range(400):
        history = history + [f"state{i}"]
        snapshots.append(history)
    undo_to = snapshots[len(snapshots) // 2]
    print("doc", len(doc), "log", len(log), log[-1], "snapshots", len(snapshots), len(undo_to), undo_to[-1])


main()
