"""Game leaderboard: after every round a few scores change and the board is
re-sorted with a key function (score desc, then name, then id)."""
import random
from operator import itemgetter


def rank_key(p):
    return (-p["score"], p["name"].lower(), p["id"])


def make_players(n, rng):
    syll = ["ka", "zu", "mi", "ro", "te", "la", "po", "xi"]
    players = []
    for i in range(n):
        name = (syll[rng.randrange(8)] + syll[i % 8] + syll[i // 8 % 8]).capitalize()
        players.append({"id": i, "name": name, "score": rng.randrange(1000),
                        "region": rng.choice(["eu", "us", "asia"])})
    return players


def play(players, rounds, rng):
    podiums = []
    for rnd in range(rounds):
        for _ in range(20):
            p = players[rng.randrange(len(players))]
            p["score"] += rng.randrange(50)
        board = sorted(players, key=rank_key)
        podiums.append(board[0]["id"])
        by_region = sorted(players, key=itemgetter("region", "score"))
        last = by_region[-1]["id"]
    return podiums, last


def main():
    rng = random.Random(11)
    players = make_players(40000, rng)
    podiums, last = play(players, 18, rng)
    print("winners", len(set(podiums)), "last", last)


if __name__ == "__main__":
    main()
