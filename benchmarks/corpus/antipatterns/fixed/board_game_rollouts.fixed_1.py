"""Monte-Carlo rollouts for a small territory board game.

A game AI estimates the value of an opening by playing many random games
from the starting position. Each rollout starts from a fresh copy of the
start position; each game also gets its own copy of the house rules, which
the game modifies (bonus tiles are used up). Prints win rates and a
checksum.
"""
import copy
import random
import zlib

SIZE = 9
START = {
    "grid": [[0] * SIZE for _ in range(SIZE)],
    "scores": {1: 0, 2: 0},
    "captured": {1: [(0, 0)], 2: [(SIZE - 1, SIZE - 1)]},
    "turn": 1,
    "history": [],
}
START["grid"][0][0] = 1
START["grid"][SIZE - 1][SIZE - 1] = 2
HOUSE_RULES = {"bonus_tiles": [(1, 1), (0, 2), (7, 8)], "bonus": 3, "max_moves": 8}


def legal_moves(state):
    grid = state["grid"]
    me = state["turn"]
    moves = []
    for x, y in state["captured"][me]:
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            nx, ny = x + dx, y + dy
            if 0 <= nx < SIZE and 0 <= ny < SIZE and grid[ny][nx] == 0 and (nx, ny) not in moves:
                moves.append((nx, ny))
    return moves


def play(state, rules, rng):
    for _ in range(rules["max_moves"]):
        moves = legal_moves(state)
        if not moves:
            break
        x, y = rng.choice(moves)
        me = state["turn"]
        state["grid"][y][x] = me
        state["history"].append((x, y))
        gain = 1 + (x * y) % 3
        if (x, y) in rules["bonus_tiles"]:
            rules["bonus_tiles"].remove((x, y))
            gain += rules["bonus"]
        state["scores"][me] += gain
        state["captured"][me].append((x, y))
        state["turn"] = 3 - me
    s = state["scores"]
    return 0 if s[1] == s[2] else (1 if s[1] > s[2] else 2)


def main():
    rng = random.Random(11)
    wins = {0: 0, 1: 0, 2: 0}
    checksum = 0
    games = 0
    for series in range(100):
        rules = copy.deepcopy(HOUSE_RULES)
        for _ in range(260):
            state = {"grid": [row[:] for row in START["grid"]], "scores": dict(START["scores"]),
                     "captured": {p: list(c) for p, c in START["captured"].items()},
                     "turn": START["turn"], "history": []}
            winner = play(state, rules, rng)
            wins[winner] += 1
            games += 1
            checksum = zlib.crc32(repr(state["history"][:6]).encode(), checksum)
        checksum = zlib.crc32(repr(rules["bonus_tiles"]).encode(), checksum)
    print("games", games)
    print("wins p1 %d p2 %d draws %d" % (wins[1], wins[2], wins[0]))
    print("template untouched", START["history"] == [] and len(HOUSE_RULES["bonus_tiles"]) == 3)
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
