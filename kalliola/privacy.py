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

Someone who means to get an identifier past the guard can disguise it so that it still reads the
same to a person: an invisible character inside it, fullwidth or Arabic-Indic digits, a Cyrillic
letter that looks like a Latin one, "[at]" or " at " for "@". `normalise` undoes all that first,
and every rule reads the normalised text; what is found is reported where it is in the text as
typed.
"""

from __future__ import annotations

import re
import unicodedata
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


# --- Normalisation --------------------------------------------------------------------------------

# Shown as nothing, so a reader does not see them inside an identifier: format characters
# (zero-width spaces and joiners, the soft hyphen, direction marks …) by their category, and these
# fillers, which are letters to Unicode but blank on the screen.
_INVISIBLE_CATEGORIES: Final = frozenset({"Cf", "Cn", "Mn", "Me"})
_INVISIBLE_LETTERS: Final = frozenset("\u115f\u1160\u3164\uffa0")
# Marks that sit on the character before them (accents, variation selectors, the keycap frame of
# "4️⃣") belong to it: NFKC composes "a" and a combining diaeresis into "ä" only if they are
# normalised together. Whatever mark is left over after that is dropped: none of the identifiers
# has one, and a digit with a mark on it still reads as the digit.
_MARK_CATEGORIES: Final = frozenset({"Mn", "Mc", "Me"})
# NFKC leaves these as they are, though each reads as the character it is folded to: minus signs,
# the ideographic full stop (a dot in an internationalised address), the blank Braille cell, and
# Cyrillic and Greek letters that look just like Latin ones, so that a century sign or a control
# character cannot be swapped for its look-alike.
_FOLDED: Final = str.maketrans(
    {
        "\u2212": "-",
        "\u2796": "-",
        "\u02d7": "-",
        "\u3002": ".",
        "\u2800": " ",
        **dict(zip("АВСЕНІЈКМОРЅТХУҮ", "ABCEHIJKMOPSTXYY", strict=True)),
        **dict(zip("асеһіјорѕхуԁԛԝӏ", "acehijopsxydqwl", strict=True)),
        **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
        **dict(zip("ον", "ov", strict=True)),
    }
)
# Only what NFKC and the folding above would leave as it is can be copied as it is, in one piece:
# printable ASCII, line breaks and tabs, and the accented letters of Finnish and Swedish.
_UNCHANGED_RUN: Final = re.compile(r"[\t\n\r\x20-\x7eäöåÄÖÅéÉüÜ]+")


@dataclass(frozen=True, slots=True)
class _Normalised:
    """A normalised text and, for each of its characters, the span it came from in the original."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


class _Builder:
    """Puts a normalised text together piece by piece, remembering where each piece came from."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def copy(self, text: str, start: int, end: int) -> None:
        self.pieces.append(text[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def copy_from(self, source: _Normalised, start: int, end: int) -> None:
        self.pieces.append(source.text[start:end])
        self.starts.extend(source.starts[start:end])
        self.ends.extend(source.ends[start:end])

    def put(self, characters: str, start: int, end: int) -> None:
        self.pieces.append(characters)
        self.starts.extend([start] * len(characters))
        self.ends.extend([end] * len(characters))

    def build(self) -> _Normalised:
        return _Normalised("".join(self.pieces), self.starts, self.ends)


def _fold_character(character: str) -> str:
    category = unicodedata.category(character)
    if category in _INVISIBLE_CATEGORIES or character in _INVISIBLE_LETTERS:
        return ""
    if category == "Cc":
        return character if character.isspace() else ""
    if category == "Pd":
        return "-"
    digit = unicodedata.decimal(character, None)
    if digit is not None:
        return str(digit)
    return character.translate(_FOLDED)


def _fold_characters(text: str) -> _Normalised:
    """NFKC, then without invisible characters, with ASCII digits and dashes and Latin letters."""
    built = _Builder()
    position = 0
    length = len(text)
    while position < length:
        unchanged = _UNCHANGED_RUN.match(text, position)
        if unchanged:
            end = unchanged.end()
            # The last character goes with the marks on it, if it has any.
            if end < length and unicodedata.category(text[end]) in _MARK_CATEGORIES:
                end -= 1
            if end > position:
                built.copy(text, position, end)
                position = end
                continue
        end = position + 1
        while end < length and unicodedata.category(text[end]) in _MARK_CATEGORIES:
            end += 1
        folded = "".join(
            _fold_character(character)
            for character in unicodedata.normalize("NFKC", text[position:end])
        )
        built.put(folded, position, end)
        position = end
    return built.build()


# "@" and "." written out, as people do to keep an address from robots: in brackets ("[at]",
# "(a)", "{dot}", "(piste)") or as a word between spaces ("at", "ät", "dot", "piste", "punkt";
# "miukumauku", "kissanhäntä" and "snabel-a" are Finnish and Swedish names of "@").
_H: Final = r"[^\S\r\n]"
_AT_WORD: Final = r"(?:at|ät|miukumauku|kissanhäntä|snabel-a)"
_DOT_WORD: Final = r"(?:dot|piste|punkt)"
_BRACKETED_AT: Final = rf"[\[({{<]{_H}*+(?:{_AT_WORD}|a|@){_H}*+[\])}}>]"
_BRACKETED_DOT: Final = rf"[\[({{<]{_H}*+(?:{_DOT_WORD}|\.){_H}*+[\])}}>]"
# "@" with a space after it: with a space only before, "@name" is a handle on social media, and
# so is "@name.nuoret".
_SPACED_AT: Final = rf"{_H}*+@{_H}++"
_SPOKEN_AT: Final = rf"{_H}++{_AT_WORD}{_H}++"
_SPOKEN_DOT: Final = rf"{_H}++{_DOT_WORD}{_H}++"
_AT_SEPARATOR: Final = (
    rf"(?P<bracketed_at>{_H}*+{_BRACKETED_AT}{_H}*+)"
    rf"|(?P<spaced_at>{_SPACED_AT})"
    rf"|(?P<spoken_at>{_SPOKEN_AT})"
    r"|@"
)
_DOT_SEPARATOR: Final = rf"\.|{_H}*+{_BRACKETED_DOT}{_H}*+|{_SPOKEN_DOT}"
# Without the brackets, which would otherwise be read as part of the name before "{at}".
_PLAIN_ATOM: Final = r"[\w!#$%&'*+/=?^`|~-]{1,64}+"
_PLAIN_LABEL: Final = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
# Bounded, so that each place in a text costs at most a fixed amount of reading: a text made to
# look like endless "a dot a dot …" is still read in linear time.
_WRITTEN_OUT_ADDRESS: Final = re.compile(
    rf"(?<![\w!#$%&'*+/=?^`|~-])(?<![\w!#$%&'*+/=?^`|~-]\.)"
    rf"(?P<local>{_PLAIN_ATOM}(?:(?:{_DOT_SEPARATOR}){_PLAIN_ATOM}){{0,8}}+)"
    rf"(?:{_AT_SEPARATOR})"
    rf"{_PLAIN_LABEL}(?:(?:{_DOT_SEPARATOR}){_PLAIN_LABEL}){{0,8}}"
    rf"(?P<last_dot>{_DOT_SEPARATOR})(?P<top_level>[^\W\d_]{{2,63}}|xn--[a-z0-9-]{{1,59}})",
    re.IGNORECASE,
)
_SEPARATOR: Final = re.compile(
    rf"(?P<at>{_H}*+{_BRACKETED_AT}{_H}*+|{_SPACED_AT}|{_SPOKEN_AT})"
    rf"|(?P<dot>{_H}*+{_BRACKETED_DOT}{_H}*+|{_SPOKEN_DOT})",
    re.IGNORECASE,
)
# English words that come before "at" as a preposition, not as the name in an address: "more info
# at kalliola.fi", "sign up at …", "we met at Stoa.Then …". None is a person's address.
_WORDS_BEFORE_A_PREPOSITION: Final = frozenset(
    word
    for line in (
        "us me him her them it you we up in out on online more info information details here",
        "there available found find published posted read see seen look visit visited",
        "register registered registration apply application applications book booking",
        "bookings ticket tickets signup news live open located based held hosted meet met",
        "meeting event events stream streamed update updates form survey results materials",
        "slides recording report is was are were be been start starts started begin begins",
        "began end ends ended arrive arrived stay stayed work works worked",
    )
    for word in line.split()
)


def _is_written_out_address(match: re.Match[str]) -> bool:
    """Whether a match reads as an address rather than as an English sentence.

    "at", and "@" with spaces round it, can be a word of a sentence ("more info at kalliola.fi",
    "met at Stoa.Then"): an English word before "at" is nobody's name, and a capital letter after
    the last dot starts a sentence that a missing space ran on, since a domain is written in
    small letters or all in capitals.
    """
    if not (match["spoken_at"] or match["spaced_at"]):
        return True
    if match["spoken_at"] and match["local"].lower() in _WORDS_BEFORE_A_PREPOSITION:
        return False
    top_level = match["top_level"]
    return not (match["last_dot"] == "." and top_level[0].isupper() and not top_level.isupper())


def _written_out_addresses(text: str) -> list[re.Match[str]]:
    """The addresses with "@" or "." written out, each as the match that reads as an address."""
    matches = []
    position = 0
    while match := _WRITTEN_OUT_ADDRESS.search(text, position):
        # A shorter address may end before the sentence that made the longer reading wrong.
        candidate: re.Match[str] | None = match
        while candidate and not _is_written_out_address(candidate):
            candidate = _WRITTEN_OUT_ADDRESS.match(text, match.start(), candidate.start("last_dot"))
        if candidate:
            matches.append(candidate)
            position = candidate.end()
        else:
            position = match.start() + 1
    return matches


def _write_addresses_plainly(folded: _Normalised) -> _Normalised:
    """`folded` with every written-out "@" and "." in an address turned into the character."""
    built = _Builder()
    copied_to = 0
    for address in _written_out_addresses(folded.text):
        for separator in _SEPARATOR.finditer(folded.text, address.start(), address.end()):
            built.copy_from(folded, copied_to, separator.start())
            start, end = folded.original_span(separator.start(), separator.end())
            built.put("@" if separator["at"] else ".", start, end)
            copied_to = separator.end()
    built.copy_from(folded, copied_to, len(folded.text))
    return built.build()


def _normalise(text: str) -> _Normalised:
    return _write_addresses_plainly(_fold_characters(text))


def normalise(text: str) -> str:
    """`text` as the rules read it: as it looks to a person, whatever was done to disguise it.

    NFKC first (fullwidth and mathematical letters and digits, "＠", no-break spaces); then
    invisible characters and left-over combining marks are dropped, every decimal digit is an
    ASCII digit, every dash a hyphen, and Cyrillic and Greek look-alikes of Latin letters are the
    Latin letters; last, "@" and "." written out in an e-mail address are the characters.
    """
    return _normalise(text).text


# --- Finnish personal identity codes (henkilötunnus): DDMMYYCZZZQ ---------------------------------

# The century sign; the letters after `-` and `A` were added in 2023. Whatever dash a word
# processor or phone keyboard puts in place of the hyphen is a hyphen once normalised.
_CENTURY_OF_SIGN: Final = {
    "+": 1800,
    **dict.fromkeys("-YXWVU", 1900),
    **dict.fromkeys("ABCDEF", 2000),
}
# A code typed without its sign ("131052308T", "131052 308T") still identifies the person: the
# control character does not depend on the century.
_CENTURIES: Final = (1800, 1900, 2000)
_CONTROL_CHARACTERS: Final = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Individual numbers 002–899 are permanent, 900–999 temporary: both are given to real people.
_FIRST_INDIVIDUAL_NUMBER: Final = 2

# Not inside a longer run of letters and digits; an underscore or punctuation does not join.
# Spaces around the sign, or one space in place of it, do not hide the code.
_IDENTITY_CODE: Final = re.compile(
    r"(?<![^\W_])"
    r"(?P<day>\d\d)(?P<month>\d\d)(?P<year>\d\d)"
    r"(?:[^\S\r\n]*+(?P<century>[" + re.escape("".join(_CENTURY_OF_SIGN)) + r"])[^\S\r\n]*+"
    r"|[^\S\r\n]?)"
    r"(?P<individual>\d{3})(?P<control>[0-9A-Z])"
    r"(?![^\W_])",
    re.IGNORECASE,
)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_identity_code(match: re.Match[str]) -> bool:
    """Whether a DDMMYYCZZZQ-shaped match has a real date, individual number and control."""
    sign = match["century"]
    centuries = (_CENTURY_OF_SIGN[sign.upper()],) if sign else _CENTURIES
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not any(_is_date(century + year, month, day) for century in centuries):
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
# Times and age groups written as ranges: "09-12 13-16", "0900-1600", "0-6, 7-12", with any dash.
_RANGE: Final = r"(\d{1,4})\s*-\s*(\d{1,4})"
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

    The rules read the normalised text (see `normalise`); each finding is where it is in `text`,
    invisible characters and written-out "@" included. A phone number inside an e-mail address
    or an identity code is part of that one finding.
    """
    normalised = _normalise(text)
    findings = _find_identity_codes(normalised.text) + _find_email_addresses(normalised.text)
    findings += [
        phone for phone in _find_phone_numbers(normalised.text) if not _overlaps(phone, findings)
    ]
    in_text = [
        Finding(finding.kind, *normalised.original_span(finding.start, finding.end))
        for finding in findings
    ]
    return sorted(in_text, key=lambda finding: (finding.start, finding.end))


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
