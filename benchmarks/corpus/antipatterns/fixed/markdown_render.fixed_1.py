"""Render a long Markdown document to HTML with a tiny line-oriented renderer
(headings, lists, emphasis, code spans), like a static-site generator."""
import random
import re

random.seed(101)
WORDS = ["alpha", "beta", "gamma", "delta", "render", "python", "profile", "fast", "slow", "data"]

EMPH = re.compile(r"\*(\w+)\*")
CODE = re.compile(r"`([^`]+)`")


class Renderer:
    def __init__(self):
        self.parts = []
        self.toc = []
        self.in_list = False

    def inline(self, text):
        return CODE.sub(r"<code>\1</code>", EMPH.sub(r"<em>\1</em>", text))

    def line(self, raw):
        if raw.startswith("#"):
            level = len(raw) - len(raw.lstrip("#"))
            title = raw[level:].strip()
            self.toc.append(title)
            self.close_list()
            self.parts.append(f"<h{level}>{self.inline(title)}</h{level}>\n")
        elif raw.startswith("- "):
            if not self.in_list:
                self.parts.append("<ul>\n")
                self.in_list = True
            self.parts.append(f"<li>{self.inline(raw[2:])}</li>\n")
        elif raw.strip():
            self.close_list()
            self.parts.append(f"<p>{self.inline(raw)}</p>\n")

    def close_list(self):
        if self.in_list:
            self.parts.append("</ul>\n")
            self.in_list = False


def make_doc(n):
    lines = []
    for i in range(n):
        r = random.random()
        text = " ".join(random.choice(WORDS) if random.random() < 0.8 else f"*{random.choice(WORDS)}*"
                        for _ in range(random.randint(5, 14)))
        if r < 0.05:
            lines.append("#" * random.randint(1, 3) + " " + text[:30])
        elif r < 0.5:
            lines.append("- " + text + " `x = 1`")
        else:
            lines.append(text)
    return lines


def main():
    r = Renderer()
    for raw in make_doc(9000):
        r.line(raw)
    r.close_list()
    r.out = "".join(r.parts)
    toc = ""
    for t in r.toc[:20]:
        toc += "<li>" + t + "</li>"
    print(len(r.out), r.out.count("<li>"), len(r.toc), len(toc))


main()
