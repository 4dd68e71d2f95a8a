"""Build per-request service configurations: defaults, then the tenant's
profile, then the request's overrides (a pattern from web frameworks)."""
import copy
import random

random.seed(3)

DEFAULTS = {
    "timeout": 30, "retries": 3, "backoff": 1.5, "compress": True, "log_level": "info",
    "max_body": 1 << 20, "keepalive": 75, "cors": False, "region": "eu-west-1", "tls": True,
    "cache_ttl": 300, "rate_limit": 100, "burst": 20, "trace": False, "sample_rate": 0.01,
    "pool_size": 10, "encoding": "utf-8", "locale": "en_US", "tz": "UTC", "debug": False,
    "auth": "token", "token_ttl": 3600, "mtu": 1500, "proxy": None, "user_agent": "svc/1.0",
}

PROFILE_TEMPLATE = {"name": "", "plugins": ["auth", "metrics"], "limits": {"cpu": 1, "mem": 512}}

OVERRIDE_KEYS = ["timeout", "retries", "log_level", "region", "rate_limit", "trace", "tz"]


def request_config(overrides):
    cfg = copy.deepcopy(DEFAULTS)
    for k, v in overrides.items():
        cfg[k] = v
    if cfg["trace"]:
        cfg["sample_rate"] = 1.0
    return cfg


def tenant_profile(i):
    prof = dict(PROFILE_TEMPLATE)
    prof["name"] = f"tenant{i}"
    if i % 3 == 0:
        prof["plugins"].append("audit")
    prof["limits"]["cpu"] += i % 4
    return prof


def main():
    profiles = [tenant_profile(i) for i in range(200)]
    totals = {"timeout": 0, "traced": 0, "regions": set()}
    for r in range(60000):
        overrides = {}
        for k in random.sample(OVERRIDE_KEYS, 2):
            if k == "timeout":
                overrides[k] = random.randrange(5, 60)
            elif k == "trace":
                overrides[k] = random.random() < 0.1
            elif k == "region":
                overrides[k] = random.choice(["eu-west-1", "us-east-1", "ap-south-1"])
            else:
                overrides[k] = DEFAULTS[k]
        cfg = request_config(overrides)
        totals["timeout"] += cfg["timeout"]
        totals["traced"] += cfg["trace"]
        totals["regions"].add(cfg["region"])
    audit = sum("audit" in p["plugins"] for p in profiles)
    cpu = sum(p["limits"]["cpu"] for p in profiles)
    print("timeout", totals["timeout"], "traced", totals["traced"], sorted(totals["regions"]))
    print("profiles", len(profiles), "audit", audit, "cpu", cpu, PROFILE_TEMPLATE)


main()
