"""Build an HTML sales report: one table per team, rows ranked against the
company-wide best seller, rendered by a small report-writer class."""
import random

random.seed(37)
TEAMS = [f"team{i}" for i in range(12)]


class ReportWriter:
    def __init__(self, title):
        self.html = f"<html><head><title>{title}</title></head><body>"

    def heading(self, text):
        self.html += f"<h2>{text}</h2>\n"

    def row(self, cells):
        self.html += "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n"

    def close(self):
        self.html += "</body></html>"
        return self.html


def make_sales(n):
    return [{"rep": f"rep{random.randrange(800)}", "team": random.choice(TEAMS),
             "amount": round(random.uniform(10, 5000), 2)} for _ in range(n)]


def main():
    sales = make_sales(6000)
    writer = ReportWriter("Q3")
    for team in TEAMS:
        writer.heading(team)
        team_rows = [s for s in sales if s["team"] == team]
        for s in team_rows:
            best = max(team_rows, key=lambda x: x["amount"])
            pct = 100.0 * s["amount"] / best["amount"]
            writer.row([s["rep"], "%.2f" % s["amount"], "%.1f%%" % pct])
    html = writer.close()
    summary = ""
    for team in TEAMS:
        summary += team + ";"
    print(len(html), html.count("<tr>"), summary[:30])


main()
