"""Toy web crawler over a synthetic site.

Pages are generated on the fly from their URL (a deterministic fake HTTP
fetch). The crawler extracts links with a regular expression, keeps a
frontier of URLs to visit and re-queues sitemap pages at the front, as a
small breadth-first crawler does. Prints how many pages of each section were
crawled and a checksum of the crawl order.
"""
import re
import zlib

MAX_PAGES = 50000
SECTIONS = ["blog", "docs", "shop", "forum", "news", "help"]
LINK_RE = r'href="(/[^"#?]+)"'


def fetch(url):
    """Fake HTTP GET: the page's links depend only on its URL."""
    h = zlib.crc32(url.encode())
    parts = []
    for k in range(6):
        h = (h * 1103515245 + 12345) & 0x7FFFFFFF
        section = SECTIONS[h % len(SECTIONS)]
        parts.append('<a href="/%s/p%d">x</a>' % (section, (h >> 8) % 400000))
    if h % 8 == 0:
        parts.append('<a href="/sitemap/s%d">map</a>' % ((h >> 4) % 5000))
    parts.append('<a href="/%s/p%d#top">top</a>' % (SECTIONS[h % 6], h % 97))
    return "<html><body>" + " ".join(parts) + "</body></html>"


def crawl(start):
    frontier = [start]
    seen = {start}
    order = []
    per_section = {}
    while frontier and len(order) < MAX_PAGES:
        url = frontier.pop(0)
        html = fetch(url)
        order.append(url)
        section = url.split("/")[1]
        per_section[section] = per_section.get(section, 0) + 1
        for link in re.findall(LINK_RE, html):
            if link in seen:
                continue
            seen.add(link)
            if link.startswith("/sitemap/"):
                frontier.insert(0, link)
            else:
                frontier.append(link)
    return order, per_section, len(frontier)


def retry_failed(batches):
    done = 0
    while batches:
        batch = batches.pop(0)
        done += len(batch)
    return done


def main():
    order, per_section, left = crawl("/blog/p1")
    retried = retry_failed([["/a"], ["/b", "/c"], ["/d"]])
    checksum = 0
    for url in order:
        checksum = zlib.crc32(url.encode(), checksum)
    for section in sorted(per_section):
        print("%-8s %6d" % (section, per_section[section]))
    print("crawled", len(order), "frontier left", left, "retried", retried)
    print("checksum %08x" % checksum)


if __name__ == "__main__":
    main()
