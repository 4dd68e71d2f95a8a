"""De-duplicate an address book exported from two CRMs: contacts are the same
person when their normalised e-mail matches; rows are exact duplicates when all
fields match."""
import random

random.seed(42)
FIRST = ["Ann", "Bob", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo"]
LAST = ["Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Thomas"]
DOMAINS = ["example.com", "mail.org", "corp.net"]


def make_contacts(n):
    people = []
    for i in range(n):
        f, l = random.choice(FIRST), random.choice(LAST)
        email = f"{f}.{l}{random.randrange(900)}@{random.choice(DOMAINS)}"
        if random.random() < 0.3:
            email = email.upper()
        people.append({"name": f"{f} {l}", "email": email, "phone": f"+44{random.randrange(10**6):06d}"})
    return people


def dedupe_by_email(contacts):
    seen, out = [], []
    for c in contacts:
        key = c["email"].strip().lower()
        if key not in seen:
            seen.append(key)
            out.append(c)
    return out


def exact_unique_rows(rows):
    unique_rows, seen_rows = [], set()
    for row in rows:
        if row not in seen_rows:
            seen_rows.add(row)
            unique_rows.append(row)
    return unique_rows


def main():
    contacts = make_contacts(14000)
    unique = dedupe_by_email(contacts)
    sample = contacts[:1500] + contacts[:600]
    rows = exact_unique_rows(sample)
    print("contacts", len(contacts), "unique people", len(unique), "unique rows", len(rows))
    print(unique[0]["email"], unique[-1]["email"], rows[-1]["phone"])


main()
