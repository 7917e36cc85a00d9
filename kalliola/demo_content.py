"""The Finnish content of the demo history: units, partners, projects, titles, texts, weights.

Read by the create_demo_data command. Every text here is checked by the privacy validator when
the command runs; none names a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from neighbourhoods.models import Partner, Project, Signal, Unit

# --- Activity types (as the first migration names them) ------------------------------------------

OUTREACH = "Jalkautuva työ"
EVENT = "Yhteisötapahtuma"
GROUP = "Ryhmätoiminta"
SERVICE = "Palvelu"
WORKSHOP = "Yhteiskehittämisen työpaja"
COMMUNICATION = "Viestintä"
TRAINING = "Koulutus"
OTHER = "Muu"

# --- Profiles: what a kind of unit does, with whom ----------------------------------------------

RESIDENTS = "residents"
YOUTH = "youth"
ADULT_EDUCATION = "adult_education"
EMPLOYMENT = "employment"
SENIORS = "seniors"


@dataclass(frozen=True)
class UnitSpec:
    name: str
    kind: str
    profile: str
    share: float  # of all activities
    weekend: float  # how much of its usual work it does on a weekend day
    home: tuple[str, ...]  # areas (or their basic districts) where most of its work happens
    types: Mapping[str, float]
    # Weights of AGE_BANDS: 0–12, 13–17, 18–29, 30–64, 65+, unknown.
    ages: tuple[float, float, float, float, float, float]
    themes: tuple[int, ...]  # positions of inequality themes, most typical first


UNITS = (
    UnitSpec(
        name="Asukastalo Kalliossa (demo)",
        kind=Unit.Kind.RESIDENTS_HOUSE,
        profile=RESIDENTS,
        share=0.20,
        weekend=0.8,
        home=("Kallio", "Alppiharju", "Vallila"),
        types={EVENT: 25, GROUP: 35, OUTREACH: 10, SERVICE: 10, WORKSHOP: 8, OTHER: 8},
        ages=(18, 4, 10, 38, 25, 5),
        themes=(6, 7, 1, 2),
    ),
    UnitSpec(
        name="Asukastalo Kontulassa (demo)",
        kind=Unit.Kind.RESIDENTS_HOUSE,
        profile=RESIDENTS,
        share=0.18,
        weekend=0.8,
        home=("Kontula", "Myllypuro", "Jakomäki", "Malmi"),
        types={EVENT: 25, GROUP: 33, OUTREACH: 12, SERVICE: 12, WORKSHOP: 8, OTHER: 6},
        ages=(22, 6, 8, 38, 20, 6),
        themes=(7, 6, 2, 1),
    ),
    UnitSpec(
        # The unit create_demo_users puts the quick start's staff user in.
        name="Nuorisotyö (demo)",
        kind=Unit.Kind.YOUTH_WORK,
        profile=YOUTH,
        share=0.25,
        weekend=0.6,
        home=(),
        types={OUTREACH: 35, GROUP: 35, EVENT: 12, WORKSHOP: 6, SERVICE: 4, OTHER: 3},
        ages=(14, 66, 15, 3, 0, 2),
        themes=(4, 3, 5),
    ),
    UnitSpec(
        name="Kansalaisopisto (demo)",
        kind=Unit.Kind.ADULT_EDUCATION,
        profile=ADULT_EDUCATION,
        share=0.15,
        weekend=0.4,
        home=("Kallio", "Alppiharju", "Malmi"),
        types={GROUP: 50, TRAINING: 25, EVENT: 8, WORKSHOP: 7, OTHER: 5},
        ages=(2, 3, 17, 53, 25, 0),
        themes=(3, 7, 2),
    ),
    UnitSpec(
        name="Kalliolan työllisyyspalvelut (demo)",
        kind=Unit.Kind.SERVICE,
        profile=EMPLOYMENT,
        share=0.12,
        weekend=0.1,
        home=(),
        types={SERVICE: 60, OUTREACH: 12, GROUP: 12, TRAINING: 5, WORKSHOP: 6, OTHER: 5},
        ages=(0, 3, 35, 57, 3, 2),
        themes=(2, 7, 1, 3),
    ),
    UnitSpec(
        name="Senioreiden päivätoiminta (demo)",
        kind=Unit.Kind.SERVICE,
        profile=SENIORS,
        share=0.10,
        weekend=0.2,
        home=("Vallila", "Kallio", "Myllypuro"),
        types={GROUP: 45, SERVICE: 25, EVENT: 15, OUTREACH: 5, WORKSHOP: 4, OTHER: 6},
        ages=(0, 0, 1, 14, 83, 2),
        themes=(6, 5),
    ),
)
# Every unit also communicates and trains now and then.
COMMON_TYPES = {COMMUNICATION: 3, TRAINING: 3}
DEMO_STAFF_PER_UNIT = 2
HOME_SHARE = 0.85  # of a unit's work that happens in its home areas, if it has some

PARTNERS = (
    ("Kallio-Seura (demo)", Partner.Sector.RESIDENTS),
    ("Kontulan asukasyhdistys (demo)", Partner.Sector.RESIDENTS),
    ("Lähikauppa Kulmapuoti (demo)", Partner.Sector.BUSINESS),
    ("Kahvila Kurvi (demo)", Partner.Sector.BUSINESS),
    ("Ruoka-apuyhdistys Itäinen (demo)", Partner.Sector.THIRD_SECTOR),
    ("Nuorten Tuki ry (demo)", Partner.Sector.THIRD_SECTOR),
    ("Monikulttuurinen naisyhdistys (demo)", Partner.Sector.THIRD_SECTOR),
    ("Kontulan kirppistiimi (demo)", Partner.Sector.FOURTH_SECTOR),
    ("Kallion puistotalkoolaiset (demo)", Partner.Sector.FOURTH_SECTOR),
    ("Nuorisopalvelut, Helsingin kaupunki (demo)", Partner.Sector.PUBLIC),
    ("Työllisyyspalvelut, Helsingin kaupunki (demo)", Partner.Sector.PUBLIC),
    ("Kontulan kirjasto (demo)", Partner.Sector.PUBLIC),
    ("Malmin terveysasema (demo)", Partner.Sector.PUBLIC),
    ("Kallion lukio (demo)", Partner.Sector.EDUCATION),
    ("Myllypuron peruskoulu (demo)", Partner.Sector.EDUCATION),
    ("Ammattikorkeakoulu, sosiaaliala (demo)", Partner.Sector.EDUCATION),
)
# The sectors each profile mostly works with; any other partner joins now and then.
Sector = Partner.Sector
PARTNER_SECTORS: Mapping[str, tuple[str, ...]] = {
    RESIDENTS: (Sector.RESIDENTS, Sector.THIRD_SECTOR, Sector.FOURTH_SECTOR),
    YOUTH: (Sector.PUBLIC, Sector.EDUCATION, Sector.THIRD_SECTOR),
    ADULT_EDUCATION: (Sector.EDUCATION, Sector.PUBLIC),
    EMPLOYMENT: (Sector.PUBLIC, Sector.BUSINESS),
    SENIORS: (Sector.THIRD_SECTOR, Sector.PUBLIC, Sector.RESIDENTS),
}
PREFERRED_SECTOR_WEIGHT = 4


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    funder_kind: str
    funder: str
    # Years of funding, counted from the strategy's first year (0): from 1 January of the first
    # to 31 December of the last; None: open-ended.
    first_year: int
    last_year: int | None
    goals: tuple[int, ...]
    profiles: tuple[str, ...]
    types: tuple[str, ...]


# One ran for the strategy's three years, one outlives it, one began in its last year.
PROJECTS = (
    ProjectSpec(
        name="Yhteisövoimaa lähiöihin (demo)",
        funder_kind=Project.FunderKind.STEA,
        funder="STEA",
        first_year=0,
        last_year=2,
        goals=(2, 3),
        profiles=(RESIDENTS, SENIORS),
        types=(OUTREACH, EVENT, WORKSHOP, GROUP),
    ),
    ProjectSpec(
        name="Harrastus kuuluu kaikille (demo)",
        funder_kind=Project.FunderKind.CITY,
        funder="Helsingin kaupunki, kulttuurin ja vapaa-ajan toimiala",
        first_year=2,
        last_year=None,
        goals=(2,),
        profiles=(YOUTH,),
        types=(GROUP, EVENT, OUTREACH),
    ),
    ProjectSpec(
        name="Polku töihin (demo)",
        funder_kind=Project.FunderKind.ESF,
        funder="Euroopan sosiaalirahasto plus (ESR+)",
        first_year=1,
        last_year=4,
        goals=(2, 3),
        profiles=(EMPLOYMENT, ADULT_EDUCATION),
        types=(SERVICE, GROUP, TRAINING, OUTREACH),
    ),
)
PROJECT_SHARE = 0.45  # of the activities a project could fund


@dataclass(frozen=True)
class TypeSpec:
    size: tuple[int, int]  # participants in all
    new: tuple[float, float]  # share of them who came for the first time
    goal: int  # the goal it mostly serves
    other_goals: Mapping[int, float]  # and how often it serves others too
    means: tuple[tuple[int, int], ...]  # (goal number, means position) that fit it
    starts: tuple[str, ...]  # usual start times; empty: no time
    hours: tuple[float, ...]  # usual durations
    partners: float  # how often a partner takes part
    volunteers: tuple[int, int]
    heard: float  # how often a signal of inequality comes up
    weekend: float  # how likely on a weekend day, compared with a weekday
    descriptions: tuple[str, ...]


TYPES: Mapping[str, TypeSpec] = {
    OUTREACH: TypeSpec(
        size=(4, 35),
        new=(0.2, 0.6),
        goal=2,
        other_goals={1: 0.15, 3: 0.1},
        means=((2, 3), (2, 5), (1, 2)),
        starts=("14:00", "15:00", "16:00", "17:00", "18:00", "19:00"),
        hours=(2, 2.5, 3),
        partners=0.3,
        volunteers=(0, 1),
        heard=0.35,
        weekend=0.8,
        descriptions=(
            "Kohtasimme ihmisiä siellä, missä he muutenkin ovat, ja kerroimme alueen maksuttomasta "
            "toiminnasta.",
            "Kiersimme parityönä alueen kohtaamispaikat. Moni pysähtyi juttelemaan pidempään.",
            "Jaoimme tietoa tulevista tapahtumista ja kuuntelimme, mitä alueella kaivataan.",
            "Rauhallinen ilta; keskusteluja syntyi erityisesti ostoskeskuksen edustalla.",
        ),
    ),
    EVENT: TypeSpec(
        size=(15, 120),
        new=(0.1, 0.4),
        goal=2,
        other_goals={1: 0.3, 3: 0.1},
        means=((2, 1), (1, 2), (1, 4)),
        starts=("11:00", "12:00", "13:00", "16:00", "17:00"),
        hours=(2, 3, 4),
        partners=0.6,
        volunteers=(1, 8),
        heard=0.15,
        weekend=3.0,
        descriptions=(
            "Tapahtuma järjestettiin yhdessä alueen toimijoiden kanssa. "
            "Paikalla oli kaikenikäisiä.",
            "Vapaaehtoiset hoitivat tarjoilun ja ohjelman. Tunnelma oli lämmin.",
            "Kävijöitä oli odotettua enemmän; ensi kerralla tarvitaan isompi tila.",
            "Tapahtumassa esittäytyi useita alueen yhdistyksiä ja harrastusryhmiä.",
        ),
    ),
    GROUP: TypeSpec(
        size=(4, 16),
        new=(0.0, 0.2),
        goal=2,
        other_goals={3: 0.15},
        means=((2, 2), (2, 4), (3, 1)),
        starts=("10:00", "13:00", "15:00", "16:00", "17:00", "17:30", "18:00"),
        hours=(1.5, 2),
        partners=0.3,
        volunteers=(0, 2),
        heard=0.1,
        weekend=0.5,
        descriptions=(
            "Ryhmä kokoontui tuttuun tapaan. Osallistujat suunnittelivat itse seuraavan kerran "
            "ohjelman.",
            "Ryhmään tuli uusia osallistujia, jotka olivat kuulleet siitä tuttaviltaan.",
            "Vertaisohjaaja veti kerran, työntekijä tuki taustalla.",
            "Hyvä ja aktiivinen kerta. Osallistujat toivovat ryhmälle jatkoa.",
        ),
    ),
    SERVICE: TypeSpec(
        size=(1, 12),
        new=(0.1, 0.5),
        goal=2,
        other_goals={3: 0.3},
        means=((2, 4), (2, 6), (3, 4)),
        starts=("09:00", "10:00", "12:00", "13:00"),
        hours=(2, 3, 4),
        partners=0.3,
        volunteers=(0, 1),
        heard=0.2,
        weekend=0.15,
        descriptions=(
            "Avoin vastaanotto ilman ajanvarausta. Yleisimmät kysymykset koskivat tukien hakemista "
            "ja sähköistä asiointia.",
            "Ohjasimme kävijöitä oikeisiin palveluihin ja autoimme lomakkeiden kanssa.",
            "Jonoa oli koko ajan; osa kävijöistä ohjattiin seuraavalle kerralle.",
        ),
    ),
    WORKSHOP: TypeSpec(
        size=(6, 25),
        new=(0.1, 0.4),
        goal=3,
        other_goals={2: 0.5},
        means=((3, 1), (3, 2), (2, 1), (2, 5)),
        starts=("13:00", "14:00", "16:00", "17:00"),
        hours=(2, 3),
        partners=0.7,
        volunteers=(0, 2),
        heard=0.3,
        weekend=0.6,
        descriptions=(
            "Työpajassa koottiin asukkaiden ideoita ja äänestettiin jatkoon vietävistä.",
            "Asukkaat, kumppanit ja työntekijät kehittivät toimintaa yhdessä pienryhmissä.",
            "Työpajan tulokset kootaan ja esitellään alueverkostolle.",
        ),
    ),
    COMMUNICATION: TypeSpec(
        size=(0, 0),
        new=(0.0, 0.0),
        goal=1,
        other_goals={2: 0.2},
        means=((1, 3), (1, 4), (1, 2)),
        starts=(),
        hours=(1,),
        partners=0.1,
        volunteers=(0, 0),
        heard=0.0,
        weekend=0.3,
        descriptions=(
            "Viestinnässä nostettiin esiin alueen maksuton toiminta.",
            "Teksti ja kuvat julkaistiin Kalliolan kanavissa ja kumppaneiden kautta.",
        ),
    ),
    TRAINING: TypeSpec(
        size=(4, 20),
        new=(0.0, 0.3),
        goal=4,
        other_goals={3: 0.2, 2: 0.2},
        means=((4, 2), (4, 5), (4, 3), (3, 3)),
        starts=("09:00", "12:00", "13:00"),
        hours=(3, 4, 6),
        partners=0.2,
        volunteers=(0, 0),
        heard=0.0,
        weekend=0.1,
        descriptions=(
            "Koulutus vahvisti osaamista kohtaavassa työssä.",
            "Osallistujat antoivat koulutuksesta hyvää palautetta ja toivoivat jatkoa.",
        ),
    ),
    OTHER: TypeSpec(
        size=(3, 14),
        new=(0.0, 0.2),
        goal=2,
        other_goals={3: 0.4},
        means=((2, 1), (3, 5)),
        starts=("09:00", "10:00", "13:00", "14:00"),
        hours=(1, 1.5, 2),
        partners=0.8,
        volunteers=(0, 0),
        heard=0.1,
        weekend=0.1,
        descriptions=(
            "Alueen toimijat kävivät läpi ajankohtaiset asiat ja sopivat yhteistyöstä.",
            "Tapaamisessa sovittiin yhteisistä tapahtumista ja tilojen käytöstä.",
        ),
    ),
}
PLANNED_DESCRIPTIONS = ("", "Ohjelma tarkentuu lähempänä.", "Vastuut sovitaan tiimipalaverissa.")

# Titles by type and profile; "*" is for a profile without titles of its own.
TITLES: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    OUTREACH: {
        YOUTH: (
            "Iltajalkautuminen ostoskeskukseen",
            "Jalkautuminen metroasemalle",
            "Nuorten kohtaamiskierros puistoissa",
            "Jalkautuminen koulun välitunnille",
            "Liikkuva nuorisotyö: kävelykierros",
            "Pop up -nuorisotila torilla",
        ),
        "*": (
            "Jalkautuminen ostoskeskukseen",
            "Pop up -kahvila torilla",
            "Kohtaamiskierros lähikaupoissa ja kirjastossa",
            "Jalkautuminen ruoka-avun jonoon",
            "Kävelykierros korttelissa",
            "Infopiste metroaseman aulassa",
        ),
    },
    EVENT: {
        YOUTH: (
            "Nuorten pelitapahtuma",
            "Nuorten bändi-ilta",
            "Koko perheen liikuntapäivä",
            "Nuorten kulttuuri-ilta",
        ),
        SENIORS: ("Senioreiden tanssiaiset", "Retki lähiluontoon", "Yhteislaulutilaisuus"),
        "*": (
            "Naapuruusjuhla",
            "Korttelikirppis",
            "Yhteisöllinen lounas",
            "Avoimet ovet",
            "Siivoustalkoot",
            "Elokuvailta",
            "Monikulttuurinen ruokailta",
            "Syysmarkkinat",
        ),
    },
    GROUP: {
        YOUTH: (
            "Nuorten iltaryhmä",
            "Tyttöjen ryhmä",
            "Poikien liikuntavuoro",
            "Pelikerho",
            "Kokkikerho nuorille",
            "Musiikkipaja",
            "Läksykerho",
        ),
        ADULT_EDUCATION: (
            "Suomen kielen keskusteluryhmä",
            "Digitaitojen kurssi",
            "Käsityöpiiri",
            "Maalauskurssi",
            "Englannin alkeet",
            "Suomi arjessa -kurssi",
        ),
        RESIDENTS: (
            "Vauvaperhekahvila",
            "Käsityöpiiri",
            "Lukupiiri",
            "Vertaistukiryhmä",
            "Kävelyryhmä",
            "Naisten olohuone",
            "Läksykerho",
        ),
        EMPLOYMENT: ("Työnhakijoiden vertaisryhmä", "Työelämän suomea -ryhmä"),
        SENIORS: (
            "Tuolijumppa",
            "Muistikahvila",
            "Laulupiiri",
            "Digitaitojen ryhmä senioreille",
            "Kävelyryhmä",
        ),
    },
    SERVICE: {
        EMPLOYMENT: (
            "Työllisyysneuvonta",
            "CV-paja",
            "Työnhakupaja nuorille",
            "Asiointiapu",
            "Ohjaus ja neuvonta",
        ),
        SENIORS: ("Päivätoiminta", "Asiointiapu", "Digituki senioreille"),
        "*": ("Ruoka-apu", "Digituki", "Asiointiapu", "Ohjaus ja neuvonta"),
    },
    WORKSHOP: {
        "*": (
            "Asukasraati: puiston kunnostus",
            "Yhteiskehittämisen työpaja nuorten tiloista",
            "Tulevaisuustyöpaja naapurustosta",
            "Kumppanityöpaja ruoka-avun yhteistyöstä",
            "Osallistuvan budjetoinnin ideointi",
            "Palvelumuotoilutyöpaja asiakkaiden kanssa",
        ),
    },
    COMMUNICATION: {
        "*": (
            "Asukasuutiskirje",
            "Somekampanja maksuttomista harrastuksista",
            "Artikkeli paikallislehteen",
            "Monikielinen esite toiminnasta",
            "Esittely kumppaniverkostolle",
            "Tapahtumakalenterin päivitys",
        ),
    },
    TRAINING: {
        ADULT_EDUCATION: (
            "Digitaitojen koulutus",
            "Ensiapukurssi",
            "Tietoturvan perusteet",
            "Järjestöosaamisen koulutus",
        ),
        "*": (
            "Vapaaehtoisten perehdytys",
            "Koulutus: traumatietoinen työote",
            "Koulutus: yhdenvertaisuus ja syrjimättömyys",
            "Koulutus: valmentava ohjaus",
            "Opiskelijoiden harjoittelujakson aloitus",
        ),
    },
    OTHER: {
        "*": (
            "Alueverkoston kokous",
            "Kumppanitapaaminen",
            "Taloyhtiön hallituksen tapaaminen",
            "Tilojen lainaus asukasryhmälle",
        ),
    },
}

# (type, profiles, months, title, days it lasts): used in about half of the fitting activities.
SEASONAL_TITLES = (
    (EVENT, (RESIDENTS, SENIORS, YOUTH), (12,), "Joulujuhla", 1),
    (EVENT, (RESIDENTS,), (2,), "Laskiaisrieha puistossa", 1),
    (EVENT, (RESIDENTS, YOUTH), (5,), "Vappupiknik", 1),
    (EVENT, (RESIDENTS, SENIORS), (6, 7, 8), "Pihajuhla", 1),
    (EVENT, (YOUTH, RESIDENTS), (8,), "Koulujen alun tapahtuma", 1),
    (EVENT, (YOUTH,), (10,), "Halloween-disko", 1),
    (GROUP, (YOUTH,), (6, 7), "Kesäleiri nuorille", 3),
    (GROUP, (ADULT_EDUCATION,), (9,), "Syyslukukauden aloitus: suomen kieli", 1),
)

# Observations of inequality by theme position, and what may follow them.
SIGNAL_TEXTS: Mapping[int, tuple[str, ...]] = {
    1: (
        "Ostoskeskuksen lähellä yöpyy ulkona useita ihmisiä, eikä kaikilla ole tietoa yömajoista.",
        "Asukkaat kertovat tuttavista, jotka ovat asuneet kuukausia toisten sohvilla.",
        "Paperittomat eivät uskalla hakeutua terveyspalveluihin, koska pelkäävät viranomaisia.",
        "Ruoka-avun jonossa oli tavallista enemmän ihmisiä, joilla ei ole vakituista asuntoa.",
    ),
    2: (
        "Moni kävijä on hakenut töitä pitkään ilman vastausta; yli viisikymppiset kokevat jäävänsä "
        "ulkopuolelle.",
        "Nuoret toivovat kesätöitä läheltä kotia, mutta tarjolla on liian vähän paikkoja.",
        "Työttömät vanhemmat kertovat, etteivät pysty maksamaan lasten harrastuksia.",
        "Kielitaito on suurin este työnhaussa, ja suomen kielen kursseille on jonoa.",
    ),
    3: (
        "Läksykerhossa kävi ilmi, että monella lapsella ei ole kotona tietokonetta koulutehtäviin.",
        "Vanhemmat eivät tunne koulujärjestelmää eivätkä osaa tukea lasta toisen asteen haussa.",
        "Nuoret kertovat keskeyttäneensä ammatillisen koulutuksen, koska eivät saaneet tukea.",
        "Aikuiset toivovat maksuttomia digitaitojen kursseja iltaisin.",
    ),
    4: (
        "Nuoret kertovat, ettei alueella ole iltaisin paikkaa, jossa voisi olla maksutta.",
        "Monella lapsella ei ole yhtään harrastusta, koska maksut ovat liian suuret.",
        "Nuoret kertoivat kiusaamisesta koulumatkalla ja sosiaalisessa mediassa.",
        "Yläkouluikäiset viettävät iltoja ostoskeskuksessa, koska nuorisotila sulkeutuu aikaisin.",
        "Yksinäisyys nousi esiin: osa nuorista ei tapaa ketään koulun ulkopuolella.",
    ),
    5: (
        "Puistossa on näkynyt avointa päihteiden käyttöä, ja lapsiperheet välttelevät aluetta.",
        "Asukkaat ovat huolissaan naapureista, jotka eivät saa mielenterveyspalveluja ajoissa.",
        "Nuorten mukaan alaikäistenkin on helppo saada päihteitä.",
        "Kävijät toivovat matalan kynnyksen keskusteluapua ilman ajanvarausta.",
    ),
    6: (
        "Ikäihmiset kokevat, että terveysasemalle on vaikea päästä ilman digitaitoja.",
        "Moni kävijä kertoi jättävänsä lääkkeitä ostamatta rahan puutteen vuoksi.",
        "Asukkaat toivovat maksutonta liikuntaa lähelle kotia, erityisesti senioreille.",
        "Ruoka-avun tarve on kasvanut: jonossa on nyt myös lapsiperheitä.",
    ),
    7: (
        "Maahan muuttaneet äidit eivät löydä suomen kielen opetusta, jossa olisi lastenhoito.",
        "Toisen polven nuoret kokevat, ettei heitä kohdella suomalaisina.",
        "Viranomaiskirjeiden ymmärtäminen on vaikeaa; asiointiapua kysytään päivittäin.",
        "Yhteisen kielen puute vaikeuttaa naapurien tutustumista toisiinsa.",
    ),
}
SIGNAL_FOLLOW_UPS = (
    "",
    " Sama asia on noussut esiin aiemminkin.",
    " Asiasta kannattaa keskustella alueverkostossa.",
    " Ohjasimme palveluihin, mutta jonot ovat pitkät.",
    " Toiveena on säännöllinen, maksuton toiminta.",
)
# (low, medium, high) by theme position; the rest: DEFAULT_URGENCY.
URGENCY: Mapping[int, tuple[float, float, float]] = {1: (1, 3, 3), 5: (1, 3, 2.5), 4: (2, 4, 1.5)}
DEFAULT_URGENCY = (3, 4, 1)
RAISED_BY_AT_ACTIVITY = {
    Signal.RaisedBy.RESIDENT: 6,
    Signal.RaisedBy.PARTNER: 1.5,
    Signal.RaisedBy.STAFF: 2,
    Signal.RaisedBy.OTHER: 0.5,
}
RAISED_BY_ELSEWHERE = {
    Signal.RaisedBy.RESIDENT: 4,
    Signal.RaisedBy.PARTNER: 3,
    Signal.RaisedBy.STAFF: 2.5,
    Signal.RaisedBy.OTHER: 0.5,
}

# Growth over the strategy's years, by year counted from its last year (0; earlier years are
# negative): how much is done (relative to that year), how many take part in each activity, and
# how much of the work is outreach, which the strategy's second goal set out to grow. The year
# after the strategy levels off. Years outside the table keep the nearest year's level, and the
# levels change gradually from one mid-year to the next rather than jumping on New Year's Day.
VOLUME_BY_YEAR = {-2: 0.72, -1: 0.85, 0: 1.0, 1: 1.04}
SIZE_BY_YEAR = {-2: 0.85, -1: 0.93, 0: 1.0, 1: 1.02}
OUTREACH_BY_YEAR = {-2: 0.6, -1: 0.85, 0: 1.0, 1: 1.05}

# Quieter on Fridays and weekends, in July, and around Christmas.
WEEKDAY_WEIGHTS = (1.0, 1.1, 1.1, 1.0, 0.7, 0.45, 0.25)
MONTH_WEIGHTS = (0.85, 1.0, 1.05, 1.0, 1.05, 0.7, 0.3, 0.85, 1.1, 1.05, 1.05, 0.85)  # January on
CHRISTMAS_WEIGHT = 0.2
