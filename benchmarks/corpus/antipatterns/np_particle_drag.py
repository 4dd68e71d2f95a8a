"""Particle drift with drag: a small NumPy simulation script.

Particles move in 3-D under gravity and quadratic drag; the script clamps
speeds, records the mean height of the cloud every step (the trajectory is
plotted afterwards) and counts particles that hit the ground. Prints
summary numbers rounded for a stable checksum.
"""
import numpy as np

N = 6000
STEPS = 200
DT = 0.01
DRAG = 0.08
VMAX = 5.0


def init(rng):
    pos = rng.uniform(0.0, 100.0, size=(3, N))
    vel = rng.normal(0.0, 8.0, size=(3, N))
    mass = rng.uniform(0.5, 2.0, size=N)
    return pos, vel, mass


def clamp_speeds(vel, speed):
    for i in range(N):
        if speed[i] > VMAX:
            scale = VMAX / speed[i]
            vel[0, i] = vel[0, i] * scale
            vel[1, i] = vel[1, i] * scale
            vel[2, i] = vel[2, i] * scale


def step(pos, vel, mass):
    speed = np.sqrt((vel * vel).sum(axis=0))
    for axis in range(3):
        acc = -DRAG * speed * vel[axis] / mass
        if axis == 2:
            acc = acc - 9.81
        vel[axis] += acc * DT
    clamp_speeds(vel, np.sqrt((vel * vel).sum(axis=0)))
    pos += vel * DT
    grounded = pos[2] < 0.0
    pos[2][grounded] = 0.0
    vel[2][grounded] = 0.0
    return int(grounded.sum())


def main():
    rng = np.random.default_rng(12)
    pos, vel, mass = init(rng)
    vel[2] += 40.0
    heights = np.array([])
    hits = 0
    for t in range(STEPS):
        hits += step(pos, vel, mass)
        for h in pos[2][::25]:
            heights = np.append(heights, h)
    print("samples", heights.size, "ground contacts", hits)
    print("mean height %.6f" % heights.mean())
    print("final centroid", np.round(pos.mean(axis=1), 6).tolist())
    print("max speed %.6f" % np.sqrt((vel * vel).sum(axis=0)).max())


if __name__ == "__main__":
    main()
