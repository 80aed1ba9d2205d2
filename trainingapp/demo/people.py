"""Made-up participants: Vietnamese names, positions, phones and e-mails from a seeded generator.

Everything comes from the ``random.Random`` passed in, so the same seed gives the same people.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

from ..common.text import clean
from ..common.text import fold
from ..organizations.models import OrganizationKind
from ..registration.models import Gender
from . import data
from .data import OrgSpec


@dataclass(frozen=True)
class Person:
    full_name: str
    gender: Gender
    birth_year: int | None
    position: str
    phone: str
    email: str | None


class PeopleFactory:
    """Makes people who are distinct within one course: name, phone, e-mail and check-in code."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._names: set[str] = set()
        self._phones: set[str] = set()
        self._emails: set[str] = set()
        self._codes: set[str] = set()
        self._families = data.FAMILY_NAMES.split()
        self._family_weights = data.FAMILY_WEIGHTS
        self._male_given = data.MALE_GIVEN.split()
        self._female_given = data.FEMALE_GIVEN.split()
        self._prefixes = data.MOBILE_PREFIXES.split()

    def staff_of(self, spec: OrgSpec, count: int) -> list[Person]:
        """``count`` people of one unit; a unit has one head, one deputy and so on."""
        single, common = data.POSITION_OVERRIDES.get(spec.name) or data.POSITIONS[spec.kind]
        heads = list(single)
        self.rng.shuffle(heads)
        people = []
        for _ in range(count):
            if heads and self.rng.random() < 0.35:
                position = heads.pop()
            else:
                position = self.rng.choice(common or single)
            people.append(self.person(spec, position))
        return people

    def person(self, spec: OrgSpec, position: str) -> Person:
        rng = self.rng
        male_share = data.MALE_SHARE.get(spec.kind, data.MALE_SHARE_DEFAULT)
        gender = Gender.MALE if rng.random() < male_share else Gender.FEMALE
        full_name = self._unique_name(gender, spec.highland)
        oldest, youngest = (
            (1972, 1998) if spec.kind == OrganizationKind.BORDER_POST else (1966, 2000)
        )
        birth_year = rng.randint(oldest, youngest) if rng.random() < 0.65 else None
        email_share = (
            0.5
            if spec.kind in (OrganizationKind.NEWSROOM, OrganizationKind.PROVINCIAL_AGENCY)
            else 0.25
        )
        email = self._email(full_name, birth_year) if rng.random() < email_share else None
        return Person(full_name, gender, birth_year, position, self._phone(), email)

    def checkin_code(self) -> str:
        while True:
            code = "".join(self.rng.choices(data.CHECKIN_ALPHABET, k=6))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def manage_token(self) -> str:
        """43 URL-safe characters, like ``secrets.token_urlsafe(32)`` but reproducible."""
        raw = self.rng.getrandbits(256).to_bytes(32, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def _unique_name(self, gender: Gender, highland: bool) -> str:
        while True:
            name = self._name(gender, highland)
            if name not in self._names:
                self._names.add(name)
                return name

    def _name(self, gender: Gender, highland: bool) -> str:
        rng = self.rng
        male = gender == Gender.MALE
        if highland and rng.random() < 0.5:
            family = rng.choice(data.HIGHLAND_FAMILY_NAMES)
            middle = ["Văn" if male else "Thị"]
        else:
            family = rng.choices(self._families, self._family_weights)[0]
            usual, share, others = data.MALE_MIDDLE if male else data.FEMALE_MIDDLE
            middle = [usual if rng.random() < share else rng.choice(others.split())]
            share, seconds = data.MALE_MIDDLE_2 if male else data.FEMALE_MIDDLE_2
            second = rng.choice(seconds.split())
            if rng.random() < share and second != middle[0]:
                middle.append(second)
        given = rng.choice(self._male_given if male else self._female_given)
        return clean(" ".join([family, *middle, given]))

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(self._prefixes) + f"{self.rng.randrange(10**7):07d}"
            if phone not in self._phones:
                self._phones.add(phone)
                return phone

    def _email(self, full_name: str, birth_year: int | None) -> str:
        words = fold(full_name).split()
        if self.rng.random() < 0.5:  # office style: given name + initials, "hantt"
            handle = words[-1] + "".join(word[0] for word in words[:-1])
        else:
            handle = "".join(words)
        if birth_year and self.rng.random() < 0.5:
            handle += str(birth_year)[-2:]
        domain = self.rng.choice(data.EMAIL_DOMAINS)
        email = f"{handle}@{domain}"
        suffix = 1
        while email in self._emails:
            suffix += 1
            email = f"{handle}{suffix}@{domain}"
        self._emails.add(email)
        return email
