"""The seeded part of the labelled set: realistic posts built from templates and the directories.

The hand-written files in `benchmarks/data/src/` hold the tricky cases; this adds volume, so that
every rule has enough positives and negatives for its precision and recall to mean something.
Identifiers that have a checksum (card numbers, IBANs, SSNs) are generated valid, and the
numbers that must not be findings are checked not to be. Same seed, same posts.
"""

from __future__ import annotations

import csv
import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from stdnum import iban as stdnum_iban
from stdnum.us import ssn as us_ssn

from benchmarks.build_labelled import RawPost
from benchmarks.labelled import ORGS

SEED = 20261128

MC = "madison-county"
CU = "harbor-point-cu"

# People who are not in either directory: residents, members, volunteers, officials.
OUTSIDERS = [
    "Jasmine Whitaker",
    "Carlos Mendoza",
    "Linda Park",
    "Darnell Hughes",
    "Megan O'Connell",
    "Rosa Jimenez",
    "Trevor Banks",
    "Aisha Rahman",
    "Kyle Brennan",
    "Helen Tran",
    "Victor Salazar",
    "Brianna Cole",
    "Ethan Whitlock",
    "Maya Goldberg",
    "Omar Farouk",
    "Patricia Lyons",
    "Gregory Adams",
    "Sofia Castillo",
    "Dennis Kirby",
    "Hannah Schultz",
    "Jamal Washington",
    "Laura Fitzgerald",
    "Nathan Cho",
    "Irene Kowal",
    "Wesley Harmon",
]


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    preferred: str
    department: str
    title: str
    email: str
    phone: str
    office: str
    participant: bool
    team: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def last(self) -> str:
        return self.name.split()[-1]


def _directory(org: str) -> list[Person]:
    with (ORGS / org / "directory.csv").open(encoding="utf-8", newline="") as handle:
        return [
            Person(
                name=row["name"],
                preferred=row["preferred_name"],
                department=row["department"],
                title=row["title"],
                email=row["email"],
                phone=row["phone"],
                office=row["office"],
                participant=row["participant"] == "yes",
                team=row.get("team", "") or "",
            )
            for row in csv.DictReader(handle)
        ]


def _m(rule: str, text: str) -> str:
    return f"[[{rule}|{text}]]"


# --- checksummed identifiers


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "53", "54", "55", "37", "6011"])
    length = 15 if prefix == "37" else 16
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    for check in string.digits:
        if luhn_ok(body + check):
            number = body + check
            break
    style = rng.choice(["spaces", "dashes", "plain"])
    if length == 15:
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return {"spaces": " ".join(groups), "dashes": "-".join(groups), "plain": number}[style]


def _not_card(rng: random.Random) -> str:
    while True:
        number = "".join(rng.choice(string.digits) for _ in range(16))
        if not luhn_ok(number) and number[0] != "0":
            return " ".join(number[i : i + 4] for i in range(0, 16, 4))


_IBAN_SHAPES = {"DE": (8, 10, ""), "FR": (10, 11, "2"), "ES": (8, 12, ""), "NL": (0, 10, "ABNA")}


def _iban(rng: random.Random) -> str:
    while True:
        iban = _iban_candidate(rng)
        if stdnum_iban.is_valid(iban):
            return iban


def _iban_candidate(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_SHAPES))
    bank_digits, account_digits, bank_prefix = _IBAN_SHAPES[country]
    if country == "FR":
        bban = "".join(rng.choice(string.digits) for _ in range(21)) + "".join(
            rng.choice(string.digits) for _ in range(2)
        )
    elif country == "NL":
        bban = bank_prefix + "".join(rng.choice(string.digits) for _ in range(10))
    else:
        bban = "".join(rng.choice(string.digits) for _ in range(bank_digits + account_digits))
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return iban


def _ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    ssn = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    if not us_ssn.is_valid(ssn):
        return _ssn(rng)
    return ssn if rng.random() < 0.8 else ssn.replace("-", " ")


def _public_ip(rng: random.Random) -> str:
    while True:
        first = rng.randint(11, 223)
        if first not in {10, 100, 127, 169, 172, 192, 198, 203}:
            break
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _private_ip(rng: random.Random) -> str:
    kind = rng.choice(["10", "172", "192"])
    if kind == "10":
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if kind == "172":
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _phone(rng: random.Random, area: str) -> str:
    line = f"{rng.randint(200, 999):04d}" if rng.random() < 0.5 else f"02{rng.randint(10, 99)}"
    style = rng.choice(["dash", "paren", "dot", "plus"])
    return {
        "dash": f"{area}-555-{line}",
        "paren": f"({area}) 555-{line}",
        "dot": f"{area}.555.{line}",
        "plus": f"+1 {area} 555 {line}",
    }[style]


def _password(rng: random.Random) -> str:
    words = ["Harbor", "River", "Maple", "Falcon", "Summit", "Cedar", "Rapidan", "Anchor", "Oak"]
    return (
        rng.choice(words)
        + rng.choice(["!", "#", "$", "-", "_", "@"])
        + str(rng.randint(10, 9999))
        + rng.choice(["", "x", "Q", "!"])
    )


def _token(rng: random.Random) -> str:
    alnum = string.ascii_letters + string.digits

    def rand(n: int, alphabet: str = alnum) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    kind = rng.choice(["github", "stripe", "slack", "google", "aws", "jwt"])
    if kind == "github":
        return "ghp_" + rand(36)
    if kind == "stripe":
        return "sk_live_" + rand(24)
    if kind == "slack":
        return f"xoxb-{rand(11, string.digits)}-{rand(12, string.digits)}-{rand(24)}"
    if kind == "google":
        return "AIza" + rand(35, alnum + "-_")
    if kind == "aws":
        return "AKIA" + rand(16, string.ascii_uppercase + string.digits)
    header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    return f"{header}.eyJ{rand(40)}.{rand(43, alnum + '-_')}"


# --- the generated families: each returns (org, marked text, platform, note)

Gen = tuple[str, str, str, str]


def _identity(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    # by kind of identifier: a role (title), a unit (department, team, office), a contact
    templates = {
        (MC, "role"): [
            "Thank you to {name}, {ident}, for going above and beyond during the ice storm!",
            "This week's employee spotlight: {name}, {ident}. Twelve years serving Madison County!",
            "Our {ident} {name} walks you through the new online permit portal in today's video.",
            "Kudos to {name} ({ident}) for finishing the county's first accessibility audit.",
        ],
        (MC, "unit"): [
            "Meet {name} from {ident}. Ask them anything at Saturday's open house!",
            "{name} of {ident} will be at the farmers market Saturday with free info packets.",
            "Shoutout to {name} in {ident} for organizing the food drive!",
        ],
        (MC, "contact"): [
            "Questions about the new process? Contact {name} at {ident}.",
            "For the summer camp waitlist, reach {name}: {ident}.",
            "Need a copy of the form? {name} can send it ({ident}).",
        ],
        (CU, "role"): [
            "Say hello to {name}, {ident}, at our booth at Harborfest this weekend!",
            "Our {ident} {name} shares three ways to build credit in this week's video.",
            "Congrats to {name}, {ident}, on earning the Credit Union Development Educator title!",
            "Need help? {name} ({ident}) is hosting office hours every Tuesday.",
        ],
        (CU, "unit"): [
            "Member favorite: {name} from {ident} just hit 15 years with Harbor Point!",
            "{name} of {ident} is running our coat drive this month. Drop off coats at any branch!",
            "Big thanks to {name} in {ident} for volunteering at the food bank.",
        ],
        (CU, "contact"): [
            "Have questions after the webinar? Reach {name} at {ident}.",
            "For payment plan questions, contact {name}: {ident}.",
            "Want a loan pre-approval? {name} can help ({ident}).",
        ],
    }
    category = {
        "title": "role",
        "department": "unit",
        "team": "unit",
        "office": "unit",
        "email": "contact",
        "phone": "contact",
    }
    for org, count in ((MC, 40), (CU, 40)):
        people = [p for p in _directory(org) if not p.participant]
        for index in range(count):
            person = people[index % len(people)]
            form = rng.choice(["full", "full", "preferred", "initial", "upper"])
            if form == "preferred" and person.preferred:
                name = f"{person.preferred} {person.last}"
            elif form == "initial":
                name = f"{person.first[0]}. {person.last}"
            elif form == "upper":
                name = person.name.upper()
            else:
                name = person.name
            kinds = ["title", "department", "email", "phone", "office"]
            if person.team:
                kinds.append("team")
            kind = rng.choice(kinds)
            value = {
                "title": person.title,
                "department": person.department,
                "email": person.email,
                "phone": person.phone,
                "office": person.office,
                "team": person.team,
            }[kind]
            template = rng.choice(templates[(org, category[kind])])
            extra = "email.personal_address," if kind == "email" else ""
            extra += "pii.phone," if kind == "phone" else ""
            ident = f"[[{extra}identity.exposure#a|{value}]]"
            if kind == "title" and rng.random() < 0.5:
                ident = f"[[identity.exposure#a|{value.lower()}]]"
            marked = template.format(name=f"[[identity.exposure#a|{name}]]", ident=ident)
            out.append(
                (
                    org,
                    marked,
                    rng.choice(["bluesky", "mastodon", "x"]),
                    f"gen identity {kind} {form}",
                )
            )
    # participants with the same templates: allowed, no finding (but their email is still a
    # personal address and their phone still a phone)
    for org in (MC, CU):
        for person in [p for p in _directory(org) if p.participant]:
            for kind in ("title", "department"):
                value = person.title if kind == "title" else person.department
                template = rng.choice(templates[(org, "role" if kind == "title" else "unit")])
                out.append(
                    (
                        org,
                        template.format(name=person.name, ident=value),
                        "mastodon",
                        "gen participant allowed",
                    )
                )
    # names alone: no finding
    alone = [
        "Happy work anniversary, {name}! Thank you for everything you do.",
        "We'll miss you, {name}! Enjoy your retirement.",
        "{name} ran the Turkey Trot in a turkey costume this year. Legend.",
        "Congratulations {name} on the new baby!",
    ]
    for org in (MC, CU):
        for person in rng.sample(_directory(org), 8):
            out.append(
                (org, rng.choice(alone).format(name=person.name), "bluesky", "gen name alone")
            )
    return out


def _outsiders(rng: random.Random) -> list[Gen]:
    templates = [
        (MC, "Congratulations to {a}, this year's Madison County Volunteer of the Year!"),
        (MC, "Thank you to {a} and {b} for organizing the Rapidan River cleanup."),
        (
            MC,
            "Welcome to the Planning Commission, {a}! Meetings are the first Tuesday of each "
            "month.",
        ),
        (
            CU,
            "Meet {a}, winner of our Kids Save art contest! The winning drawing will be on our "
            "2027 calendar.",
        ),
        (
            CU,
            "Thanks to {a} of the Norfolk Chamber of Commerce for hosting our small business "
            "breakfast.",
        ),
        (CU, "Congratulations to {a} and {b}, our Member Appreciation Day prize winners!"),
    ]
    out: list[Gen] = []
    for index in range(24):
        org, template = templates[index % len(templates)]
        a, b = rng.sample(OUTSIDERS, 2)
        marked = template.format(a=_m("pii.person", a), b=_m("pii.person", b))
        out.append((org, marked, rng.choice(["bluesky", "mastodon"]), "gen pii.person"))
    return out


def _numbers(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    phone_templates = {
        MC: [
            "Found: a set of keys with a tag reading {p}. Claim them at the Hoover Ridge Park "
            "office.",
            "@resident_{n} we got a voicemail from {p} about the pothole on Route 634; we'll "
            "call back today.",
            "Yard sale permit approved for the caller at {p}. Please pick it up at the Zoning "
            "counter.",
        ],
        CU: [
            "@member{n} we left a message at {p} about your loan application. Call us when you "
            "can!",
            "Winner of the Harborfest drawing, we tried you at {p}. Please DM us by Friday.",
            "Hi @jen{n}, our lending team will call {p} tomorrow morning as you asked.",
        ],
    }
    for org, area in ((MC, "540"), (CU, "757")):
        for _ in range(12):
            template = rng.choice(phone_templates[org])
            marked = template.format(p=_m("pii.phone", _phone(rng, area)), n=rng.randint(10, 99))
            out.append((org, marked, rng.choice(["bluesky", "x", "mastodon"]), "gen pii.phone"))
    public = {
        MC: [
            "540-555-0100",
            "(540)555-0100",
            "540 555 0100",
            "+15405550100",
            "1 (540) 555-0199",
            "540.555.0110",
            "(540) 555 0110",
        ],
        CU: [
            "800-555-0142",
            "(800) 555-0142",
            "+1 800 555 0142",
            "1.800.555.0199",
            "757-555-0100",
            "(757)555-0100",
            "18005550142",
        ],
    }
    for org in (MC, CU):
        for number in public[org]:
            text = rng.choice(
                [
                    f"Questions? Call us at {number}.",
                    f"Our phone lines are open 8 to 5: {number}.",
                    f"Reach us at {number} or send a private message.",
                ]
            )
            out.append((org, text, rng.choice(["bluesky", "x"]), "gen public contact phone"))
    for _ in range(10):
        org = rng.choice([MC, CU])
        ssn = _ssn(rng)
        text = rng.choice(
            [
                "We removed a reply that showed a full Social Security number ({s}). Please keep "
                "it private.",
                "Scam alert: a fake form asked a neighbor to type SSN {s} into a text message. "
                "Delete it!",
                "A comment included SSN {s}. We've hidden it. Never post your SSN.",
            ]
        ).format(s=_m("pii.government_id", ssn))
        out.append((org, text, "mastodon", "gen pii.government_id"))
    for _ in range(10):
        card = _card(rng)
        text = rng.choice(
            [
                "Please don't share card numbers here! We hid a comment showing {c}.",
                "A reply asked us to check card {c}. We've hidden it; please DM us instead.",
                "Fraud tip: a scammer posted {c} pretending it was a prize claim. Never share "
                "yours.",
            ]
        ).format(c=_m("pii.card", card))
        out.append(
            (
                CU if rng.random() < 0.7 else MC,
                text,
                rng.choice(["bluesky", "mastodon"]),
                "gen pii.card",
            )
        )
    for _ in range(6):
        text = rng.choice(
            [
                "Your event registration number is {c}. Bring it to check-in.",
                "Order confirmation {c}: your replacement library card ships Monday.",
            ]
        ).format(c=_not_card(rng))
        out.append((rng.choice([MC, CU]), text, "bluesky", "gen not a card (Luhn fails)"))
    for _ in range(8):
        text = rng.choice(
            [
                "A member posted their European account, {i}, asking about wire fees. We hid it; "
                "DM us!",
                "Never post account numbers: a reply with IBAN {i} has been removed.",
            ]
        ).format(i=_m("pii.iban", _iban(rng)))
        out.append((CU, text, "mastodon", "gen pii.iban"))
    for _ in range(8):
        org = rng.choice([MC, CU])
        text = rng.choice(
            [
                "We blocked {ip} after repeated failed logins to our payment portal.",
                "The spam comments all came from {ip}; we've reported it.",
            ]
        ).format(ip=_m("pii.ip", _public_ip(rng)))
        out.append((org, text, "x", "gen pii.ip"))
    for _ in range(8):
        org = rng.choice([MC, CU])
        text = rng.choice(
            [
                "IT note: the branch router moved to {ip}.",
                "Printer offline again. Staff, try {ip} in your browser.",
                "Kiosk update pushed to {ip} tonight.",
            ]
        ).format(ip=_m("internal.ip", _private_ip(rng)))
        out.append((org, text, "bluesky", "gen internal.ip"))
    months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    for _ in range(8):
        org = rng.choice([MC, CU])
        year = rng.randint(1930, 2004)
        if rng.random() < 0.5:
            dob = f"{rng.choice(months)} {rng.randint(1, 28)}, {year}"
        else:
            dob = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{year}"
        person = rng.choice(OUTSIDERS)
        text = rng.choice(
            [
                "A reply from {p} included a date of birth, {d}. We hid it to protect them.",
                "Happy birthday to {p}, born {d}!",
                "Please don't post IDs: a photo caption showed {p}, DOB {d}.",
            ]
        ).format(p=_m("pii.person", person), d=_m("pii.dob", dob))
        out.append((org, text, "mastodon", "gen pii.dob"))
    return out


def _secrets(rng: random.Random) -> list[Gen]:
    phrasings = [
        "Guest Wi-Fi password: {s}",
        "wifi pw is {s} (front desk only)",
        "The conference room Wi-Fi password is {s}",
        "Temp login for the kiosk: kiosk / {s}",
        "Network: Guest. Passphrase: {s}",
        "pwd={s}",
        "Shared drive password changed to {s} today",
        "Contraseña del Wi-Fi: {s}",
    ]
    out: list[Gen] = []
    for index in range(16):
        phrase = phrasings[index % len(phrasings)]
        out.append(
            (
                rng.choice([MC, CU]),
                phrase.format(s=_m("secret.credential", _password(rng))),
                rng.choice(["bluesky", "x"]),
                "gen secret.credential password",
            )
        )
    token_phrasings = [
        "Testing the alert integration with token {t}",
        "API key for the dashboard: {t}",
        "export API_TOKEN={t}",
        "Authorization: Bearer {t}",
    ]
    for index in range(12):
        phrase = token_phrasings[index % len(token_phrasings)]
        out.append(
            (
                rng.choice([MC, CU]),
                phrase.format(t=_m("secret.credential", _token(rng))),
                "mastodon",
                "gen secret.credential token",
            )
        )
    negatives = [
        "Protect your accounts: use a unique password for every site and turn on MFA.",
        "Forgot your password? Tap 'Forgot password' on the sign-in page to reset it.",
        "We will never ask for your password or one-time passcode by phone.",
        "Passwords must be at least 12 characters. Passphrases are easier to remember!",
        "Your API access is free for nonprofits. Request a key on our developer page.",
        "Token-based login is coming to the app next month: no more SMS codes.",
    ]
    for text in negatives:
        out.append((rng.choice([MC, CU]), text, "bluesky", "gen no secret"))
    return out


def _solicitation(rng: random.Random) -> list[Gen]:
    asks = [
        "Reply with your account number",
        "Comment your member number below",
        "Drop your email address in the comments",
        "Reply with your date of birth and ZIP code",
        "Tell us your address in a reply",
        "Post your phone number below",
        "Share your card number in the replies",
        "Respond below with your full name and phone number",
    ]
    asks_es = [
        "Responda con su número de cuenta",
        "Escriba su número de teléfono en los comentarios",
        "Comparta su correo electrónico en los comentarios",
        "Déjenos su dirección en una respuesta",
    ]
    out: list[Gen] = []
    for ask in asks:
        org = rng.choice([MC, CU])
        text = rng.choice(
            [
                "Having trouble? {a} and we'll get back to you today.",
                "Want to be entered in the drawing? {a}!",
                "Sorry for the trouble. {a} so we can look into it.",
            ]
        ).format(a=_m("solicitation.personal_data", ask))
        out.append((org, text, rng.choice(["bluesky", "x"]), "gen solicitation"))
    for ask in asks_es:
        org = rng.choice([MC, CU])
        text = rng.choice(
            [
                "¿Tiene problemas con su pago? {a} y le ayudaremos.",
                "Lo sentimos. {a} para revisar su caso.",
            ]
        ).format(a=_m("solicitation.personal_data", ask))
        out.append((org, text, "mastodon", "gen solicitation es"))
    negatives = [
        "Need help with your account? Send us a direct message; never post account details "
        "publicly.",
        "Don't share your account number, PIN or password in comments. We'll never ask for them.",
        "Please do not reply with personal information. Call us or send a private message instead.",
        "Tip: scammers ask you to comment your phone number to 'claim a prize'. Don't!",
        "Nunca publique su número de cuenta. Envíenos un mensaje privado.",
        "Share your favorite fall photos in the comments!",
        "Reply with your favorite library book of the year!",
        "Tell us in the comments: what should the new park be named?",
    ]
    for text in negatives:
        out.append(
            (rng.choice([MC, CU]), text, rng.choice(["bluesky", "mastodon"]), "gen no solicitation")
        )
    return out


def _typo(rng: random.Random, label: str) -> str:
    choice = rng.choice(["swap", "double", "drop", "digit"])
    chars = list(label)
    if choice == "swap":
        i = rng.randint(1, len(chars) - 3)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif choice == "double":
        i = rng.randint(1, len(chars) - 2)
        chars.insert(i, chars[i])
    elif choice == "drop":
        i = rng.randint(1, len(chars) - 2)
        del chars[i]
    else:
        swaps = {"o": "0", "i": "1", "l": "1", "a": "4", "e": "3"}
        positions = [i for i, c in enumerate(chars) if c in swaps]
        i = rng.choice(positions)
        chars[i] = swaps[chars[i]]
    result = "".join(chars)
    return result if result != label else result + "s"


def _links(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    own = {MC: ["madisoncounty"], CU: ["harborpointcu", "hpcu"]}
    tlds = {MC: ".gov", CU: ".org"}
    added = ["-pay", "-login", "-secure", "online", "-portal", "-verify"]
    for org in (MC, CU):
        for _ in range(8):
            label = rng.choice(own[org])
            if rng.random() < 0.5 and len(label) > 6:
                domain = _typo(rng, label) + rng.choice([tlds[org], ".com", ".net"])
            else:
                domain = label + rng.choice(added) + rng.choice([".com", ".net", ".org"])
            url = rng.choice([f"https://{domain}/account", f"{domain}", f"http://www.{domain}/pay"])
            text = rng.choice(
                [
                    "Scam warning: {u} is not our site. Don't enter your details there.",
                    "Pay online now at {u}",
                    "Update your information at {u} before Friday.",
                ]
            ).format(u=_m("link.lookalike", url))
            out.append((org, text, rng.choice(["bluesky", "x", "mastodon"]), "gen link.lookalike"))
    shorteners = ["bit.ly", "tinyurl.com", "ow.ly", "buff.ly", "t.ly", "rb.gy", "is.gd", "cutt.ly"]
    for short in shorteners:
        org = rng.choice([MC, CU])
        code = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(7))
        url = rng.choice([f"https://{short}/{code}", f"{short}/{code}"])
        text = rng.choice(
            [
                "Register here: {u}",
                "Full details: {u}",
                "Survey closes Friday: {u}",
            ]
        ).format(u=_m("link.shortener", url))
        out.append((org, text, rng.choice(["bluesky", "x"]), "gen link.shortener"))
    foreign = [
        "https://www.facebook.com/events/84120094",
        "https://www.surveymonkey.com/r/MX7KQ2",
        "https://www.meetup.com/norfolk-community-garden/",
        "https://www.instagram.com/p/Cx9AbQ2",
        "https://www.nextdoor.com/p/8kd92kq",
        "https://www.change.org/p/save-the-old-mill",
        "https://www.gofundme.com/f/help-the-riverside-family",
        "https://www.zillow.com/homes/Norfolk-VA",
        "https://www.wsls.com/news/local/2026/11/20/road-work",
        "https://calendly.com/events-team/30min",
    ]
    for url in foreign:
        org = rng.choice([MC, CU])
        text = rng.choice(
            [
                "More info: {u}",
                "Sign up here: {u}",
                "See the story: {u}",
            ]
        ).format(u=_m("link.not_allowed", url))
        out.append((org, text, rng.choice(["bluesky", "mastodon"]), "gen link.not_allowed"))
    allowed = {
        MC: [
            "https://www.madisoncounty.gov/parks/camps",
            "madisoncounty.gov/vote",
            "https://library.madisoncounty.gov/events",
            "https://www.vdh.virginia.gov/flu",
            "https://www.ready.gov/kit",
            "https://www.cdc.gov/flu/prevent",
            "https://www.youtube.com/@MadisonCountyVA",
        ],
        CU: [
            "https://www.harborpointcu.org/loans/auto",
            "hpcu.com/app",
            "https://www.ncua.gov",
            "https://www.consumerfinance.gov/complaint",
            "https://www.ftc.gov/scams",
            "https://reportfraud.ftc.gov",
            "https://online.harborpointcu.org/login",
        ],
    }
    for org in (MC, CU):
        for url in allowed[org]:
            text = rng.choice(["Learn more: {u}", "Details at {u}", "Find it at {u}"]).format(u=url)
            out.append((org, text, rng.choice(["bluesky", "mastodon"]), "gen allowed link"))
    return out


def _internal(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    hosts = {
        MC: [
            "fs01.mc.local",
            "payroll-db.madco.internal",
            "gis-srv02.mc.local",
            "print01.mc.local",
            "cad.madco.internal",
        ],
        CU: ["core01.hpcu.local", "atm-mgmt.hpcu.local", "dc02.hpcu.local", "mdm.hpcu.local"],
    }
    for org, names in hosts.items():
        for host in names:
            text = rng.choice(
                [
                    "Maintenance window tonight: {h} reboots at 10 PM.",
                    "Staff: if the shared drive is slow, it's {h} being backed up.",
                    "Heads up IT, {h} is throwing disk warnings again.",
                ]
            ).format(h=_m("internal.host", host))
            out.append((org, text, rng.choice(["bluesky", "x"]), "gen internal.host"))
    urls = {
        MC: [
            "https://intranet.mc.local/policies",
            "http://helpdesk.madco.internal/new",
            "https://sharepoint.mc.local/sites/elections/Shared%20Documents",
        ],
        CU: ["https://intranet.hpcu.local/benefits", "http://wiki.hpcu.local/fraud/playbook"],
    }
    for org, links in urls.items():
        for url in links:
            text = rng.choice(["Staff, the form is here: {u}", "New procedure posted at {u}"])
            out.append(
                (org, text.format(u=_m("internal.url", url)), "mastodon", "gen internal.url")
            )
    for _ in range(10):
        org = rng.choice([MC, CU])
        ticket = (
            rng.choice(["INC", "REQ", "CHG", "TKT"])
            + rng.choice(["-", ""])
            + str(rng.randint(1000, 999999))
        )
        text = rng.choice(
            [
                "Thanks for letting us know! We've logged it as {t}.",
                "Update on {t}: the fix is scheduled for Thursday.",
                "Your request {t} has been closed. Reply if anything is still wrong.",
            ]
        ).format(t=_m("internal.ticket", ticket))
        out.append((org, text, rng.choice(["bluesky", "x"]), "gen internal.ticket"))
    for org, names in (
        (MC, ["Project Lighthouse", "Kestrel", "KESTREL", "project lighthouse"]),
        (CU, ["Project Tidewater", "Nightjar", "NIGHTJAR", "project tidewater"]),
    ):
        for name in names:
            text = rng.choice(
                [
                    "Big week for {c}: training starts Monday.",
                    "Can't wait to show you what {c} can do!",
                    "Status: {c} is on schedule for spring.",
                ]
            ).format(c=_m("internal.codename", name))
            out.append((org, text, "mastodon", "gen internal.codename"))
    not_tickets = [
        "Route 231 and Route 20 are clear this morning.",
        "File Form 1099-INT questions with your tax preparer.",
        "The INC. at the end of a business name doesn't make it a bank.",
        "Request a copy of your statement in the app under Documents.",
    ]
    for text in not_tickets:
        out.append((rng.choice([MC, CU]), text, "bluesky", "gen not a ticket"))
    return out


def _lexicon(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    blocked = {MC: ["ass", "crap", "damn", "wtf"], CU: ["ass", "crap", "damn", "hell"]}
    sentences = {
        "ass": "Kick-{w} turnout at the blood drive today!",
        "crap": "This weather is {w}. Stay safe out there.",
        "damn": "{w}, what a game! Congrats to the Mustangs.",
        "wtf": "{w} is going on with this traffic? Take the bypass.",
        "hell": "What the {w}, another snow day?",
    }
    for org, words in blocked.items():
        for word in words:
            form = rng.choice([word, word.upper(), word.capitalize()])
            text = sentences[word].format(w=_m("lexicon.blocked", form))
            out.append((org, text, rng.choice(["x", "bluesky"]), "gen lexicon.blocked"))
    flagged = {
        MC: ["lawsuit", "litigation", "settlement", "layoffs", "terminated"],
        CU: ["guaranteed", "risk-free", "no credit check", "lawsuit", "class action"],
    }
    flagged_sentences = {
        "lawsuit": "We can't comment on the {w} at this time.",
        "litigation": "The County Attorney will brief the Board on pending {w} in closed session.",
        "settlement": "A statement on the {w} will follow after the Board meets.",
        "layoffs": "Rumors of {w} at the landfill are false: every position is funded.",
        "terminated": "The contract with the old ambulance billing vendor was {w} last month.",
        "guaranteed": "Draft ad: {w} low rates for every member!",
        "risk-free": "Open a certificate today: a {w} way to grow your savings.",
        "no credit check": "Holiday loans with {w}, apply today!",
        "class action": "Members asked about the {w} against a card processor: your cards are "
        "safe.",
    }
    for org, words in flagged.items():
        for word in words:
            text = flagged_sentences[word].format(w=_m("lexicon.flagged", word))
            out.append((org, text, "mastodon", "gen lexicon.flagged"))
    negatives = [
        (
            MC,
            "The Assessor's Office mails assessment notices Friday. Bring your class schedule to "
            "register.",
        ),
        (
            MC,
            "Scrap tire amnesty day is Saturday at the landfill. Scrapbooking club meets at the "
            "library.",
        ),
        (MC, "Crappie fishing tournament at Lake Nelson this weekend! Register at the bait shop."),
        (MC, "Hassle-free passport photos at the Main Library: bring ID and $15."),
        (CU, "Hello, Chesapeake! Our new branch on Shell Road opens Monday."),
        (CU, "Passbook savings accounts are back by popular demand. Ask any branch!"),
        (CU, "Amsterdam Avenue? No, Harborview Avenue. Our new ATM is right by the ferry dock."),
        (CU, "Our mortgage team is determined to make closing simple. Terminal delays? Not here."),
        (CU, "Guaranty Bank customers: welcome! We are not affiliated, but we'd love to meet you."),
    ]
    for org, text in negatives:
        out.append((org, text, "mastodon", "gen lexicon negative"))
    return out


def _clean(rng: random.Random) -> list[Gen]:
    mc = [
        "Leaf collection starts November 3. Rake leaves to the curb, no bags needed.",
        "The Main Library has free tax help every Tuesday and Thursday evening through April 15.",
        "Burn ban in effect until further notice due to dry conditions. No open burning.",
        "Fall festival Saturday at Hoover Ridge Park: hayrides, pumpkin painting and a chili "
        "cook-off!",
        "Voter registration deadline for the November election is October 14.",
        "Road work on Route 29 North near the Orange County line will close the right lane "
        "overnight.",
        "Free rabies clinic Saturday 9 to noon at the Animal Shelter. Dogs on leashes, cats in "
        "carriers.",
        "Our 911 center answered 98% of calls within 10 seconds last month. Thank you, "
        "dispatchers!",
        "Snow emergency routes: please move vehicles off Main Street by 8 PM tonight.",
        "Summer reading challenge: 1,240 kids read 18,000 books. Amazing work, Madison County!",
        "The household hazardous waste event is April 12 at the convenience center. Paint, "
        "batteries and oil accepted.",
        "County pools open Memorial Day weekend. Season passes on sale May 1.",
        "Have a safe Fourth of July! Fireworks at the fairgrounds start at 9:15 PM.",
        "The Board of Supervisors meets Tuesday at 7 PM. Agenda posted on our website.",
        "Cooling center open at the Community Center today from noon to 8 PM.",
    ]
    cu = [
        "Start the new year strong: our free Financial Fitness class meets every Wednesday in "
        "January.",
        "Did you know? Members can use 30,000 surcharge-free ATMs nationwide through CO-OP.",
        "Our branches will be closed Monday for Memorial Day. Mobile deposit is always open.",
        "Shred day Saturday from 9 to noon at the Norfolk Main Branch. Up to three boxes per "
        "member.",
        "Kids Savings Club members: bring your piggy bank in April for a special surprise!",
        "Scammers are using fake texts about account locks. Delete them and call the number on "
        "your card.",
        "Home equity rates as low as 6.24% APR. Ask a lending team member for details.",
        "We're proud to sponsor the Harborfest fireworks again this year!",
        "Our Chesapeake Branch now has Saturday hours, 9 to 1.",
        "Tax forms for 2026 are available in online banking under Statements starting January 31.",
        "Congratulations to all our high school seniors! Graduation share certificates earn a "
        "bonus 1%.",
        "Teachers: our school supply drive collected 4,000 notebooks. Thank you, members!",
        "Thinking about your first car? Our auto loan calculator can help you plan a budget.",
        "Member appreciation week starts Monday: coffee and donuts at every branch.",
        "Your credit union is member-owned. Vote in the board election before March 1.",
    ]
    return [(MC, text, rng.choice(["bluesky", "x", "mastodon"]), "gen clean") for text in mc] + [
        (CU, text, rng.choice(["bluesky", "x", "mastodon"]), "gen clean") for text in cu
    ]


def _emails(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    providers = [
        "gmail.com",
        "yahoo.com",
        "outlook.com",
        "icloud.com",
        "aol.com",
        "proton.me",
        "hotmail.com",
        "verizon.net",
    ]
    templates = [
        "@resident{n} thanks! We got your note from {e} and forwarded it to the right team.",
        "Found a lost phone at the park; the lock screen says to email {e}. Claim it at the "
        "office!",
        "A commenter asked us to contact them at {e}. We'll reach out by private message instead.",
        "Giveaway winner: we sent the prize details to {e}. Check your spam folder!",
    ]
    for _ in range(12):
        first, last = rng.choice(OUTSIDERS).lower().replace("'", "").split()
        local = rng.choice(
            [
                f"{first}.{last}",
                f"{first[0]}{last}{rng.randint(1, 99)}",
                f"{first}{rng.randint(1960, 2005)}",
                f"{last}.family",
            ]
        )
        address = f"{local}@{rng.choice(providers)}"
        text = rng.choice(templates).format(e=_m("pii.email", address), n=rng.randint(10, 99))
        out.append(
            (rng.choice([MC, CU]), text, rng.choice(["bluesky", "mastodon"]), "gen pii.email")
        )
    roles = {
        MC: ["info", "parks", "library", "elections", "press", "treasurer", "health"],
        CU: ["memberservices", "help", "fraud", "careers", "press", "info"],
    }
    domains = {MC: ["madisoncounty.gov"], CU: ["harborpointcu.org", "hpcu.com"]}
    for org in (MC, CU):
        for role in roles[org]:
            address = f"{role}@{rng.choice(domains[org])}"
            if rng.random() < 0.3:
                address = address.upper()
            text = rng.choice(
                [
                    "Questions? Email {e}.",
                    "Send your photos to {e} for a chance to be featured!",
                    "Reach the team at {e}, Monday to Friday.",
                ]
            ).format(e=address)
            out.append((org, text, rng.choice(["bluesky", "x"]), "gen role address"))
    return out


def _addresses(rng: random.Random) -> list[Gen]:
    out: list[Gen] = []
    streets = {
        MC: [
            "Birch Lane",
            "Orange Road",
            "Locust Dale Road",
            "Seminole Trail",
            "Thrift Road",
            "Ruth Road",
            "Church Street",
            "Fairground Road",
            "Hebron Valley Road",
        ],
        CU: [
            "Colley Avenue",
            "Granby Street",
            "Hampton Boulevard",
            "Shore Drive",
            "Westover Avenue",
            "Little Creek Road",
            "Tidewater Drive",
            "Atlantic Avenue",
        ],
    }
    towns = {
        MC: ["Madison, VA 22727", "Wolftown, VA 22748", "Criglersville, VA 22727"],
        CU: ["Norfolk, VA 23507", "Virginia Beach, VA 23451", "Chesapeake, VA 23320"],
    }
    templates = [
        "Water main break in front of {a}. Crews expect to finish by 4 PM.",
        "Congratulations to the new homeowners at {a}! Welcome to the neighborhood.",
        "Package returned to us, addressed to {a}. Please contact us to pick it up.",
        "Fire crews are on scene at {a}. Please avoid the area.",
    ]
    for org in (MC, CU):
        for _ in range(8):
            street = rng.choice(streets[org])
            number = rng.randint(12, 9800)
            unit = rng.choice(["", "", "", ", Apt 3", " Unit 210", ", Apt. 12B"])
            address = f"{number} {street}{unit}"
            if rng.random() < 0.5:
                address += ", " + rng.choice(towns[org])
            text = rng.choice(templates).format(a=_m("pii.address", address))
            out.append((org, text, rng.choice(["bluesky", "mastodon", "x"]), "gen pii.address"))
    public = {
        MC: [
            "100 Courthouse Square",
            "100 Courthouse Sq, Madison VA 22727",
            "100 COURTHOUSE SQUARE, MADISON, VIRGINIA",
            "100 Courthouse Sq.",
        ],
        CU: [
            "2200 Harbor Point Blvd",
            "2200 Harbor Point Boulevard, Norfolk",
            "2200 Harbor Pt. Blvd., Norfolk, VA 23510",
            "2200 HARBOR POINT BLVD",
        ],
    }
    for org in (MC, CU):
        for address in public[org]:
            text = rng.choice(
                [
                    "Visit us at {a}.",
                    "Drop-off box is at {a}, open 24/7.",
                    "Mail your payment to {a}.",
                ]
            ).format(a=address)
            out.append((org, text, rng.choice(["bluesky", "x"]), "gen public address"))
    places = [
        (MC, "Greetings from Madison, Virginia! Fall colors peak this week along Route 231."),
        (MC, "Wolftown and Criglersville roads are open. Graves Mill Road is still closed."),
        (MC, "Sister county visit: our friends from Madison County, Montana stopped by today."),
        (CU, "Now serving members in Norfolk, Portsmouth, Suffolk and Virginia Beach."),
        (CU, "Members traveling to Mexico, Canada or the United Kingdom: set a travel notice."),
        (CU, "Our newest branch opens on Granby Street in downtown Norfolk this spring."),
    ]
    for org, text in places:
        out.append((org, text, "bluesky", "gen city or street alone"))
    return out


def _lengths(rng: random.Random) -> list[RawPost]:
    from benchmarks.labelled import LIMITS, platform_length

    pools = {
        MC: [t for o, t, _, _ in _clean(random.Random(1)) if o == MC],
        CU: [t for o, t, _, _ in _clean(random.Random(1)) if o == CU],
    }
    out: list[RawPost] = []
    for index in range(24):
        org = MC if index % 2 else CU
        platform = ("bluesky", "mastodon", "x")[index % 3]
        want_long = index % 4 < 2
        sentences = pools[org][:]
        rng.shuffle(sentences)
        text = ""
        for sentence in sentences:
            candidate = f"{text} {sentence}".strip()
            if platform_length(platform, candidate) > LIMITS[platform]:
                if want_long:
                    text = candidate
                break
            text = candidate
        out.append(
            RawPost(
                org=org,
                marked=text,
                platform=platform,
                long=platform_length(platform, text) > LIMITS[platform],
                history=None,
                lang="en",
                note=f"gen platform.length {platform}",
                where=f"generate.py:_lengths[{index}]",
            )
        )
    return out


def _histories(rng: random.Random) -> list[RawPost]:
    """History sequences: the second distinct personal address at one domain reveals the scheme."""
    out: list[RawPost] = []
    templates = [
        "Questions about the open house? Email {e}.",
        "RSVP for the volunteer breakfast to {e}.",
        "Send your photo submissions to {e} by Friday.",
    ]
    role_posts = {
        MC: "Or write to info@madisoncounty.gov.",
        CU: "Or write to help@harborpointcu.org.",
    }
    for org in (MC, CU):
        people = list(_directory(org))
        for sequence in range(4):
            name = f"gen-{org}-{sequence}"
            first, second = rng.sample(people, 2)
            addresses = [first.email, second.email]
            if sequence == 3:
                addresses = [first.email, first.email]  # the same address twice: no scheme
            for step, address in enumerate(addresses):
                rules = "email.personal_address"
                if step == 1 and addresses[0] != addresses[1]:
                    rules += ",email.scheme_inferable"
                marked = rng.choice(templates).format(e=f"[[{rules}|{address}]]")
                out.append(
                    RawPost(
                        org=org,
                        marked=marked,
                        platform="mastodon",
                        long=False,
                        history=name,
                        lang="en",
                        note=f"gen history {step + 1}/2",
                        where=f"generate.py:_histories[{name}]",
                    )
                )
                if step == 0:
                    out.append(
                        RawPost(
                            org=org,
                            marked=role_posts[org],
                            platform="mastodon",
                            long=False,
                            history=name,
                            lang="en",
                            note="gen history: role address in between",
                            where=f"generate.py:_histories[{name}]",
                        )
                    )
    return out


FAMILIES: tuple[Callable[[random.Random], list[Gen]], ...] = (
    _identity,
    _outsiders,
    _numbers,
    _emails,
    _addresses,
    _secrets,
    _solicitation,
    _links,
    _internal,
    _lexicon,
    _clean,
)


def generated_posts() -> list[RawPost]:
    rng = random.Random(SEED)
    posts: list[RawPost] = []
    for family in FAMILIES:
        for index, (org, marked, platform, note) in enumerate(family(rng)):
            posts.append(
                RawPost(
                    org=org,
                    marked=marked,
                    platform=platform,
                    long=False,
                    history=None,
                    lang="es" if " es" in note else "en",
                    note=note,
                    where=f"generate.py:{family.__name__}[{index}]",
                )
            )
    posts += _lengths(rng)
    posts += _histories(rng)
    return posts
