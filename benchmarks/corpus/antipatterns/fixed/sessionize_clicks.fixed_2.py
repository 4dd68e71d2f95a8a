"""Sessionise a click stream: split each user's clicks into sessions at 30
minutes of inactivity and report session statistics."""
import random

random.seed(113)
GAP = 1800


def make_clicks(n_users, n_clicks):
    clicks = []
    t = 0
    for _ in range(n_clicks):
        t += random.randint(1, 40)
        clicks.append((f"u{random.randrange(n_users)}", t, random.choice(["/", "/cart", "/item", "/search"])))
    return clicks


def main():
    clicks = make_clicks(400, 40000)
    users = sorted({u for u, _, _ in clicks})
    sessions = []
    for user in users:
        user_clicks = [c for c in clicks if c[0] == user]
        current = [user_clicks[0]]
        for prev, cur in zip(user_clicks, user_clicks[1:]):
            if cur[1] - prev[1] > GAP:
                sessions.append(current)
                current = []
            current.append(cur)
        sessions += [current]
    carts = len(list(filter(lambda s: any(c[2] == "/cart" for c in s), sessions)))
    longest = max(len(s) for s in sessions)
    print("users", len(users), "sessions", len(sessions), "with cart", carts, "longest", longest)


main()
