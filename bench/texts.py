"""Words for the synthetic graph: names, descriptions, addresses and telephone numbers.

Kept apart from the generator so its logic stays readable. Every name is made up; domains end in
``.example`` (reserved, never resolvable) so no generated address points at a real organisation.
"""

from __future__ import annotations

import random

COUNTRY_CENTRES = {"FR": (45.5, 3.5), "ES": (41.0, -3.0), "PL": (52.0, 19.0), "EL": (39.5, 22.0)}
COUNTRY_LANGUAGE = {"FR": "fr", "ES": "es", "PL": "pl", "EL": "el"}
ISO_COUNTRY = {"EL": "GR"}  # NUTS writes Greece EL, ISO 3166 writes it GR
LANGUAGE_NAMES = {"FR": ("French", "français"), "ES": ("Spanish", "espagnol"),
                  "PL": ("Polish", "polonais"), "EL": ("Greek", "grec")}
DIALLING = {"FR": "+33", "ES": "+34", "PL": "+48", "EL": "+30"}

# First and second halves of made-up place names, per country.
PLACE_PARTS = {
    "FR": (("Saint-Martin", "Villeneuve", "Montfort", "Beaulieu", "Roche", "Fontaine",
            "Castel", "Bourg", "Pont", "Vaux"),
           ("-sur-Durance", "-les-Vignes", "-le-Haut", "-en-Forez", "-la-Rivière", "-du-Lac",
            "", "-des-Prés", "-le-Vieux", "-sous-Bois")),
    "ES": (("Villar", "Torre", "Fuente", "Casas", "Valde", "Puebla", "Molina", "Cerro",
            "Aldea", "Santa María"),
           (" del Campo", " de la Sierra", " del Río", "rrobles", " de Arriba", " Nueva",
            " del Monte", "", " de Abajo", " Vieja")),
    "PL": (("Nowa", "Stara", "Wola", "Dąbrowa", "Górna", "Biała", "Zielona", "Kamienna",
            "Wielka", "Mała"),
           (" Wieś", " Góra", " Łąka", " Poręba", " Kolonia", " Struga", " Dolina", " Polana",
            " Huta", " Rzeka")),
    "EL": (("Ano", "Kato", "Neo", "Palaio", "Agios", "Mega", "Mikro", "Kalo", "Megalo",
            "Petro"),
           ("chori", "vrysi", "kampos", "pyrgos", "potamia", "lofos", "nerion", "dasos",
            "limni", "elaia")),
}
ORGANISATION_PATTERNS = {
    "FR": (("Association {w} de {p}", "fr"), ("Collectif {w} {p}", "fr"),
           ("Centre social de {p}", "fr")),
    "ES": (("Asociación {w} de {p}", "es"), ("Fundación {w}", "es"),
           ("Casa de acogida de {p}", "es")),
    "PL": (("Fundacja {w}", "pl"), ("Stowarzyszenie {w} {p}", "pl"), ("Centrum {p}", "pl")),
    "EL": (("Enosi {w} {p}", "el-Latn"), ("Kentro Koinotitas {p}", "el-Latn")),
}
ORGANISATION_WORDS = {
    "FR": ("Horizons", "Passerelles", "Solidarité", "Accueil", "Ensemble", "Racines", "Escale"),
    "ES": ("Horizontes", "Puentes", "Solidaridad", "Acogida", "Juntos", "Raíces", "Encuentro"),
    "PL": ("Horyzonty", "Mosty", "Solidarność", "Gościna", "Razem", "Korzenie", "Spotkanie"),
    "EL": ("Orizontes", "Gefyres", "Allileggyi", "Filoxenia", "Mazi", "Rizes", "Synantisi"),
}

# (English, French) phrases per service type, each naming what a caseworker would look for.
SERVICE_PHRASES = {
    "language": (("{L} classes for adults", "Cours de {l} pour adultes"),
                 ("{L} conversation workshop", "Atelier de conversation en {l}")),
    "employment": (("Job search support", "Accompagnement vers l'emploi"),
                   ("Help with CVs and interviews", "Aide au CV et aux entretiens")),
    "vocational-training": (("Vocational training in farming",
                             "Formation professionnelle agricole"),
                            ("Trade skills course", "Formation aux métiers du bâtiment")),
    "housing": (("Help finding housing", "Aide à la recherche de logement"),
                ("Temporary accommodation", "Hébergement temporaire")),
    "health": (("Health access point", "Point d'accès aux soins"),
               ("Mobile health clinic", "Permanence de santé mobile")),
    "mental-health": (("Psychological support", "Soutien psychologique"),
                      ("Trauma counselling", "Écoute et soutien après un traumatisme")),
    "education": (("School enrolment support", "Aide à la scolarisation"),
                  ("Homework club", "Aide aux devoirs")),
    "legal-aid": (("Legal advice on residence rights", "Conseil juridique sur le droit au séjour"),
                  ("Asylum procedure counselling", "Permanence juridique asile")),
    "social-orientation": (("Welcome and orientation sessions",
                            "Sessions d'accueil et d'orientation"),),
    "social-cohesion": (("Community garden", "Jardin partagé"),
                        ("Intercultural meetings", "Rencontres interculturelles")),
    "mobility": (("Driving licence support", "Aide au permis de conduire"),
                 ("Bicycle lending", "Prêt de vélos")),
    "digital-inclusion": (("Digital skills workshop", "Atelier numérique"),),
    "childcare": (("Childcare during classes", "Garde d'enfants pendant les cours"),),
    "financial-inclusion": (("Help opening a bank account", "Aide à l'ouverture d'un compte"),),
    "administrative-support": (("Help with paperwork", "Aide aux démarches administratives"),),
}
EXTRAS = (
    ("Sessions take place twice a week.", "Les séances ont lieu deux fois par semaine."),
    ("Interpreters can be arranged.", "Un interprète peut être prévu."),
    ("Transport from nearby villages is provided.",
     "Le transport depuis les villages voisins est assuré."),
    ("Places are limited; book ahead.", "Les places sont limitées : réservez."),
    ("Run with volunteers from the village.", "Animé avec des bénévoles du village."),
    ("Open to families with children.", "Ouvert aux familles avec enfants."),
)
OPENING_HOURS = ("Mondays and Thursdays, 9:00 to 12:00", "Weekdays, 14:00 to 17:00",
                 "Wednesdays, 10:00 to 16:00", "By appointment")
COSTS = (("free", "gratuit"), ("a small fee, waived on request", "participation modique, "
                                                                  "offerte sur demande"))
HOW_TO_APPLY = ("Ask your caseworker to call us.", "Walk in during opening hours.",
                "Register by e-mail.")
MAILBOXES = ("contact", "info", "accueil", "hello")
STREETS = {"FR": "{n} rue de la Mairie", "ES": "Calle Mayor {n}", "PL": "ul. Główna {n}",
           "EL": "Odos Eleftherias {n}"}


def place_name(rng: random.Random, country: str) -> str:
    first, second = PLACE_PARTS.get(country, PLACE_PARTS["FR"])
    return rng.choice(first) + rng.choice(second)


def organisation_name(rng: random.Random, country: str, place: str) -> tuple[str, str]:
    pattern, tag = rng.choice(ORGANISATION_PATTERNS.get(country, ORGANISATION_PATTERNS["FR"]))
    words = ORGANISATION_WORDS.get(country, ORGANISATION_WORDS["FR"])
    return pattern.format(w=rng.choice(words), p=place), tag


def service_phrase(rng: random.Random, code: str, labels: dict[str, str],
                   country: str) -> tuple[str, str]:
    """An (English, French) name for a service of this type; a type with no phrase uses labels."""
    options = SERVICE_PHRASES.get(code) or ((labels.get("en", code), labels.get("fr", code)),)
    en, fr = rng.choice(options)
    language = LANGUAGE_NAMES.get(country, ("the local language", "la langue locale"))
    return en.format(L=language[0]), fr.format(l=language[1])


def street(rng: random.Random, country: str) -> str:
    return STREETS.get(country, STREETS["FR"]).format(n=rng.randint(1, 120))


def postal_code(rng: random.Random, country: str) -> str:
    digits = f"{rng.randrange(100000):05d}"
    if country == "PL":
        return f"{digits[:2]}-{digits[2:]}"
    if country == "EL":
        return f"{digits[:3]} {digits[3:]}"
    return digits


def telephone(rng: random.Random, country: str) -> str:
    """A made-up number in E.164 form, as long as the country's numbers are."""
    digits = 10 if country == "EL" else 9
    return f"{DIALLING.get(country, '+32')}{rng.randrange(10**(digits - 1), 10**digits)}"
