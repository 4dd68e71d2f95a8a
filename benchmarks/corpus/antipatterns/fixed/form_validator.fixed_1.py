"""Validate a batch of sign-up form submissions: every rule records its own
error message, and comments are screened against a banned-phrase list."""
import random

random.seed(13)
BANNED = ["winner", "urgent", "crypto", "free money", "click here", "act now", "no cost",
          "risk free", "viagra", "casino", "bitcoin", "lottery", "100% off", "cheap meds",
          "guaranteed", "limited time", "loan", "prize", "get rich", "work from home"]
WORDS = ["hello", "please", "account", "order", "delivery", "winner", "thanks", "the", "team",
         "update", "crypto", "support", "address", "invoice", "urgent", "help"]


def make_forms(n):
    forms = []
    for i in range(n):
        forms.append({
            "user": random.choice(["", "al", "bobby", "carol_x", "dave99", "e"]),
            "email": random.choice(["a@b.c", "bad-mail", "x@y.org", "", "no@tld"]),
            "age": random.choice([5, 17, 18, 33, 70, 140]),
            "comment": " ".join(random.choice(WORDS) for _ in range(random.randint(3, 12))),
        })
    return forms


def validate(form, errors):
    def need_user():
        if len(form["user"]) < 3:
            errors.append("user too short")
            return False
        return True

    def need_email():
        if "@" not in form["email"] or "." not in form["email"].split("@")[-1]:
            errors.append("bad email")
            return False
        return True

    def need_age():
        if not 18 <= form["age"] <= 120:
            errors.append("age out of range")
            return False
        return True

    return all([need_user(), need_email(), need_age()])


def is_spam(comment):
    text = comment.lower()
    return any(phrase in text for phrase in BANNED)


def main():
    forms = make_forms(120000)
    errors = []
    valid = 0
    for f in forms[:300]:
        if validate(f, errors):
            valid += 1
    spam = 0
    for f in forms:
        if is_spam(f["comment"]):
            spam += 1
    tally = {}
    for e in errors:
        tally[e] = tally.get(e, 0) + 1
    print("valid", valid, "errors", sorted(tally.items()), "spam", spam)


main()
