"""No free text may identify a person: identity codes, phone numbers and e-mail addresses are found
and refused, while the dates, times, counts and sums a youth worker writes are not."""

from __future__ import annotations

import dataclasses
import time

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.migrations.writer import MigrationWriter
from django.utils import translation

from kalliola.privacy import (
    Finding,
    find_personal_data,
    normalise,
    validate_no_personal_data,
)


@pytest.fixture(autouse=True)
def english():
    # The messages are compared with their English source text.
    with translation.override("en"):
        yield


CODE = "personal_identity_code"
PHONE = "phone_number"
EMAIL = "email_address"

CONTROL_CHARACTERS = "0123456789ABCDEFHJKLMNPRSTUVWXY"
CENTURY_SIGNS = "+-YXWVUABCDEF"


def control_character(birth_date: str, individual: str) -> str:
    """The control character of an identity code: the nine digits DDMMYYZZZ mod 31."""
    return CONTROL_CHARACTERS[int(birth_date + individual) % 31]


def identity_code(birth_date: str, sign: str, individual: str) -> str:
    """An identity code with a valid control character, e.g. ("131052", "-", "308")."""
    return f"{birth_date}{sign}{individual}{control_character(birth_date, individual)}"


def with_wrong_control_character(code: str) -> str:
    right = CONTROL_CHARACTERS.index(code[-1].upper())
    return code[:-1] + CONTROL_CHARACTERS[(right + 1) % 31]


def found(text: str) -> list[tuple[str, str]]:
    """The kind and the text of every finding, in order."""
    return [(each.kind, text[each.start : each.end]) for each in find_personal_data(text)]


# --- Finnish personal identity codes --------------------------------------------------------------

# Examples published by the Digital and Population Data Services Agency for the 2023 century signs,
# and older well-known ones; test_identity_code_examples__have_the_right_control_character checks
# them against the rule rather than trusting memory.
PUBLISHED_EXAMPLES = [
    "131052-308T",
    "280264-051U",
    "010101A123N",
    "010594Y9021",
    "020594X902N",
    "030694W9024",
    "040594V902Y",
    "050594U902L",
    "010516B902W",
    "020516C902J",
    "030516D9026",
    "020502E902X",
    "020503F9037",
]


@pytest.mark.parametrize("code", PUBLISHED_EXAMPLES)
def test_identity_code_examples__have_the_right_control_character(code):
    assert code[-1] == control_character(code[:6], code[7:10])


@pytest.mark.parametrize("code", PUBLISHED_EXAMPLES)
def test_find_personal_data__recognises_a_published_example_identity_code(code):
    assert find_personal_data(code) == [Finding(CODE, 0, 11)]


@pytest.mark.parametrize("sign", CENTURY_SIGNS)
def test_find_personal_data__recognises_an_identity_code_with_every_century_sign(sign):
    code = identity_code("150607", sign, "123")

    assert found(f"Asiakkaan tunnus {code} kirjattiin.") == [(CODE, code)]


def test_find_personal_data__recognises_a_new_century_sign_identity_code():
    code = identity_code("240310", "B", "456")

    assert found(f"Syntynyt 2010, tunnus {code}") == [(CODE, code)]


@pytest.mark.parametrize("individual", ["002", "899", "900", "987", "999"])
def test_find_personal_data__recognises_permanent_and_temporary_individual_numbers(individual):
    code = identity_code("010190", "-", individual)

    assert found(code) == [(CODE, code)]


@pytest.mark.parametrize("code", ["131052-308t", "010101a123n", "010594y9021", "020503f9037"])
def test_find_personal_data__recognises_a_lower_case_identity_code(code):
    assert found(code) == [(CODE, code)]


@pytest.mark.parametrize(
    "text",
    [
        "(131052-308T)",
        "hetu: 131052-308T.",
        "hetu 131052-308T, ikä 72",
        "”131052-308T”",
        "«131052-308T»",
        "tunnus=131052-308T;",
        "id_131052-308T",
        "rivi\n131052-308T\nrivi",
        "131052-308T!",
    ],
)
def test_find_personal_data__recognises_an_identity_code_surrounded_by_punctuation(text):
    assert found(text) == [(CODE, "131052-308T")]


@pytest.mark.parametrize("dash", ["\u2010", "\u2011", "\u2013", "\u2212"])
def test_find_personal_data__recognises_an_identity_code_typed_with_another_dash(dash):
    code = f"131052{dash}308T"

    assert found(code) == [(CODE, code)]


@pytest.mark.parametrize("code", PUBLISHED_EXAMPLES)
def test_find_personal_data__ignores_an_identity_code_with_a_wrong_control_character(code):
    assert find_personal_data(with_wrong_control_character(code)) == []


@pytest.mark.parametrize("code", ["131052-308T", "010594Y9021", "020516C902J", "131052+308T"])
def test_find_personal_data__never_takes_a_wrong_control_character_for_an_identity_code(code):
    for wrong in CONTROL_CHARACTERS.replace(code[-1], ""):
        for text in (code[:-1] + wrong, (code[:-1] + wrong).lower()):
            assert CODE not in {finding.kind for finding in find_personal_data(text)}, text


def test_find_personal_data__recognises_a_mistyped_code_that_is_also_a_mobile_number_as_one():
    # Known overlap: with a wrong control character this is no identity code, but it is a
    # well-formed Finnish mobile number, 040 594 9020.
    assert found("040594-9020") == [(PHONE, "040594-9020")]


@pytest.mark.parametrize(
    ("birth_date", "sign"),
    [
        ("310252", "-"),  # 31 February
        ("290223", "-"),  # 29 February 1923: not a leap year
        ("290200", "-"),  # 29 February 1900: not a leap year either
        ("311152", "A"),  # 31 November
        ("001052", "-"),  # day 0
        ("131352", "-"),  # month 13
        ("130052", "-"),  # month 0
        ("321052", "+"),  # day 32
    ],
)
def test_find_personal_data__ignores_an_identity_code_with_an_impossible_date(birth_date, sign):
    assert find_personal_data(identity_code(birth_date, sign, "308")) == []


def test_find_personal_data__reads_the_date_for_the_century_of_the_sign():
    # 29 February 2000 was a day; 29 February 1900 was not.
    code = identity_code("290200", "A", "308")

    assert found(code) == [(CODE, code)]


@pytest.mark.parametrize("individual", ["000", "001"])
def test_find_personal_data__ignores_individual_numbers_that_are_never_given(individual):
    assert find_personal_data(identity_code("131052", "-", individual)) == []


@pytest.mark.parametrize("sign", ["G", "Z", "/", "*", "."])
def test_find_personal_data__ignores_an_unknown_century_sign(sign):
    assert find_personal_data(identity_code("131052", sign, "308")) == []


@pytest.mark.parametrize(
    "text", ["X131052-308T", "131052-308TX", "1131052-308T", "131052-308T9", "ä131052-308T"]
)
def test_find_personal_data__ignores_an_identity_code_inside_a_longer_run_of_letters_and_digits(
    text,
):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Tilausnumero 131052-3080",
        "Laskun viite 2025-0312-4",
        "Kokous 12.03.2025 klo 18–20",
        "Päätös 131052/308",
    ],
)
def test_find_personal_data__ignores_order_numbers_and_dates_shaped_like_identity_codes(text):
    assert find_personal_data(text) == []


# --- Phone numbers --------------------------------------------------------------------------------

PHONE_NUMBERS = [
    "040 123 4567",
    "040-1234567",
    "0401234567",
    "+358 40 123 4567",
    "+358401234567",
    "(09) 310 1234",
    "09 3101 234",
    "+46 70 123 45 67",
    "00358 40 1234567",
    "050 555 1234",
    "045-678 9012",
    "040 1234 567",
    "040 123 45 67",
    "040–123 4567",
    "0400 123 456",
    "+358 (0)40 123 4567",
    "+358-40-1234567",
    "+358 9 310 1234",
    "+44 20 7946 0958",
    "+372 5123 4567",
    "+33 6 12 34 56 78",
    "+252 61 5123456",
]


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_find_personal_data__recognises_a_phone_number_in_a_sentence(number):
    assert found(f"Nuori antoi numeron {number}, soitetaan huomenna.") == [(PHONE, number)]


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_find_personal_data__recognises_a_phone_number_alone(number):
    assert found(number) == [(PHONE, number)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("puh. 0401234567", "0401234567"),
        ("Puhelin:0401234567", "0401234567"),
        ("puh0401234567", "0401234567"),
        ("0401234567puh", "0401234567"),
        ("040\u00a0123\u00a04567", "040\u00a0123\u00a04567"),
        ("+358\u202f40\u202f123\u202f4567", "+358\u202f40\u202f123\u202f4567"),
        ("tel:+358401234567", "+358401234567"),
        ("٠٤٠١٢٣٤٥٦٧", "٠٤٠١٢٣٤٥٦٧"),
    ],
)
def test_find_personal_data__recognises_a_phone_number_however_it_is_typed(text, number):
    assert found(text) == [(PHONE, number)]


@pytest.mark.parametrize(
    "text",
    [
        "Strategiakausi 2023–2025",
        "Strategiakausi 2023-2025",
        "vuonna 2024",
        "2023 2024 2025",
        "12.3.2025",
        "12.03.2025 klo 18-20",
        "1.1.–31.12.2025",
        "01.01.2025-31.12.2025",
        "12/2024",
        "ajalla 01/2024-06/2024",
        "klo 18.00–20.30",
        "klo 08:00-16:00",
        "kello 0900-1600",
        "klo 09-12 ja 13-16",
        "aukiolo 09-12 13-16",
        "viikot 01-05 07-09",
        "vko 10-12, 14-16",
        "15 osallistujaa",
        "3 + 4 vapaaehtoista",
        "30 0-12v ja 20 13-17v",
        "00530 Helsinki",
        "Sturenkatu 12 A 4, 00530 Helsinki",
        "00100 Helsinki 00530",
        "ikäryhmä 13-17",
        "0–12 v",
        "0-12-vuotiaat",
        "ryhmät 0-6 7-12 13-17",
        "ryhmät 0-6, 7-12 ja 13-17",
        "ikä 06-09 10-12",
        "1 500 €",
        "10 000 euroa",
        "6 000 000 €",
        "avustus 0,5 M€",
        "1000–2000 euroa",
        "0,5-1,5 h",
        "Sturenkatu 12 A 4",
        "talo 0 krs 2 huone 204",
        "Hätänumero 112",
        "tilausnumero 0123456",
        "Q1-Q2 2025",
    ],
)
def test_find_personal_data__ignores_what_a_youth_worker_legitimately_writes(text):
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    ["Sekasin-chat 0800 12 34 56", "Maksuton 0800 123 456", "Poliisi 0295 419 800", "020 123 4567"],
)
def test_find_personal_data__ignores_the_numbers_of_services_that_no_person_has(text):
    assert find_personal_data(text) == []


# Each has a valid business ID check digit and would pass for a phone number without it.
@pytest.mark.parametrize("business_id", ["0201256-6", "0918901-4", "0501234-2"])
def test_find_personal_data__ignores_a_finnish_business_id(business_id):
    assert find_personal_data(f"Kumppanin Y-tunnus {business_id}") == []


def test_find_personal_data__recognises_a_number_shaped_like_a_business_id_with_a_wrong_check():
    assert found("0501234-3") == [(PHONE, "0501234-3")]


def test_find_personal_data__refuses_an_organisations_landline_as_any_other():
    # Known limit: a helpline's ordinary landline cannot be told apart from a person's.
    assert found("Kriisipuhelin 09 2525 0111") == [(PHONE, "09 2525 0111")]


def test_find_personal_data__recognises_each_of_several_phone_numbers():
    text = "+358 40 123 4567 / 050 765 4321"

    assert found(text) == [(PHONE, "+358 40 123 4567"), (PHONE, "050 765 4321")]


# --- E-mail addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "matti.meikalainen@example.fi",
        "nimi+nuoret@sub.example.com",
        "etunimi_sukunimi@example.org",
        "O'Brien@example.ie",
        "äijälä@esimerkki.fi",
        "matti@esimerkki.ålandsbanken",
        "MATTI@EXAMPLE.FI",
        "nuori2008@hotmail.com",
    ],
)
def test_find_personal_data__recognises_an_email_address_in_a_sentence(address):
    assert found(f"Yhteys: {address}, vastaa iltaisin.") == [(EMAIL, address)]


@pytest.mark.parametrize(
    "text",
    [
        "<matti@example.fi>",
        "mailto:matti@example.fi",
        "(matti@example.fi)",
        "matti@example.fi.",
        "yhteystiedot...matti@example.fi",
    ],
)
def test_find_personal_data__recognises_an_email_address_surrounded_by_punctuation(text):
    assert found(text) == [(EMAIL, "matti@example.fi")]


@pytest.mark.parametrize(
    "text",
    [
        "klo 18 @ nuorisotalo",
        "seuraa @kalliola_nuoret",
        "matti@localhost",
        "hinta 5 €@kpl",
        "nimi at gmail",
        "seuraa @kalliola.nuoret",
        "More info at kalliola.fi",
        "Sign up at kalliola.fi/nuoret",
        "We met at Stoa.Then we walked to Kontula.",
    ],
)
def test_find_personal_data__ignores_what_is_not_an_email_address(text):
    assert find_personal_data(text) == []


def test_find_personal_data__reports_a_phone_number_in_an_email_address_as_the_address():
    assert found("0401234567@sms.example.fi") == [(EMAIL, "0401234567@sms.example.fi")]


def test_find_personal_data__leaves_a_handle_with_a_space_only_before_the_at_sign():
    # Known limit: "@kalliola.nuoret" is how a social media account is written, so "matti
    # @kalliola.fi" is let through; with a space after "@", or around it, it is refused.
    assert find_personal_data("matti @kalliola.fi") == []


# --- Disguised identifiers ------------------------------------------------------------------------

# Each reads to a person as an identity code, a phone number or an e-mail address, and each was
# written to get past a rule that compares characters. Those marked "review" are among the ones a
# hostile review of the guard found it let through.
DISGUISED = [
    # Identity codes
    ("131052\u200b-308T", CODE),  # review: a zero-width space
    ("131052-\u200c308T", CODE),  # a zero-width non-joiner
    ("1310\u200d52-308T", CODE),  # a zero-width joiner
    ("131052\u2060-308T", CODE),  # a word joiner
    ("131052-30\ufeff8T", CODE),  # a zero-width no-break space
    ("13105\u00ad2-308T", CODE),  # a soft hyphen
    ("131052\u200e-308T", CODE),  # a left-to-right mark
    ("１３１０５２－３０８Ｔ", CODE),  # fullwidth
    ("𝟏𝟑𝟏𝟎𝟓𝟐-𝟑𝟎𝟖𝐓", CODE),  # mathematical bold
    ("١٣١٠٥٢-٣٠٨T", CODE),  # Arabic-Indic digits
    ("۱۳۱۰۵۲-۳۰۸T", CODE),  # Persian digits
    ("131052—308T", CODE),  # an em dash
    ("131052\u2012308T", CODE),  # a figure dash
    ("131052\u2015308T", CODE),  # a horizontal bar
    ("131052–308T", CODE),  # an en dash
    ("131052−308T", CODE),  # a minus sign
    ("131052 - 308T", CODE),
    ("131052 -308T", CODE),
    ("010101 A 123N", CODE),
    ("131052308T", CODE),  # no century sign
    ("131052 308T", CODE),  # a space for the century sign
    ("131052-308\u0422", CODE),  # a Cyrillic T
    ("010101\u0410123N", CODE),  # a Cyrillic A as the century sign
    ("010594\u03a59021", CODE),  # a Greek Upsilon as the century sign
    ("131052-308\u0301T", CODE),  # a combining accent
    # Phone numbers
    ("040\u200b123\u200b4567", PHONE),
    ("0\u200c40\ufeff1234567", PHONE),
    ("040\u00ad123\u00ad4567", PHONE),
    ("+358\u200b40\u200b123\u200b4567", PHONE),
    ("０４０ １２３ ４５６７", PHONE),
    ("٠٤٠ ١٢٣ ٤٥٦٧", PHONE),
    ("⁰⁴⁰¹²³⁴⁵⁶⁷", PHONE),  # superscript digits
    ("0️⃣4️⃣0️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣", PHONE),  # keycap emoji
    ("040\u2800123\u28004567", PHONE),  # blank Braille cells for spaces
    ("040.123.4567", PHONE),
    ("(040) 123 4567", PHONE),
    ("+358 (0)40-123 45 67", PHONE),
    ("+358.40.123.4567", PHONE),
    ("040—123—4567", PHONE),
    # E-mail addresses
    ("matti\u200b@kalliola.fi", EMAIL),  # review: a zero-width space
    ("matti@kalli\u200bola.fi", EMAIL),
    ("matti.meikalainen\u00ad@kalliola.fi", EMAIL),
    ("matti＠kalliola.fi", EMAIL),  # review: a fullwidth at sign
    ("matti﹫kalliola.fi", EMAIL),  # a small at sign
    ("matti@kalliola．fi", EMAIL),  # a fullwidth full stop
    ("matti@kalliola。fi", EMAIL),  # an ideographic full stop
    ("ｍａｔｔｉ＠ｋａｌｌｉｏｌａ．ｆｉ", EMAIL),
    ("matti[at]kalliola.fi", EMAIL),  # review
    ("matti(at)kalliola.fi", EMAIL),  # review
    ("matti{at}kalliola.fi", EMAIL),
    ("matti<at>kalliola.fi", EMAIL),
    ("matti [at] kalliola [dot] fi", EMAIL),
    ("matti (at) kalliola (dot) fi", EMAIL),
    ("matti [ at ] kalliola [ dot ] fi", EMAIL),
    ("matti(a)kalliola.fi", EMAIL),
    ("matti[@]kalliola.fi", EMAIL),
    ("matti[ät]kalliola[piste]fi", EMAIL),
    ("matti(at)kalliola(piste)fi", EMAIL),
    ("matti@kalliola(dot)fi", EMAIL),
    ("matti at kalliola dot fi", EMAIL),
    ("matti at kalliola.fi", EMAIL),
    ("MATTI AT KALLIOLA DOT FI", EMAIL),
    ("matti ät kalliola piste fi", EMAIL),
    ("matti dot meikalainen at gmail dot com", EMAIL),
    ("nimi at gmail dot com", EMAIL),
    ("matti @ kalliola.fi", EMAIL),
    ("matti@ kalliola.fi", EMAIL),
    ("matti (miukumauku) kalliola.fi", EMAIL),
    ("matti snabel-a kalliola punkt se", EMAIL),
]
DISGUISED_IDS = [ascii(text) for text, _ in DISGUISED]


@pytest.mark.parametrize(("text", "kind"), DISGUISED, ids=DISGUISED_IDS)
def test_find_personal_data__sees_through_a_disguised_identifier(text, kind):
    assert found(f"Nuori antoi tiedon {text}, palataan asiaan.") == [(kind, text)]


@pytest.mark.parametrize(("text", "kind"), DISGUISED, ids=DISGUISED_IDS)
def test_validate_no_personal_data__refuses_a_disguised_identifier_saying_what_it_is(text, kind):
    with pytest.raises(ValidationError) as raised:
        validate_no_personal_data(text)

    assert raised.value.messages == [MESSAGES[kind]]


# How each language's message begins: the kind of identifier is named there.
TRANSLATED_BEGINNINGS = {
    ("fi", CODE): "Tekstissä on jotain, joka näyttää henkilötunnukselta.",
    ("fi", PHONE): "Tekstissä on jotain, joka näyttää puhelinnumerolta.",
    ("fi", EMAIL): "Tekstissä on jotain, joka näyttää sähköpostiosoitteelta.",
    ("sv", CODE): "Texten innehåller något som ser ut som en personbeteckning.",
    ("sv", PHONE): "Texten innehåller något som ser ut som ett telefonnummer.",
    ("sv", EMAIL): "Texten innehåller något som ser ut som en e-postadress.",
}


@pytest.mark.parametrize(
    ("language", "text", "kind"),
    [
        ("fi", "131052\u200b-308T", CODE),
        ("fi", "０４０ １２３ ４５６７", PHONE),
        ("fi", "matti[ät]kalliola[piste]fi", EMAIL),
        ("sv", "131052 - 308T", CODE),
        ("sv", "040\u200b123\u200b4567", PHONE),
        ("sv", "matti snabel-a kalliola punkt se", EMAIL),
    ],
)
def test_validate_no_personal_data__names_what_it_found_in_the_users_language(language, text, kind):
    with translation.override(language):
        with pytest.raises(ValidationError) as raised:
            validate_no_personal_data(text)
        # The message is lazy: it is translated when read.
        [message] = raised.value.messages

    assert message.startswith(TRANSLATED_BEGINNINGS[language, kind])


def test_find_personal_data__sees_through_every_kind_of_disguise_in_one_text():
    text = (
        "Tunnus 131052\u200b-308T, puh. ０４０ １２３ ４５６７, "
        "osoite matti (at) kalliola (dot) fi."
    )

    assert found(text) == [
        (CODE, "131052\u200b-308T"),
        (PHONE, "０４０ １２３ ４５６７"),
        (EMAIL, "matti (at) kalliola (dot) fi"),
    ]


@pytest.mark.parametrize(
    "model_field",
    [
        field
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if validate_no_personal_data in getattr(field, "validators", [])
    ],
    ids=str,
)
def test_every_guarded_model_field__refuses_a_disguised_address(model_field):
    # The forms and the live validation while typing take their validators from these fields.
    with pytest.raises(ValidationError):
        model_field.run_validators("Osoite matti [at] kalliola [dot] fi")


def test_the_guarded_model_fields__include_the_activity_log_and_the_signals():
    guarded = {
        str(field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if validate_no_personal_data in getattr(field, "validators", [])
    }

    assert {
        "neighbourhoods.Activity.title",
        "neighbourhoods.Activity.description",
        "neighbourhoods.Activity.heard",
        "neighbourhoods.Signal.text",
    } <= guarded


# --- Ordinary text --------------------------------------------------------------------------------

# What staff write in activity descriptions and signals: times, dates, years, counts, sums,
# postcodes, street addresses, English "at", Finnish words with "ät", "(a)" in a list, web sites,
# handles. The false-positive rate of the guard is measured on this corpus: it was 0 of these
# before "@" and "." written out and disguised characters were looked for, and must stay 0.
ORDINARY_TEXTS = [
    "Tapasimme klo 18.30 at the youth centre",
    "Osallistujia oli 12 (at least)",
    "Kävimme Itäkeskuksessa 3.5.2024",
    "hinta 12,50 €",
    "Nuorisotalo Kontulankaari 1 A 12, 00940 Helsinki",
    "Postinumero 00940",
    "Iltapäiväkerho ma–to klo 14.00–16.30, 15 osallistujaa.",
    "Ryhmässä oli 7–12-vuotiaita 14 ja 13–17-vuotiaita 22.",
    "Strategiakauden 2023–2025 tavoite 2 eteni.",
    "Kävijämäärä nousi 15 % vuodesta 2023.",
    "Tarvikkeet 1 250,00 € (alv 0 %).",
    "Tapahtuma 24.12. klo 12–15, mukana 2 ohjaajaa + 1 harjoittelija.",
    "Palaute kyselystä: 4,5/5, vastaajia 45/60.",
    "Vko 41 oli syyslomaviikko, kävijöitä 1 234.",
    "Hätämajoitus oli taas täynnä, moni nukkui rappukäytävissä.",
    "Mätäjoen varrella pidettiin siivoustalkoot 18.5.",
    "Kätilöopiston edustalla jalkauduttiin klo 21–23.",
    "Nuoret kertoivat, että hätäkeskukseen (112) on vaikea soittaa ilman suomen kieltä.",
    "Ät-merkkiä ei tähän kenttään kirjoiteta.",
    "Vaihtoehdot (a) ja (b) esiteltiin ryhmälle.",
    "Seuraa meitä Instagramissa @kalliolanuoret ja @kalliola.nuoret",
    "Tapasimme @ Itäkeskus klo 18",
    "Lisätietoja www.kalliola.fi ja kalliola.fi/nuoret",
    "Ilmoittautuminen kalliola.fi-sivustolla 1.9. mennessä.",
    "Tila 120 m², vuokra 1 500 €/kk.",
    "Budjetti 0,5 M€ vuosille 2024–2026.",
    "Asunnottomuus lisääntyi Kontulassa talven 2024–2025 aikana.",
    "Paperittomat nuoret kysyivät terveyspalveluista, 6 kysymystä.",
    "Signaali: vuokrat nousivat, 3 perhettä joutui muuttamaan.",
    "Avustus haettiin 15.3.2025, päätös 6/2025.",
    "Koulutus Teamsissa klo 14.15, kesto 1,5 h.",
    "Kumppanin Y-tunnus 0201256-6.",
    "Nuoriso\u00adtalolla oli 👨\u200d👩\u200d👧 perheilta.",
    "Vi träffade 8 unga på Stoa kl. 17–19.",
    "Ungdomarna åt pizza tillsammans efter matchen.",
    "Punkt 4 på agendan: budgeten för 2025.",
    "Vi var på Kontula bibliotek 3.5.2024 kl. 18.30.",
    "We met 12 young people at Stoa at 6 pm.",
    "Meeting at 18:00 at the library, 25 people at most.",
    "More info at kalliola.fi",
    "Sign up at kalliola.fi/nuoret before 1 September.",
    "We met at Stoa.Then we walked to Itäkeskus.",
    "The group meets at 17.30 at Kontula youth centre.",
    "Open at 9-12 and 13-16, closed at weekends.",
    "Встреча в 18:00, пришли 10 молодых людей.",
]


@pytest.mark.parametrize("text", ORDINARY_TEXTS)
def test_find_personal_data__lets_an_ordinary_sentence_through(text):
    assert find_personal_data(text) == []


def test_find_personal_data__has_no_false_positives_on_the_ordinary_corpus():
    refused = [text for text in ORDINARY_TEXTS if find_personal_data(text)]

    assert len(ORDINARY_TEXTS) >= 40
    assert len(refused) / len(ORDINARY_TEXTS) == 0, refused


# --- Normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("131052\u200b-308T", "131052-308T"),
        ("nuoriso\u00adtalo\u2060\ufeff", "nuorisotalo"),
        ("\u200e\u202eabc\u202c", "abc"),
        ("１３１０５２－３０８Ｔ", "131052-308T"),
        ("𝟏𝟑𝟏𝟎𝟓𝟐", "131052"),
        ("١٣١٠٥٢ ۱۳۱۰۵۲ १३१०५२", "131052 131052 131052"),
        ("⁰⁴⁰", "040"),
        ("0\ufe0f\u20e34\ufe0f\u20e3", "04"),
        ("a\u2010b\u2011c\u2012d\u2013e\u2014f\u2015g\u2212h", "a-b-c-d-e-f-g-h"),
        ("040\u00a0123\u202f4567\u3000x\u2800y", "040 123 4567 x y"),
        ("308\u0422 \u0410\u0412\u0421 \u03a5\u0395", "308T ABC YE"),
        ("a\u0308ija\u0308la\u0308", "äijälä"),
        ("1\u0301", "1"),
        ("matti＠kalliola．fi", "matti@kalliola.fi"),
        ("matti@kalliola。fi", "matti@kalliola.fi"),
        ("matti[at]kalliola.fi", "matti@kalliola.fi"),
        ("matti (at) kalliola (dot) fi", "matti@kalliola.fi"),
        ("matti { AT } kalliola < DOT > fi", "matti@kalliola.fi"),
        ("matti(a)kalliola[.]fi", "matti@kalliola.fi"),
        ("matti at kalliola dot fi", "matti@kalliola.fi"),
        ("matti at kalliola.fi", "matti@kalliola.fi"),
        ("matti dot meikalainen ät gmail piste com", "matti.meikalainen@gmail.com"),
        ("matti kissanhäntä kalliola piste fi", "matti@kalliola.fi"),
        ("anna snabel-a kalliola punkt se", "anna@kalliola.se"),
        ("matti @ kalliola.fi", "matti@kalliola.fi"),
        ("Yhteys: matti at kalliola dot fi, kiitos", "Yhteys: matti@kalliola.fi, kiitos"),
    ],
)
def test_normalise__makes_the_text_read_as_it_looks(text, normalised):
    assert normalise(text) == normalised


@pytest.mark.parametrize(
    "text",
    [
        "Tapasimme klo 18.30 at the youth centre",
        "Osallistujia oli 12 (at least)",
        "Vaihtoehdot (a) ja (b)",
        "seuraa @kalliola.nuoret",
        "klo 18 @ nuorisotalo",
        "More info at kalliola.fi",
        "We met at Stoa.Then we left",
        "nimi at gmail",
        "Ät-merkki, hätä, mätä",
        "Ungdomarna åt pizza, punkt 4",
        "rivi\nrivi\ttabulaattori\r\n",
        "Tapahtuma 24.12. klo 12-15, hinta 12,50 €",
    ],
)
def test_normalise__leaves_ordinary_text_as_it_is(text):
    assert normalise(text) == text


@pytest.mark.parametrize("text", [text for text, _ in DISGUISED], ids=DISGUISED_IDS)
def test_normalise__gives_the_same_text_when_run_again(text):
    assert normalise(normalise(text)) == normalise(text)


def test_normalise__gives_an_empty_text_for_only_invisible_characters():
    assert normalise("\u200b\u200c\u200d\u2060\ufeff\u00ad") == ""


# --- Several at once ------------------------------------------------------------------------------


def test_find_personal_data__finds_several_kinds_in_the_order_they_appear():
    text = (
        "Tapasimme 12.03.2025 klo 18–20 nuoren (131052-308T), joka antoi numeron 040 123 4567 "
        "ja osoitteen nuori@example.fi. Paikalla 15 osallistujaa, ikä 13-17."
    )

    assert found(text) == [
        (CODE, "131052-308T"),
        (PHONE, "040 123 4567"),
        (EMAIL, "nuori@example.fi"),
    ]


def test_find_personal_data__finds_nothing_in_an_ordinary_log_entry():
    text = (
        "Iltapäiväkerho 12.03.2025 klo 14–16, Sturenkatu 12 A 4, 00530 Helsinki. "
        "15 osallistujaa (ikä 7–12 v), 3 + 4 vapaaehtoista. Tarvikkeet 1 500 €. "
        "Strategiakauden 2023–2025 tavoite 2."
    )

    assert find_personal_data(text) == []


def test_find_personal_data__finds_nothing_in_an_empty_text():
    assert find_personal_data("") == []


@pytest.mark.parametrize(
    "text",
    [
        "a" * 50_000,
        "1" * 50_000,
        "a." * 25_000,
        "x@" + "a-" * 25_000,
        "0 " * 25_000,
        "a dot " * 10_000,
        "a at " * 12_000,
        "a(at)" * 10_000,
        ("a dot " * 8 + "a at ") * 1_500,
        "a at " + "bb dot " * 10_000,
        "us at a.Bb " * 5_000,
        "a\u0308" * 25_000,
        "\u200b" * 50_000,
        "١" * 50_000,
    ],
    ids=[
        "letters",
        "digits",
        "dotted",
        "hyphenated domain",
        "spaced digits",
        "spelled-out dots",
        "spelled-out at signs",
        "bracketed at signs",
        "long spelled-out names",
        "long spelled-out domain",
        "sentences after at",
        "combining marks",
        "zero-width spaces",
        "Arabic-Indic digits",
    ],
)
def test_find_personal_data__reads_a_long_text_in_linear_time(text):
    # A form field must not be a way to keep the server busy: each of these took seconds when
    # the e-mail pattern could start over at every character.
    started = time.perf_counter()

    find_personal_data(text)

    assert time.perf_counter() - started < 2


def test_finding__cannot_be_changed():
    finding = Finding(PHONE, 0, 10)

    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 1  # type: ignore[misc]


# --- The validator --------------------------------------------------------------------------------

MESSAGES = {
    CODE: "This text contains something that looks like a Finnish personal identity code. "
    "Nothing saved here may identify a person: remove it and describe the situation without it.",
    PHONE: "This text contains something that looks like a phone number. "
    "Nothing saved here may identify a person: remove it and describe the situation without it.",
    EMAIL: "This text contains something that looks like an e-mail address. "
    "Nothing saved here may identify a person: remove it and describe the situation without it.",
}


def test_validate_no_personal_data__accepts_text_without_personal_data():
    validate_no_personal_data("Kokous 12.03.2025 klo 18-20, 15 osallistujaa, ikä 13-17.")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Tunnus 131052-308T", CODE),
        ("Soita 040 123 4567", PHONE),
        ("Osoite nuori@example.fi", EMAIL),
    ],
)
def test_validate_no_personal_data__says_what_was_found_and_why_it_cannot_be_stored(text, kind):
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        validate_no_personal_data(text)

    assert raised.value.messages == [MESSAGES[kind]]
    [error] = raised.value.error_list
    assert error.code == "personal_data"
    assert error.params == {"kind": kind, "count": 1}


def test_validate_no_personal_data__gives_one_message_for_each_kind_found():
    text = "Nuori@example.fi, 040 123 4567 tai 050 765 4321, tunnus 010101A123N"

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        validate_no_personal_data(text)

    assert raised.value.messages == [MESSAGES[CODE], MESSAGES[PHONE], MESSAGES[EMAIL]]
    assert [error.params for error in raised.value.error_list] == [
        {"kind": CODE, "count": 1},
        {"kind": PHONE, "count": 2},
        {"kind": EMAIL, "count": 1},
    ]
    assert {error.code for error in raised.value.error_list} == {"personal_data"}


def test_validate_no_personal_data__does_not_repeat_what_was_found():
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        validate_no_personal_data("Soita 040 123 4567 tai kirjoita nuori@example.fi")

    assert not any("4567" in message or "nuori@" in message for message in raised.value.messages)


def test_validate_no_personal_data__refuses_a_form_field_value():
    field = forms.CharField(validators=[validate_no_personal_data])

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        field.clean("Soita 040 123 4567")

    assert raised.value.messages == [MESSAGES[PHONE]]


def test_validate_no_personal_data__can_be_written_into_a_migration():
    serialized, imports = MigrationWriter.serialize(validate_no_personal_data)

    assert serialized == "kalliola.privacy.validate_no_personal_data"
    assert imports == {"import kalliola.privacy"}
