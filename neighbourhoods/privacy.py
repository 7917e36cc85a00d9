"""Keep personal data out of free text: the one validator for every form and model that has some.

The people Kalliola serves include undocumented and homeless people, so nothing written into the
activity log (or any other free text) may identify anyone. `find_personal_data` looks for the
identifiers people actually type: Finnish personal identity codes, phone numbers and e-mail
addresses; `validate_no_personal_data` refuses a text that has any of them, saying what was found
and why it cannot be stored. Names cannot be told apart from ordinary words by a program; the
form texts ask for none.

Phone numbers are found with `phonenumbers` (Google's libphonenumber): it knows which numbers
really exist, in Finland and abroad, which keeps dates, times, year ranges, postal codes and sums
of money from being taken for phone numbers far better than a regular expression can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PERSONAL_IDENTITY_CODE: Final = "personal_identity_code"
PHONE_NUMBER: Final = "phone_number"
EMAIL_ADDRESS: Final = "email_address"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something in a text that would identify a person: its kind and text[start:end]."""

    kind: str
    start: int
    end: int


# --- Finnish personal identity codes (henkilötunnus): DDMMYYCZZZQ ---------------------------------

# The century sign; the letters after `-` and `A` were added in 2023. Dashes that a word processor
# or phone keyboard puts in place of a hyphen count as the hyphen.
_CENTURY_OF_SIGN: Final = {
    "+": 1800,
    **dict.fromkeys("-\u2010\u2011\u2013\u2212YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}
_CONTROL_CHARACTERS: Final = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Individual numbers 002–899 are permanent, 900–999 temporary: both are given to real people.
_FIRST_INDIVIDUAL_NUMBER: Final = 2

# Not inside a longer run of letters and digits; an underscore or punctuation does not join.
_IDENTITY_CODE: Final = re.compile(
    r"(?<![^\W_])"
    r"(?P<day>\d\d)(?P<month>\d\d)(?P<year>\d\d)"
    r"(?P<century>[" + re.escape("".join(_CENTURY_OF_SIGN)) + r"])"
    r"(?P<individual>\d{3})(?P<control>[0-9A-Z])"
    r"(?![^\W_])",
    re.IGNORECASE,
)


def _is_identity_code(match: re.Match[str]) -> bool:
    """Whether a DDMMYYCZZZQ-shaped match has a real date, individual number and control."""
    century = _CENTURY_OF_SIGN[match["century"].upper()]
    try:
        date(century + int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return False
    if int(match["individual"]) < _FIRST_INDIVIDUAL_NUMBER:
        return False
    number = int(match["day"] + match["month"] + match["year"] + match["individual"])
    return _CONTROL_CHARACTERS[number % 31] == match["control"].upper()


def _find_identity_codes(text: str) -> list[Finding]:
    return [
        Finding(PERSONAL_IDENTITY_CODE, match.start(), match.end())
        for match in _IDENTITY_CODE.finditer(text)
        if _is_identity_code(match)
    ]


# --- E-mail addresses -----------------------------------------------------------------------------

# Django's EmailValidator checks a whole string; this finds the dot-atom form (the one people type)
# anywhere in a text, with international letters allowed as Django allows them. An address starts
# where a run of address characters starts, and the possessive quantifiers do not give back what
# they took: a long run of letters without "@" costs one pass, not one per character.
_ATOM_CHARACTER: Final = r"[\w!#$%&'*+/=?^`{|}~-]"
_ATOM: Final = rf"{_ATOM_CHARACTER}++"
_LABEL: Final = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL_ADDRESS: Final = re.compile(
    rf"(?<!{_ATOM_CHARACTER})(?<!{_ATOM_CHARACTER}\.)"
    rf"{_ATOM}(?:\.{_ATOM})*+@(?:{_LABEL}\.)+(?:[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})",
    re.IGNORECASE,
)


def _find_email_addresses(text: str) -> list[Finding]:
    return [
        Finding(EMAIL_ADDRESS, match.start(), match.end())
        for match in _EMAIL_ADDRESS.finditer(text)
    ]


# --- Phone numbers --------------------------------------------------------------------------------

# Numbers without a country code are read as Finnish ones.
_DEFAULT_REGION: Final = "FI"
# Numbers of services and companies (0800, 0600, 010, 020, 0295 …): no person has one.
_SERVICE_NUMBER_TYPES: Final = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)
# Any space (no-break, thin …) but a line break, which the matcher would not take as a separator.
_SPACE: Final = re.compile(r"[^\S\r\n]")
# A word glued to a number ("puh0401234567", "0401234567puh") would hide the number: the letter
# touching it is read as a space. A single letter is left alone, so that a mistyped identity code
# such as "040594-902X" or "040594V9020" is not taken for a phone number.
_LETTER_TOUCHING_A_DIGIT: Final = re.compile(
    r"(?<=\d)[^\W\d_](?=[^\W\d_])|(?<=[^\W\d_])[^\W\d_](?=\d)"
)
# Times and age groups written as ranges: "09-12 13-16", "0900-1600", "0-6, 7-12".
_RANGE: Final = r"(\d{1,4})\s*[-\u2010\u2011\u2012\u2013\u2014\u2212]\s*(\d{1,4})"
_ONE_RANGE: Final = re.compile(_RANGE)
_RANGES: Final = re.compile(rf"{_RANGE}(?:[\s,;]+{_RANGE})*")
# A Finnish business ID (Y-tunnus), 1234567-8, which "0201256-6" shows can pass for a number.
_BUSINESS_ID: Final = re.compile(r"\d{7}-\d")
_BUSINESS_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2)


def _phone_search_text(text: str) -> str:
    """The text with the same length and positions, laid out so the matcher sees every number."""
    return _LETTER_TOUCHING_A_DIGIT.sub(" ", _SPACE.sub(" ", text))


def _is_range(first: str, last: str) -> bool:
    """Whether "first-last" counts up as a range: "09-12", "0900-1600", "7-12", not "040-1234"."""
    same_width = len(first) == len(last)
    shorter_without_leading_zero = len(first) < len(last) and str(int(first)) == first
    return (same_width or shorter_without_leading_zero) and int(first) < int(last)


def _is_list_of_ranges(candidate: str) -> bool:
    """Whether a candidate is only ranges of times or ages such as "09-12 13-16" or "0-6 7-12"."""
    return _RANGES.fullmatch(candidate) is not None and all(
        _is_range(first, last) for first, last in _ONE_RANGE.findall(candidate)
    )


def _is_business_id(candidate: str) -> bool:
    if not _BUSINESS_ID.fullmatch(candidate):
        return False
    digits = candidate[:7]
    weighted = sum(
        int(digit) * weight for digit, weight in zip(digits, _BUSINESS_ID_WEIGHTS, strict=True)
    )
    remainder = weighted % 11
    if remainder == 1:
        return False
    return int(candidate[-1]) == (0 if remainder == 0 else 11 - remainder)


def _find_phone_numbers(text: str) -> list[Finding]:
    findings = []
    matcher = phonenumbers.PhoneNumberMatcher(
        _phone_search_text(text), _DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID
    )
    for match in matcher:
        candidate = match.raw_string
        if (
            phonenumbers.number_type(match.number) in _SERVICE_NUMBER_TYPES
            or _is_list_of_ranges(candidate)
            or _is_business_id(candidate)
        ):
            continue
        findings.append(Finding(PHONE_NUMBER, match.start, match.end))
    return findings


# --- Together -------------------------------------------------------------------------------------


def _overlaps(finding: Finding, others: list[Finding]) -> bool:
    return any(finding.start < other.end and other.start < finding.end for other in others)


def find_personal_data(text: str) -> list[Finding]:
    """Everything in `text` that looks like it identifies a person, in the order it appears.

    A phone number inside an e-mail address or an identity code is part of that one finding.
    """
    findings = _find_identity_codes(text) + _find_email_addresses(text)
    findings += [phone for phone in _find_phone_numbers(text) if not _overlaps(phone, findings)]
    return sorted(findings, key=lambda finding: (finding.start, finding.end))


_MESSAGES: Final = {
    # Translators: shown under a free-text field; "it" is the code that was found in the text.
    PERSONAL_IDENTITY_CODE: _(
        "This text contains something that looks like a Finnish personal identity code. "
        "Nothing saved here may identify a person: remove it and describe the situation "
        "without it."
    ),
    # Translators: shown under a free-text field; "it" is the number that was found in the text.
    PHONE_NUMBER: _(
        "This text contains something that looks like a phone number. "
        "Nothing saved here may identify a person: remove it and describe the situation "
        "without it."
    ),
    # Translators: shown under a free-text field; "it" is the address that was found in the text.
    EMAIL_ADDRESS: _(
        "This text contains something that looks like an e-mail address. "
        "Nothing saved here may identify a person: remove it and describe the situation "
        "without it."
    ),
}


def validate_no_personal_data(value: str) -> None:
    """Refuse a text that has a personal identity code, a phone number or an e-mail address in it.

    One error for each kind found, with code "personal_data" and params `kind` and `count` (how
    many of that kind). The message does not repeat what was found: error messages may be logged.
    """
    kinds = [finding.kind for finding in find_personal_data(str(value))]
    errors = [
        ValidationError(
            message, code="personal_data", params={"kind": kind, "count": kinds.count(kind)}
        )
        for kind, message in _MESSAGES.items()
        if kind in kinds
    ]
    if errors:
        raise ValidationError(errors)
