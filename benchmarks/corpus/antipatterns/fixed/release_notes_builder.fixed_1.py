"""Release-notes builder.

Turns a (synthetic) git log into Markdown release notes: one section per
change type, a full changelog, and a contributor list, the way a small
release script in a repository's tools/ folder does. Prints the size of the
document and a checksum.
"""
import random
import zlib

TYPES = ["feat", "fix", "docs", "perf", "refactor", "test", "chore"]
AREAS = ["parser", "cli", "server", "ui", "build", "api", "storage", "auth"]
VERBS = ["add", "fix", "remove", "speed up", "document", "rename", "handle", "support"]
NOUNS = ["timeouts", "unicode paths", "empty files", "large inputs", "retries",
         "config reload", "dark mode", "plugins", "proxies", "symlinks"]


def make_log(rng, n):
    authors = ["dev%03d" % i for i in range(140)]
    log = []
    for i in range(n):
        t = rng.choice(TYPES)
        area = rng.choice(AREAS)
        msg = "%s(%s): %s %s" % (t, area, rng.choice(VERBS), rng.choice(NOUNS))
        log.append({"sha": "%010x" % rng.getrandbits(40), "type": t, "area": area,
                    "msg": msg, "author": rng.choice(authors), "pr": 1000 + i})
    return log


def badge(kind):
    label = ""
    for ch in kind.upper():
        label += ch
    return "**" + label + "**"


class NotesBuilder:
    def __init__(self, version):
        self.version = version
        self.doc_parts = ["# Release %s\n\n" % version]
        self.sections = {t: [] for t in TYPES}
        self.contributors = {}

    def add(self, c):
        line = "- %s %s ([#%d](https://example.invalid/pr/%d), %s)\n" % (
            badge(c["type"]), c["msg"], c["pr"], c["pr"], c["sha"][:7])
        self.sections[c["type"]].append(line)
        self.contributors[c["author"]] = self.contributors.get(c["author"], 0) + 1
        self.doc_parts.append("<!-- %s -->\n" % c["sha"])

    def render(self):
        parts = ["".join(self.doc_parts)]
        for t in TYPES:
            if self.sections[t]:
                parts.append("\n## %s\n\n" % t)
                parts.append("".join(self.sections[t]))
        parts.append("\n## Contributors\n\n")
        for author in sorted(self.contributors):
            parts.append("- @%s (%d)\n" % (author, self.contributors[author]))
        return "".join(parts)


def main():
    rng = random.Random(2024)
    log = make_log(rng, 50000)
    builder = NotesBuilder("4.2.0")
    for c in log:
        builder.add(c)
    doc = builder.render()
    print("commits", len(log), "document chars", len(doc), "lines", doc.count("\n"))
    print("checksum %08x" % zlib.crc32(doc.encode()))


if __name__ == "__main__":
    main()
