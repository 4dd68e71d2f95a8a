"""Mail-merge: render a personalised e-mail for every subscriber from a base
message, with per-message default headers copied from the mailer."""
import random
from copy import deepcopy

random.seed(149)


class Mailer:
    def __init__(self):
        self.default_headers = {"From": "news@example.org", "Reply-To": "noreply@example.org",
                                "X-Mailer": "merge/2.1", "Content-Type": "text/plain", "Precedence": "bulk",
                                "List-Id": "news.example.org", "MIME-Version": "1.0", "X-Campaign": "spring",
                                "X-Priority": "3", "Lang": "en"}

    def render(self, sub):
        headers = deepcopy(self.default_headers)
        headers["To"] = sub["email"]
        lines = [f"Dear {sub['name']},", "Our spring offers:"]
        lines += [f"- item {k}" for k in sub["interests"]]
        return headers, "\n".join(lines)


def build_digest(messages):
    digest = ""

    def add(text):
        nonlocal digest
        digest += text + "\n"

    for headers, body in messages:
        add(headers["To"] + " | " + body.splitlines()[0])
    return digest


def main():
    mailer = Mailer()
    subs = [{"email": f"s{i}@ex.org", "name": f"Sub {i}", "interests": random.sample(range(50), 3)}
            for i in range(18000)]
    messages = [mailer.render(s) for s in subs]
    digest = build_digest(messages)
    footer = ""
    for part in ("--", "unsubscribe", "privacy"):
        footer += part + " "
    print(len(messages), len(digest), digest.count("\n"), footer.strip(), messages[-1][0]["To"])


main()
