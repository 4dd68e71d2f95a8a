"""Online game leaderboard: apply a stream of match results (Elo updates) and
after each match report the current leader and whether a player is new."""
import random

random.seed(83)
N_PLAYERS = 1500


def expected(ra, rb):
    return 1.0 / (1.0 + 10 ** ((rb - ra) / 400.0))


def main():
    ratings = {f"p{i}": 1500.0 for i in range(N_PLAYERS)}
    banned = [f"p{i}" for i in range(0, N_PLAYERS, 50)]
    leaders = []
    player_ids = sorted(ratings)
    known = set()
    new_players = 0
    for m in range(60000):
        a, b = random.sample(player_ids, 2)
        if a in banned or b in banned:
            continue
        ea = expected(ratings[a], ratings[b])
        sa = 1.0 if random.random() < ea else 0.0
        ratings[a] += 24 * (sa - ea)
        ratings[b] += 24 * ((1 - sa) - (1 - ea))
        for p in (a, b):
            if p not in known:
                known.add(p)
                new_players += 1
        if m % 20000 == 0:
            leaders.append(max(ratings, key=lambda p: (ratings[p], p)))
    top = sorted(ratings.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    print("new", new_players, "leaders", leaders[-3:], [(p, round(r, 3)) for p, r in top])


main()
