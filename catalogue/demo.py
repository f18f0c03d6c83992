"""A deterministic, realistic PMB UNIMARC ISO 2709 export: our demo data and benchmark input.

Everything is invented here (no third-party record is copied); the shape follows PMB's
``admin/convert/export.class.php`` (anchors doc, 2.2-2.4): field order, indicators, the
``$9 key:value`` subfields, 995/996 items, 897 attached documents, 900 custom fields, and a
UTF-8 file flagged in 100$a/26-29 (``50``) with leader/09 left blank.

Record ``k`` is built from its own RNG seeded by ``(seed, k)``; serials, issues and articles
come from pure functions of ``(seed, serial, issue)``. So a file is the same bytes on every
run, and record ``k`` is the same in a file of any length. Imports only stdlib and pymarc.
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import pymarc
from pymarc import Field, Indicators, Subfield

#: Records per layout block: a block holds at most one serial, two issues and their articles.
BLOCK = 50
ISSUES_PER_BLOCK = 2
OPAC = "https://centre-ressources.example.fr/"
AREAS = ("politique de la ville", "prévention de la délinquance", "savoirs de base")

_INDICATORS: dict[str, Indicators] = {}

# --- vocabulary (invented titles built from the three fields of activity) ---------------

TOPICS = (
    ("la politique de la ville", "le renouvellement urbain", "les quartiers prioritaires",
     "la mixité sociale", "la participation des habitants", "les conseils citoyens",
     "la gestion urbaine de proximité", "le contrat de ville", "le logement social",
     "la médiation sociale", "les adultes-relais", "la cohésion sociale",
     "les cités éducatives", "l'emploi dans les quartiers", "la lutte contre les discriminations",
     "la santé dans les quartiers", "les centres sociaux", "les grands ensembles",
     "la réussite éducative", "l'égalité femmes-hommes dans les quartiers",
     "le développement économique des quartiers", "l'accès aux services publics",
     "la mobilité des habitants", "l'ingénierie de projet"),
    ("la prévention de la délinquance", "la tranquillité publique", "la justice des mineurs",
     "la prévention de la radicalisation", "le soutien à la parentalité",
     "les violences intrafamiliales", "la prévention spécialisée", "la prévention de la récidive",
     "la vidéoprotection", "le harcèlement scolaire", "les rixes entre jeunes",
     "le trafic de stupéfiants", "l'aide aux victimes", "le travail d'intérêt général",
     "la prévention situationnelle", "les conduites à risque", "la sécurité du quotidien",
     "les violences faites aux femmes", "la médiation de nuit", "la protection de l'enfance",
     "les conseils locaux de sécurité et de prévention de la délinquance",
     "la police municipale", "la responsabilisation des parents", "l'emprise sectaire"),
    ("la lutte contre l'illettrisme", "les savoirs de base", "le français langue étrangère",
     "l'inclusion numérique", "l'insertion professionnelle", "l'alphabétisation des adultes",
     "les compétences clés", "l'apprentissage de la lecture", "l'illectronisme",
     "la formation des adultes", "le socle de connaissances et de compétences",
     "l'accès aux droits", "les ateliers sociolinguistiques", "le décrochage scolaire",
     "la maîtrise de la langue française", "l'accompagnement vers l'emploi",
     "la main-d'œuvre peu qualifiée", "l'éducation populaire", "la médiation numérique",
     "l'apprentissage tout au long de la vie", "l'écrit en situation professionnelle",
     "les parcours d'intégration", "la validation des acquis de l'expérience",
     "les pratiques de lecture des familles"),
)
ENGLISH_TOPICS = (
    ("urban renewal", "deprived neighbourhoods", "social mix", "community participation",
     "urban policy", "social cohesion"),
    ("crime prevention", "youth justice", "radicalisation", "parenting support",
     "community safety", "domestic violence"),
    ("adult literacy", "basic skills", "digital inclusion", "language learning for migrants",
     "employability", "lifelong learning"),
)
TITLE_PATTERNS = (
    "{T} : enjeux et perspectives", "Repenser {t}", "{T} dans les quartiers prioritaires",
    "{T} à l'épreuve du terrain", "Les professionnels face {a_t}", "Guide pratique {de_t}",
    "{T} et {u}", "Évaluer {t} : méthodes et outils", "Mieux comprendre {t}",
    "Regards croisés sur {t}", "Quelle place pour {t} ?", "La mise en œuvre {de_t}",
    "« {q} » : {t} en question", "{T} : l'expérience de {c}", "Les acteurs {de_t}",
    "{T} : état des lieux", "Du diagnostic à l'action : {t}", "Penser {t} autrement",
    "Les enjeux {de_t} en {y}", "Au cœur {de_t}",
)
ARTICLE_PATTERNS = (
    "{T} : ce qui change", "Dossier : {t}", "Trois questions sur {t}", "{c} : {t} en pratique",
    "Retour sur {t}", "« {q} »", "{T}, une affaire de réseau", "{T} : un nouveau souffle ?",
    "{T} : le point de vue des habitants", "Portrait : une équipe engagée pour {t}",
)
ENGLISH_PATTERNS = (
    "{T}: lessons from European cities", "Rethinking {t}",
    "Evaluating {t}: a review of the evidence", "Understanding {t}", "What works in {t}?",
    "{T} and the local state",
)
QUOTES = ("On ne lâche rien", "Faire ensemble", "Tous concernés", "Apprendre à tout âge",
          "Vivre ensemble", "Aller vers", "Rien sur nous sans nous", "Ici, on se parle")
CITIES = ("Marseille", "Lille", "Roubaix", "Grenoble", "Saint-Denis", "Clichy-sous-Bois",
          "Vaulx-en-Velin", "Mantes-la-Jolie", "Amiens", "Nîmes", "Besançon", "Toulouse",
          "Villeurbanne", "Évry-Courcouronnes", "Sarcelles", "Montpellier", "Rennes",
          "Strasbourg", "Béziers", "Mulhouse", "Cayenne", "Saint-Étienne")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
AUDIENCES = ("élus locaux", "professionnels de terrain", "travailleurs sociaux", "formateurs",
             "coordonnateurs de CLSPD", "chefs de projet politique de la ville",
             "bénévoles associatifs", "médiateurs sociaux", "enseignants", "habitants")
SUBTITLES = ("guide méthodologique", "rapport d'activité {y}",
             "actes du colloque de {c}, {d} {m} {y}", "état des lieux et recommandations",
             "retours d'expériences", "étude qualitative",
             "synthèse des travaux", "boîte à outils pour les professionnels", "l'exemple de {c}",
             "enquête auprès des {p}", "repères pour l'action", "rapport au Premier ministre",
             "fiches pratiques", "une approche territoriale")
GAMES = ("Quartiers en jeu", "Dé-clic", "Le Parcours citoyen", "Mots en fête", "Cap sur l'emploi",
         "Lire la ville", "Tous médiateurs", "Trajectoires", "À vos marques, lisez !")

DESCRIPTORS = (
    ("Politique de la ville", "Quartier prioritaire", "Renouvellement urbain", "Rénovation urbaine",
     "Contrat de ville", "Mixité sociale", "Logement social", "Habitat", "Copropriété dégradée",
     "Participation des habitants", "Conseil citoyen", "Démocratie participative",
     "Gestion urbaine de proximité", "Médiation sociale", "Adulte-relais", "Centre social",
     "Développement social urbain", "Cohésion sociale", "Ségrégation urbaine", "Discrimination",
     "Égalité des chances", "Réussite éducative", "Cité éducative", "Développement économique",
     "Emploi", "Commerce de proximité", "Mobilité", "Transport", "Santé", "Service public",
     "Intercommunalité", "Collectivité territoriale", "Évaluation des politiques publiques",
     "Observation sociale", "Diagnostic territorial", "Ingénierie de projet", "Grand ensemble",
     "Jeunesse", "Femme", "Vie associative"),
    ("Prévention de la délinquance", "Délinquance", "Délinquance juvénile", "Tranquillité publique",
     "Sécurité publique", "Justice des mineurs", "Protection judiciaire de la jeunesse",
     "Radicalisation", "Terrorisme", "Parentalité", "Soutien à la parentalité",
     "Violence intrafamiliale", "Violence faite aux femmes", "Prévention spécialisée",
     "Éducateur spécialisé", "Récidive", "Alternative aux poursuites", "Travail d'intérêt général",
     "Vidéoprotection", "Police municipale", "Harcèlement", "Rixe", "Trafic de stupéfiants",
     "Toxicomanie", "Addiction", "Aide aux victimes", "Prévention situationnelle",
     "Conduite à risque", "CLSPD", "Médiation de nuit", "Protection de l'enfance", "Incivilité",
     "Sentiment d'insécurité", "Milieu carcéral", "Réinsertion", "Emprise mentale",
     "Cyberharcèlement", "Maire", "Secret professionnel", "Œuvre de justice"),
    ("Illettrisme", "Analphabétisme", "Alphabétisation", "Savoirs de base", "Compétences clés",
     "Français langue étrangère", "Français langue d'intégration", "Atelier sociolinguistique",
     "Lecture", "Écriture", "Calcul", "Numérique", "Illectronisme", "Inclusion numérique",
     "Médiation numérique", "Insertion professionnelle", "Accompagnement vers l'emploi",
     "Formation des adultes", "Formation professionnelle", "Apprentissage",
     "Ingénierie de formation", "Formateur", "Bénévolat", "Décrochage scolaire",
     "Éducation populaire", "Accès aux droits", "Intégration", "Migrant", "Primo-arrivant",
     "Parcours d'intégration", "Validation des acquis", "Certification",
     "Évaluation des compétences", "Outil pédagogique", "Jeu éducatif", "Famille",
     "Lecture publique", "Bibliothèque", "Entreprise", "Salarié"),
)
#: The descriptor a cataloguer would give to each topic of TOPICS (same order).
TOPIC_DESCRIPTORS = (
    ("Politique de la ville", "Renouvellement urbain", "Quartier prioritaire", "Mixité sociale",
     "Participation des habitants", "Conseil citoyen", "Gestion urbaine de proximité",
     "Contrat de ville", "Logement social", "Médiation sociale", "Adulte-relais",
     "Cohésion sociale", "Cité éducative", "Emploi", "Discrimination", "Santé", "Centre social",
     "Grand ensemble", "Réussite éducative", "Femme", "Développement économique",
     "Service public", "Mobilité", "Ingénierie de projet"),
    ("Prévention de la délinquance", "Tranquillité publique", "Justice des mineurs",
     "Radicalisation", "Soutien à la parentalité", "Violence intrafamiliale",
     "Prévention spécialisée", "Récidive", "Vidéoprotection", "Harcèlement", "Rixe",
     "Trafic de stupéfiants", "Aide aux victimes", "Travail d'intérêt général",
     "Prévention situationnelle", "Conduite à risque", "Sécurité publique",
     "Violence faite aux femmes", "Médiation de nuit", "Protection de l'enfance", "CLSPD",
     "Police municipale", "Parentalité", "Emprise mentale"),
    ("Illettrisme", "Savoirs de base", "Français langue étrangère", "Inclusion numérique",
     "Insertion professionnelle", "Alphabétisation", "Compétences clés", "Lecture",
     "Illectronisme", "Formation des adultes", "Certification", "Accès aux droits",
     "Atelier sociolinguistique", "Décrochage scolaire", "Français langue d'intégration",
     "Accompagnement vers l'emploi", "Salarié", "Éducation populaire", "Médiation numérique",
     "Formation professionnelle", "Écriture", "Parcours d'intégration", "Validation des acquis",
     "Famille"),
)
KEYWORDS = ("QPV", "retour d'expérience", "guide pratique", "enquête", "jeunes", "femmes",
            "outil pédagogique", "partenariat", "territoire", "expérimentation", "bonnes pratiques",
            "Seine-Saint-Denis", "Nord", "Bouches-du-Rhône", "Rhône", "Outre-mer", "Europe")
INDEXINT = (
    (("307.76", "Sociologie urbaine"), ("307.34", "Aménagement urbain, rénovation"),
     ("363.58", "Logement social"), ("352.14", "Administration locale"),
     ("361.8", "Action sociale de proximité"), ("305.8", "Intégration, discriminations")),
    (("364.4", "Prévention de la délinquance"), ("364.36", "Délinquance juvénile"),
     ("363.2", "Police, sécurité publique"), ("362.88", "Aide aux victimes"),
     ("303.625", "Radicalisation, terrorisme"), ("306.874", "Parentalité"),
     ("362.7", "Protection de l'enfance")),
    (("374.012", "Alphabétisation des adultes"), ("374.0124", "Lutte contre l'illettrisme"),
     ("448.24", "Français langue étrangère"), ("374.013", "Formation professionnelle"),
     ("331.11", "Insertion professionnelle"), ("004.019", "Inclusion numérique"),
     ("371.2913", "Décrochage scolaire")),
)

SURNAMES = ("Martin", "Bernard", "Lefèvre", "Dubois", "Moreau", "Laurent", "Girard", "Rousseau",
            "Bonnet", "Dupont", "Lambert", "Fontaine", "Chevalier", "Robin", "Gauthier", "Mercier",
            "Blanc", "Guérin", "Boyer", "Garnier", "Faure", "André", "Clément", "Perrin", "Brunet",
            "Leroy", "Renaud", "Aubert", "Ménard", "Lévêque", "Prévost", "Rémy", "Sénéchal",
            "Benaïssa", "Haddad", "Nguyen", "Diallo", "Traoré", "Benali", "Da Silva", "Kaddour",
            "Ouédraogo", "Le Goff", "Le Bihan", "Deschênes", "Chauvière", "Lemoine", "Marchand",
            "Roux", "Fabre", "Caron", "Joly", "Noël", "Huet", "Vidal", "Carré", "Gérard", "Léger",
            "Besnard", "Hébert", "Béranger")
FORENAMES = ("Hélène", "Jérôme", "Bénédicte", "Stéphane", "Frédéric", "Aurélie", "Émilie",
             "Sébastien", "Cécile", "Céline", "Thérèse", "Valérie", "Nathalie", "Sophie", "Élodie",
             "Clément", "Raphaël", "Gaëlle", "Anaïs", "Joël", "Noémie", "Léa", "Zoé", "Chloé",
             "Maëlle", "François", "Françoise", "Agnès", "Amélie", "Rémi", "Loïc", "Hervé",
             "Éric", "Véronique", "Marie-Claire", "Jean-François", "Pierre", "Julien", "Thomas",
             "Karim", "Nadia", "Samira", "Mohamed", "Fatima", "Yasmina", "Malik", "Laurence",
             "Dominique", "Isabelle", "Catherine", "Philippe", "Olivier", "Michel", "Christine",
             "Sylvie", "Patrick", "Anne", "Claire", "Lucie", "Mathieu")
CORPORATE = (
    (("Agence nationale de la cohésion des territoires",
      "Observatoire national de la politique de la ville"),
     ("Agence nationale pour la rénovation urbaine", ""),
     ("Cerema", "Direction territoriale Centre-Est"),
     ("Union sociale pour l'habitat", ""),
     ("Fédération des centres sociaux et socioculturels de France", ""),
     ("Centre de ressources politique de la ville", "")),
    (("France. Comité interministériel de prévention de la délinquance et de la radicalisation",
      ""),
     ("Institut des hautes études du ministère de l'Intérieur", ""),
     ("France. Direction de la protection judiciaire de la jeunesse", ""),
     ("Forum français pour la sécurité urbaine", ""), ("France Victimes", ""),
     ("Conseil national des villes", "")),
    (("Agence nationale de lutte contre l'illettrisme", ""),
     ("Institut national de la jeunesse et de l'éducation populaire",
      "Observatoire de la jeunesse"),
     ("Conseil national des politiques de lutte contre la pauvreté et l'exclusion sociale", ""),
     ("Centre Inffo", ""), ("Réseau des centres de ressources illettrisme", ""),
     ("Union nationale des centres communaux d'action sociale", "")),
)
#: (name, city, ISBN registrant or "" when the body publishes without ISBN, areas served)
PUBLISHERS = (
    ("La Documentation française", "Paris", "11", "012"), ("ANCT", "Paris", "", "0"),
    ("Éditions de l'Atelier", "Ivry-sur-Seine", "7082", "012"),
    ("La Découverte", "Paris", "7071", "01"),
    ("PUF", "Paris", "13", "01"), ("Érès", "Toulouse", "7492", "12"),
    ("Presses de Sciences Po", "Paris", "7246", "01"), ("CNLE", "Paris", "", "2"),
    ("ANLCI", "Lyon", "", "2"), ("Cerema", "Bron", "37180", "0"), ("INJEP", "Paris", "11", "12"),
    ("IHEMI", "Paris", "", "1"), ("Presses universitaires de Rennes", "Rennes", "7535", "012"),
    ("L'Harmattan", "Paris", "343", "012"), ("Champ social éditions", "Nîmes", "35371", "12"),
    ("Dunod", "Malakoff", "10", "12"), ("Chronique sociale", "Lyon", "36717", "02"),
    ("Armand Colin", "Paris", "200", "01"), ("ESF Sciences humaines", "Paris", "7101", "2"),
    ("Presses de l'EHESP", "Rennes", "8109", "01"),
)
VIDEO_PUBLISHERS = (("Réseau Canopé", "Chasseneuil-du-Poitou"),
                    ("Les Films de la cité", "Marseille"), ("Ateliers Varan", "Paris"),
                    ("Centre de ressources audiovisuelles", "Lyon"))
#: (name, publisher index, has ISSN)
COLLECTIONS = (
    ("Repères", 3, True), ("Que sais-je ?", 4, True), ("Trajets", 5, True),
    ("Études et recherche", 0, False), ("Rapports et documents", 0, True),
    ("Politiques et interventions sociales", 19, True), ("Questions de société", 14, False),
    ("Savoir et formation", 13, True), ("Action sociale", 15, True),
    ("Cahiers de l'action", 10, True),
    ("Comprendre la société", 16, False), ("Le sens social", 12, True),
)
#: (title, area): invented periodicals, one block of records each in the default file.
SERIALS = (
    ("Cahiers de la cohésion urbaine", 0), ("Territoires en projet", 0),
    ("La Lettre des quartiers", 0),
    ("Revue de la médiation sociale", 0), ("Villes et solidarités", 0),
    ("Les Échos du renouvellement urbain", 0), ("Profession chef de projet", 0),
    ("Regards sur la ville", 0), ("Quartiers d'avenir", 0), ("Urbanités solidaires", 0),
    ("Le Journal des conseils citoyens", 0), ("Diversité des territoires", 0),
    ("Habiter ensemble", 0),
    ("Cahiers de la prévention", 1), ("Tranquillité publique & territoires", 1),
    ("Prévenir aujourd'hui", 1), ("La Lettre du CLSPD", 1), ("Jeunesse et prévention", 1),
    ("Familles et parentalité", 1), ("Sécurité & société locale", 1),
    ("Regards sur la délinquance", 1),
    ("Médiation & tranquillité", 1), ("Les Carnets de la prévention spécialisée", 1),
    ("Écoute & soutien", 1), ("Champs de la prévention", 1), ("Justice & mineurs en débat", 1),
    ("Savoirs de base infos", 2), ("Lire, écrire, compter", 2),
    ("Le Journal de l'alphabétisation", 2),
    ("Formation & compétences", 2), ("Langues et intégration", 2), ("Les Cahiers du FLE", 2),
    ("Inclusion numérique mag", 2), ("Apprendre tout au long de la vie", 2),
    ("Passerelles vers l'emploi", 2), ("Compétences clés", 2), ("Écrits & parcours", 2),
    ("La Revue de l'insertion", 2), ("Trait d'union formation", 2),
    ("Éducation populaire & savoirs", 2),
)
N_SERIALS = len(SERIALS)
#: TOPIC_DESCRIPTORS as indexes into DESCRIPTORS (a typo in either table fails at import).
_TOPIC_DESCRIPTOR = tuple(tuple(DESCRIPTORS[a].index(label) for label in TOPIC_DESCRIPTORS[a])
                          for a in range(len(AREAS)))

# --- items (995/996) --------------------------------------------------------------------

#: leader/06 -> (995$r code, 996$e label, call number prefix, PMB docs_type id)
ITEM_TYPES = {"a": ("aa", "Livre", "", 1), "g": ("ga", "DVD vidéo", "DVD ", 4),
              "l": ("la", "Cédérom", "CD ", 5), "r": ("ra", "Jeu", "JEU ", 6),
              "m": ("ma", "Multimédia", "MM ", 7), "s": ("as", "Périodique", "", 2)}
#: (label, code, PMB id, pret_flag)
STATUSES = (("Disponible", "d", 1, "1"), ("Consultation sur place", "c", 2, "0"),
            ("En réparation", "r", 3, "0"), ("Nouveauté", "n", 4, "1"))
LOCATIONS = (("Centre de documentation", "CDOC", 1), ("Espace partagé", "ESP", 2),
             ("Réserve", "RES", 3))
SECTIONS = {"a": ("Adultes", 1), "j": ("Jeunesse", 2), "u": ("Indéterminé", 3)}
LENDERS = (("CRPV", 1), ("Fonds partenaires", 2))
ITEM_NOTES = ("Exemplaire dédicacé", "Don de l'ANCT", "Manque le livret",
              "Exemplaire de consultation", "Couverture abîmée")


# --- small pure helpers -----------------------------------------------------------------

def _de(np: str) -> str:
    if np.startswith("le "):
        return "du " + np[3:]
    if np.startswith("les "):
        return "des " + np[4:]
    return "de " + np


def _a(np: str) -> str:
    if np.startswith("le "):
        return "au " + np[3:]
    if np.startswith("les "):
        return "aux " + np[4:]
    return "à " + np


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _slug(text: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in _fold(text).lower()).split()
    out = ""
    for word in words:
        if out and len(out) + len(word) >= 48:
            break
        out = f"{out}-{word}" if out else word
    return out


def _of(name: str) -> str:
    """French ``de`` before a name, elided before a vowel or a mute h (d'Hélène)."""
    return f"d'{name}" if _fold(name[:1]).upper() in "AEIOUYH" else f"de {name}"


def _isbn13(digits12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits12))
    return str((10 - total % 10) % 10)


def _issn_check(digits7: str) -> str:
    rest = (11 - sum(int(d) * (8 - i) for i, d in enumerate(digits7)) % 11) % 11
    return "X" if rest == 10 else str(rest)


def _issn(rng: random.Random) -> str:
    digits = f"{rng.randrange(1000000, 3000000):07d}"
    return f"{digits[:4]}-{digits[4:]}{_issn_check(digits)}"


def _isbn(rng: random.Random, registrant: str) -> str:
    body = f"{rng.randrange(10 ** (8 - len(registrant))):0{8 - len(registrant)}d}"
    check = _isbn13("9782" + registrant + body)
    if rng.random() < 0.2:
        return f"9782{registrant}{body}{check}"
    return f"978-2-{registrant}-{body}-{check}"


def _field(tag: str, ind: str, *pairs: tuple[str, str]) -> Field | None:
    """A data field with PMB's ``add_field`` rule: empty subfields are dropped."""
    subfields = [Subfield(c, v) for c, v in pairs if v]
    if not subfields:
        return None
    indicators = _INDICATORS.get(ind)
    if indicators is None:
        indicators = _INDICATORS[ind] = Indicators(ind[0], ind[1])
    return Field(tag, indicators, subfields)


def _topics(rng: random.Random, area: int) -> tuple[int, int]:
    """The main and second topic (indexes into TOPICS[area]) a record is about."""
    t, u = rng.sample(range(len(TOPICS[area])), 2)
    return t, u


def _title(rng: random.Random, area: int, topics: tuple[int, int], patterns: Sequence[str],
           year: int) -> str:
    t, u = TOPICS[area][topics[0]], TOPICS[area][topics[1]]
    return rng.choice(patterns).format(
        T=_cap(t), t=t, u=u, de_t=_de(t), a_t=_a(t), q=rng.choice(QUOTES),
        c=rng.choice(CITIES), y=year)


def _english_title(rng: random.Random, area: int) -> str:
    t = rng.choice(ENGLISH_TOPICS[area])
    return rng.choice(ENGLISH_PATTERNS).format(T=_cap(t), t=t)


def _subtitle(rng: random.Random, year: int) -> str:
    return rng.choice(SUBTITLES).format(
        y=year, c=rng.choice(CITIES), d=rng.randint(1, 28), m=rng.choice(MONTHS),
        p=rng.choice(AUDIENCES))


def _abstract(rng: random.Random, area: int, topics: tuple[int, int], noun: str,
              sentences: int) -> str:
    """A few French sentences about the record's two topics."""
    t, u = TOPICS[area][topics[0]], TOPICS[area][topics[1]]
    v = rng.choice(TOPICS[area])
    where = rng.choice(("dans les quartiers prioritaires de la politique de la ville",
                        "à l'échelle d'une intercommunalité", "en France et en Europe",
                        f"à {rng.choice(CITIES)}", "depuis le début des années 2000"))
    verb = rng.choice(("propose", "présente", "dresse"))
    kind = rng.choice(("un état des lieux", "un panorama", "une analyse", "une synthèse"))
    out = [f"{noun} {verb} {kind} {_de(t)} {where}."]
    source = rng.choice((f"une enquête menée auprès de {rng.randint(12, 240)} professionnels",
                         "des entretiens avec des habitants", "une revue de la littérature",
                         "des monographies locales", "l'évaluation de dispositifs expérimentaux"))
    outcome = rng.choice(("formule des recommandations", "identifie des leviers d’action",
                          "met en lumière des pratiques inspirantes"))
    out.append(f"S'appuyant sur {source}, le document analyse {u} et {outcome} "
               f"à destination des {rng.choice(AUDIENCES)}.")
    extra = (f"Une attention particulière est portée {_a(v)}.",
             "Les professionnels interrogés décrivent un « travail d'équilibriste » au quotidien.",
             f"La mise en œuvre des actions est illustrée par des exemples à {rng.choice(CITIES)}.",
             "Il comprend des fiches pratiques, une bibliographie et des témoignages.")
    out.extend(rng.sample(extra, min(max(sentences - 2, 0), len(extra))))
    return " ".join(out[:max(sentences, 1)])


def _creation(rng: random.Random, year: int) -> str:
    y = rng.randint(max(year, 2006), 2025)
    return f"{y}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _created_after(rng: random.Random, iso_date: str) -> str:
    """A cataloguing date within three months after an issue's date (YYYYMMDD)."""
    day = datetime.date.fromisoformat(iso_date) + datetime.timedelta(days=rng.randint(0, 90))
    return day.strftime("%Y%m%d")


def _leader(dt: str, bl: str, hl: str) -> pymarc.Leader:
    # rs=n, el=1, ru=i as PMB writes them; leader/09 stays blank (UNIMARC), lengths by pymarc.
    return pymarc.Leader(f"00000n{dt}{bl}{hl} 22000001i 450 ")


def _new_record(leader: pymarc.Leader, fields: list[Field | None]) -> pymarc.Record:
    record = pymarc.Record(to_unicode=False)
    # to_unicode=False keeps as_marc() from setting leader/09; force_utf8 picks the encoding.
    record.force_utf8 = True
    record.leader = leader
    record.fields = [f for f in fields if f is not None]
    return record


# --- authorities --------------------------------------------------------------------------

def _person(i: int) -> tuple[str, str, str, int]:
    """Person ``i`` of the authority file: surname, forename, dates, PMB author id."""
    dates = f"{1940 + i % 45}-" if i % 11 == 0 else ""
    return SURNAMES[i % len(SURNAMES)], FORENAMES[i % len(FORENAMES)], dates, 100 + i


def _pick_person(rng: random.Random, area: int) -> int:
    # Coprime name lists make (i % 61, i % 60) unique; squaring favours prolific authors.
    span = len(SURNAMES) * len(FORENAMES) // 3
    return 3 * int(span * rng.random() ** 2) + area


def _person_field(tag: str, i: int, role: str) -> Field | None:
    surname, forename, dates, author_id = _person(i)
    return _field(tag, " 1", ("a", surname), ("b", forename), ("4", role), ("f", dates),
                  ("9", f"id:{author_id}"))


def _corporate_field(tag: str, area: int, j: int, role: str) -> Field | None:
    name, sub = CORPORATE[area][j]
    return _field(tag, "02", ("a", name), ("b", sub), ("4", role),
                  ("9", f"id:{10 + area * 10 + j}"))


def _descriptors(rng: random.Random, area: int, topics: Sequence[int], low: int,
                 high: int) -> list[Field | None]:
    """2-6 thesaurus descriptors: the topics' own, others of the area, sometimes a neighbour's."""
    wanted = rng.randint(low, high)
    picks: list[tuple[int, int]] = []
    for index in [_TOPIC_DESCRIPTOR[area][t] for t in topics]:
        if (area, index) not in picks and len(picks) < wanted:
            picks.append((area, index))
    while len(picks) < wanted:
        pick = (area, rng.randrange(len(DESCRIPTORS[area])))
        if pick not in picks:
            picks.append(pick)
    if rng.random() < 0.3:
        other = (area + rng.randint(1, 2)) % 3
        picks.append((other, rng.randrange(len(DESCRIPTORS[other]))))
    return [_field("606", " 1", ("a", DESCRIPTORS[a][i]), ("9", f"id:{1000 + 40 * a + i}"),
                   ("9", "lang:fr_FR"), ("9", "idthes:1")) for a, i in picks]


def _keywords(rng: random.Random) -> Field | None:
    # PMB keeps free keywords in one ``index_l`` string and writes a single 610.
    n = rng.choice((0, 0, 1, 2, 3, 4))
    return _field("610", "0 ", ("a", " ; ".join(rng.sample(KEYWORDS, n))))


def _custom_fields(rng: random.Random) -> list[Field | None]:
    out: list[Field | None] = []
    if rng.random() < 0.4:
        value = rng.choice(("Professionnels", "Élus", "Bénévoles", "Tout public", "Formateurs"))
        out.append(_field("900", "  ", ("a", value), ("l", "Public visé"), ("n", "cp_public"),
                          ("t", "list")))
    if rng.random() < 0.2:
        value = rng.choice(("Île-de-France", "Hauts-de-France", "Auvergne-Rhône-Alpes", "Occitanie",
                            "Provence-Alpes-Côte d'Azur", "Grand Est", "Outre-mer", "National"))
        out.append(_field("900", "  ", ("a", value), ("l", "Territoire"), ("n", "cp_territoire"),
                          ("t", "text")))
    return out


def _attachments(rng: random.Random, k: int, title: str, count: int) -> list[Field | None]:
    out: list[Field | None] = []
    for j in range(count):
        explnum_id = 2 * k + j + 1
        name = ("Texte intégral", "Synthèse", "Sommaire", "Annexes")[j % 4]
        out.append(_field(
            "897", "  ", ("a", f"{OPAC}doc_num.php?explnum_id={explnum_id}"), ("b", name),
            ("f", f"{_slug(title)}{'-' + _slug(name) if j else ''}.pdf"),
            ("s", rng.choice(("Libre accès", "Libre accès", "Réservé aux abonnés"))),
            ("t", "application/pdf")))
    return out


def _items(rng: random.Random, k: int, kind: str, call_number: str, created: str,
           count: int) -> list[Field | None]:
    """995 items (and for some a 996 dump), sharing one call number."""
    type_code, type_label, _, type_id = ITEM_TYPES[kind]
    out: list[Field | None] = []
    for j in range(count):
        expl_id = 3 * k + j + 1
        barcode = f"CR{expl_id:06d}"
        location = LOCATIONS[0] if rng.random() < 0.7 else rng.choice(LOCATIONS[1:])
        roll = rng.random()
        if location[1] == "RES" or roll < 0.12:
            status = STATUSES[1]
        elif roll < 0.15:
            status = STATUSES[2]
        elif created[:4] == "2025" and roll < 0.6:
            status = STATUSES[3]
        else:
            status = STATUSES[0]
        roll = rng.random()
        section = "a" if roll < 0.85 else ("j" if roll < 0.9 else "u")
        lender = LENDERS[0] if rng.random() < 0.92 else LENDERS[1]
        note = rng.choice(ITEM_NOTES) if rng.random() < 0.08 else ""
        # A document type without an import code goes out as PMB's default "uu".
        code = type_code if rng.random() < 0.97 else ""
        out.append(_field("995", "  ", ("a", lender[0]), ("c", lender[0]), ("f", barcode),
                          ("k", call_number), ("u", note), ("o", status[1]), ("r", code or "uu"),
                          ("q", section)))
        if rng.random() < 0.3:
            deposit = f"{created[:4]}-{created[4:6]}-{created[6:]}"
            columns = (("expl_id", str(expl_id)), ("create_date", f"{deposit} 10:{j:02d}:00"),
                       ("expl_cb", barcode), ("expl_cote", call_number),
                       ("expl_statut", str(status[2])), ("statut_libelle", status[0]),
                       ("statusdoc_codage_import", status[1]), ("expl_typdoc", str(type_id)),
                       ("tdoc_libelle", type_label), ("tdoc_codage_import", code),
                       ("expl_note", note), ("expl_section", str(SECTIONS[section][1])),
                       ("section_libelle", SECTIONS[section][0]), ("sdoc_codage_import", section),
                       ("expl_owner", str(lender[1])), ("lender_libelle", lender[0]),
                       ("expl_date_depot", deposit), ("pret_flag", status[3]),
                       ("location_libelle", location[0]), ("locdoc_codage_import", location[1]))
            out.append(_field(
                "996", "  ", ("f", barcode), ("k", call_number), ("u", note), ("m", created),
                ("a", lender[0]), ("b", str(lender[1])), ("v", location[0]), ("w", location[1]),
                ("x", SECTIONS[section][0]), ("y", section), ("e", type_label), ("r", code),
                ("1", status[0]), ("2", status[1]), ("3", status[3]),
                *(("9", f"{key}:{value}") for key, value in columns if value)))
    return out


def _item_count(rng: random.Random) -> int:
    roll = rng.random()
    return 1 if roll < 0.55 else (2 if roll < 0.85 else 3)


# --- serials and issues (pure functions of seed and position) -----------------------------

@dataclass(frozen=True)
class _Serial:
    index: int
    notice_id: int
    title: str
    area: int
    issn: str
    publisher: int
    start: int
    frequency: int
    latest: int
    last_number: int
    style: int
    call_number: str


@dataclass(frozen=True)
class _Issue:
    serial: _Serial
    bull_id: int
    number: str
    date: str
    mention: str
    year: int
    title: str
    topic: int
    pages: tuple[tuple[int, int], ...]


@lru_cache(maxsize=64)
def _serial(seed: int, s: int) -> _Serial:
    rng = random.Random(f"{seed}:serial:{s}")
    title, area = SERIALS[s]
    initials = "".join(w[0] for w in _fold(title).replace("'", " ").split() if w[0].isalpha())
    publishers = [i for i, p in enumerate(PUBLISHERS) if str(area) in p[3]]
    return _Serial(index=s, notice_id=s * BLOCK + 1, title=title, area=area, issn=_issn(rng),
                   publisher=rng.choice(publishers), start=rng.randint(1995, 2012),
                   frequency=rng.choice((2, 4, 4, 6, 10, 12)), latest=rng.randint(2, 5),
                   last_number=rng.randint(110, 420),
                   style=rng.randrange(3), call_number=f"PER {initials.upper()[:4]}")


def _mention(frequency: int, period: int, year: int) -> tuple[str, int]:
    """PMB's free-text ``mention_date`` and the month an issue is dated from."""
    month = 1 + period * 12 // frequency
    if frequency == 4:
        return f"{('hiver', 'printemps', 'été', 'automne')[period]} {year}", month
    if frequency == 2:
        return f"{'1er' if period == 0 else '2e'} semestre {year}", month
    if frequency == 6:
        return f"{MONTHS[month - 1]}-{MONTHS[month]} {year}", month
    return f"{MONTHS[month - 1]} {year}", month


@lru_cache(maxsize=256)
def _issue(seed: int, s: int, o: int) -> _Issue:
    """Issue ``o`` of serial ``s``: 0 is the latest, bigger files reach back in time."""
    serial = _serial(seed, s)
    rng = random.Random(f"{seed}:issue:{s}:{o}")
    back = serial.latest + o
    year = max(2025 - back // serial.frequency, serial.start)
    period = serial.frequency - 1 - back % serial.frequency
    mention, month = _mention(serial.frequency, period, year)
    n = max(serial.last_number - o, 1)
    number = (f"n° {n}", str(n), f"N° {n}")[serial.style]
    title, topic = "", -1
    if rng.random() < 0.6:
        topic = rng.randrange(len(TOPICS[serial.area]))
        pattern = rng.choice(("Dossier : {t}", "{T}", "{T} : nouveaux enjeux"))
        t = TOPICS[serial.area][topic]
        title = pattern.format(t=t, T=_cap(t))
    pages, page = [], rng.randint(3, 9)
    for _ in range(rng.randint(2, 6)):
        length = rng.randint(2, 12)
        pages.append((page, page + length - 1))
        page += length + rng.randint(0, 3)
    block = (o // ISSUES_PER_BLOCK) * N_SERIALS + s
    return _Issue(serial=serial, bull_id=ISSUES_PER_BLOCK * block + o % ISSUES_PER_BLOCK + 1,
                  number=number, date=f"{year}-{month:02d}-01", mention=mention, year=year,
                  title=title, topic=topic, pages=tuple(pages))


@lru_cache(maxsize=8)
def _layout(seed: int, block: int) -> tuple[tuple[str, int, int, int], ...]:
    """What each position of a block holds: (kind, serial, issue ordinal, article index)."""
    s, cycle = block % N_SERIALS, block // N_SERIALS
    group: list[tuple[str, int, int, int]] = []
    for i in range(ISSUES_PER_BLOCK):
        o = ISSUES_PER_BLOCK * cycle + i
        group.append(("issue", s, o, 0))
        group.extend(("article", s, o, j) for j in range(len(_issue(seed, s, o).pages)))
    slots = [("mono", 0, 0, 0)] * BLOCK
    if block < N_SERIALS:
        slots[0] = ("serial", s, 0, 0)
    start = random.Random(f"{seed}:block:{block}").randrange(1, BLOCK - len(group) + 1)
    slots[start:start + len(group)] = group
    return tuple(slots)


# --- records ------------------------------------------------------------------------------

#: leader/06 of monographs by cumulative share: texte imprimé, vidéo, électronique, multimédia,
#: objet (educational games).
_DOC_TYPES = (("a", 0.82), ("g", 0.88), ("l", 0.93), ("m", 0.97), ("r", 1.0))
_NOUNS = {"g": "Ce film documentaire", "r": "Ce jeu", "l": "Ce document", "m": "Ce kit pédagogique"}


def _head(notice_id: str, created: str) -> list[Field | None]:
    # 100$a/26-29 = "50  ": the UTF-8 flag PMB writes (and reads back) for UNIMARC.
    return [Field("001", data=notice_id),
            _field("100", "  ", ("a", f"{created}u        u  u0frey50      ba"))]


def _serial_link(serial: _Serial) -> Field | None:
    return _field("461", "  ", ("t", serial.title), ("x", serial.issn),
                  ("9", f"id:{serial.notice_id}"), ("9", "lnk:perio"))


def _imprint(rng: random.Random, area: int, dt: str, report: bool) -> tuple[str, str, str, int]:
    """(city, publisher, ISBN registrant, PMB publisher id) of a monograph."""
    if dt == "g":
        j = rng.randrange(len(VIDEO_PUBLISHERS))
        return VIDEO_PUBLISHERS[j][1], VIDEO_PUBLISHERS[j][0], "", 101 + j
    choices = [i for i, p in enumerate(PUBLISHERS) if str(area) in p[3]]
    if report:
        choices = [i for i in choices if not PUBLISHERS[i][2]] or choices
    i = rng.choice(choices)
    return PUBLISHERS[i][1], PUBLISHERS[i][0], PUBLISHERS[i][2], i + 1


def _publisher_fields(imprint: tuple[str, str, str, int], year: str) -> list[Field | None]:
    city, name, _, publisher_id = imprint
    pairs = (("a", city), ("c", name), ("d", year), ("z", "France"), ("9", f"id:{publisher_id}"))
    # PMB derives 102 from the publisher's country (lower-cased) and writes the publisher
    # twice, in 210 and in 214.
    return [_field("102", "  ", ("a", "fr")), _field("210", "  ", *pairs),
            _field("214", "  ", *pairs)]


def _collection(rng: random.Random, publisher_id: int) -> list[Field | None]:
    candidates = [c for c, entry in enumerate(COLLECTIONS) if entry[1] + 1 == publisher_id]
    if not candidates:
        return []
    c = rng.choice(candidates)
    name, _, has_issn = COLLECTIONS[c]
    issn = _issn(random.Random(f"collection:{c}")) if has_issn else ""
    number = str(rng.randint(1, 650))
    return [_field("225", "2 ", ("a", name), ("v", number), ("x", issn), ("9", f"id:{c + 1}")),
            _field("410", " 0", ("t", name), ("v", number), ("x", issn), ("9", f"id:{c + 1}"))]


def _full_name(i: int) -> str:
    surname, forename, _, _ = _person(i)
    return f"{forename} {surname}"


def _responsibility(rng: random.Random, area: int, dt: str, report: bool,
                    translated: bool) -> tuple[list[Field | None], str, str]:
    """7XX fields, the 200$f statement and the name the call number is built from."""
    agents: list[Field | None] = []
    if report and rng.random() < 0.7:
        j = rng.randrange(len(CORPORATE[area]))
        agents.append(_corporate_field("710", area, j, "070"))
        main = statement = CORPORATE[area][j][0]
        agents.extend(_person_field("701", _pick_person(rng, area), "070")
                      for _ in range(rng.randint(0, 2)))
    else:
        role = "300" if dt == "g" else ("340" if rng.random() < 0.2 else "070")
        people = [_pick_person(rng, area)]
        if role != "300":
            people.extend(_pick_person(rng, area) for _ in range(rng.choice((0, 0, 1, 1, 2, 3))))
        agents.append(_person_field("700", people[0], role))
        agents.extend(_person_field("701", i, "070") for i in people[1:])
        main = _person(people[0])[0]
        names = [_full_name(i) for i in people]
        prefix = {"340": "sous la direction", "300": "un film"}.get(role, "")
        if prefix:
            statement = " ; ".join(p for p in (f"{prefix} {_of(names[0])}", ", ".join(names[1:])) if p)
        else:
            statement = ", ".join(names)
        if rng.random() < 0.15:
            j = rng.randrange(len(CORPORATE[area]))
            agents.append(_corporate_field("712", area, j, "340"))
    if translated:
        i = _pick_person(rng, area)
        agents.append(_person_field("702", i, "730"))
        statement += f" ; traduit par {_full_name(i)}"
    elif rng.random() < 0.08:
        agents.append(_person_field("702", _pick_person(rng, area), "080"))
    return agents, statement, main


def _physical(rng: random.Random, dt: str) -> tuple[Field | None, int]:
    pages = rng.randint(40, 420)
    extent = {"a": f"{pages} p.", "g": f"1 DVD vidéo ({rng.randint(26, 95)} min)",
              "l": f"1 ressource en ligne ({pages} p.)", "m": f"1 classeur ({pages // 2} p.)",
              "r": "1 jeu (1 plateau, 120 cartes, 1 livret)"}[dt]
    ill = {"a": rng.choice(("ill.", "ill., graph.", "", "coul.")), "g": "coul., son.",
           "m": "ill."}.get(dt, "")
    size = {"g": "12 cm", "r": "boîte 30 x 22 cm", "l": ""}.get(
        dt, f"{rng.choice((21, 22, 24, 24, 27, 30))} cm")
    extra = "1 DVD vidéo" if dt == "m" else ""
    return _field("215", "  ", ("a", extent), ("c", ill), ("d", size), ("e", extra)), pages


def _language(rng: random.Random, report: bool) -> tuple[Field | None, bool, bool]:
    roll = rng.random()
    if roll < 0.05:
        return _field("101", "0 ", ("a", "eng")), True, False
    if roll < 0.09 and not report:
        original = rng.choice(("eng", "eng", "spa", "ita", "deu"))
        return _field("101", "1 ", ("a", "fre"), ("c", original)), False, True
    return _field("101", "0 ", ("a", "fre")), False, False


def _monograph(seed: int, k: int) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    area = rng.randrange(len(AREAS))
    roll = rng.random()
    dt = next(code for code, limit in _DOC_TYPES if roll < limit)
    year = min(int(rng.triangular(1995, 2026, 2021)), 2025)
    created = _creation(rng, year)
    report = dt == "a" and rng.random() < 0.35
    language, english, translated = _language(rng, report)
    topics = _topics(rng, area)
    if english:
        title = _english_title(rng, area)
    elif dt == "r":
        title = f"{rng.choice(GAMES)} : un jeu pour parler {_de(TOPICS[area][topics[0]])}"
    else:
        title = _title(rng, area, topics, TITLE_PATTERNS, year)
    subtitle = "film documentaire" if dt == "g" else (
        _subtitle(rng, year) if not english and rng.random() < 0.55 else "")
    parallel = _english_title(rng, area) if not english and rng.random() < 0.04 else ""
    other_title = "Paroles de terrain" if rng.random() < 0.02 else ""
    agents, statement, main_name = _responsibility(rng, area, dt, report, translated)
    imprint = _imprint(rng, area, dt, report)
    isbn = price = ""
    if imprint[2] and rng.random() < 0.9:
        isbn = _isbn(rng, imprint[2])
        price = rng.choice((f"{rng.randint(8, 45)} EUR",
                            f"{rng.randint(8, 35)},{rng.choice(('50', '90'))} €"))
    index = rng.randrange(len(INDEXINT[area]))
    dewey, dewey_label = INDEXINT[area][index]
    call_number = f"{ITEM_TYPES[dt][2]}{dewey} {_fold(main_name).upper().replace(' ', '')[:3]}"

    f = _head(str(k + 1), created)
    f.append(_field("200", "1 ", ("a", title), ("c", other_title), ("d", parallel),
                    ("e", subtitle), ("f", statement)))
    f.append(_field("010", "  ", ("a", isbn), ("d", price)))
    if dt == "l" or rng.random() < (0.3 if report else 0.05):
        f.append(_field("856", "  ", ("u", f"https://www.example.org/publications/{_slug(title)}"),
                        ("q", "HTML" if dt == "g" else "PDF")))
    f.append(language)
    if dt == "a" and rng.random() < 0.12:
        edition = rng.choice(("2e éd.", "Nouvelle éd.", "3e éd. revue et augmentée"))
        f.append(_field("205", "  ", ("a", edition)))
    physical, pages = _physical(rng, dt)
    f.append(physical)
    if dt == "a" and rng.random() < 0.35:
        note = rng.choice((f"Bibliogr. p. {pages - 12}-{pages}", "Index", "Glossaire",
                           "Document téléchargeable en ligne", "Contient des fiches pratiques"))
        f.append(_field("300", "  ", ("a", note)))
    if rng.random() < 0.2:
        parts = " ; ".join(f"{n}. {_cap(p)}" for n, p in enumerate(rng.sample(TOPICS[area], 3), 1))
        f.append(_field("327", "  ", ("a", f"Introduction ; {parts} ; Conclusion")))
    if not english and rng.random() < 0.85:
        noun = _NOUNS.get(dt, "Ce rapport" if report else "Cet ouvrage")
        f.append(_field("330", "  ", ("a", _abstract(rng, area, topics, noun, rng.randint(2, 4)))))
    f.extend(agents)
    f.extend(_publisher_fields(imprint, str(year)))
    if dt == "a" and not report and rng.random() < 0.45:
        f.extend(_collection(rng, imprint[3]))
    f.append(_field("676", "  ", ("a", dewey), ("l", dewey_label),
                    ("9", f"id:{1 + 10 * area + index}")))
    if rng.random() < 0.25:
        f.append(_field("896", "  ", ("a", f"{OPAC}vignettes/{k + 1}.jpg")))
    if rng.random() < {"a": 0.92, "l": 0.4}.get(dt, 1.0):
        f.extend(_items(rng, k, dt, call_number, created, _item_count(rng)))
    f.append(_keywords(rng))
    f.extend(_descriptors(rng, area, topics, 2, 5))
    if rng.random() < 0.05:
        f.append(_field("014", "  ", ("a", f"10.5555/crpv.{year}.{k + 1}"), ("b", "DOI")))
    f.extend(_custom_fields(rng))
    if rng.random() < (0.6 if dt == "l" else 0.08):
        f.extend(_attachments(rng, k, title, 2 if rng.random() < 0.2 else 1))
    return _new_record(_leader(dt, "m", "0"), f)


def _serial_record(seed: int, k: int, serial: _Serial) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    created = _creation(rng, serial.start)
    period = {2: "semestrielle", 4: "trimestrielle", 6: "bimestrielle", 10: "mensuelle",
              12: "mensuelle"}[serial.frequency]
    topics = (serial.index % 5, 5 + serial.index % 7)
    f = _head(str(serial.notice_id), created)
    f.extend((
        _field("200", "1 ", ("a", serial.title),
               ("e", f"revue {period} {_de(TOPICS[serial.area][topics[0]])}")),
        # PMB keeps an ISSN in the notice code and exports it in 010; 011 is the UNIMARC home.
        _field("011", "  ", ("a", serial.issn)),
        _field("856", "  ", ("u", f"https://www.example.org/revues/{_slug(serial.title)}"),
               ("q", "HTML")),
        _field("101", "0 ", ("a", "fre")),
        _field("300", "  ", ("a", f"Périodicité : {period}"
                                   f"{' (10 n° par an)' if serial.frequency == 10 else ''}")),
        _field("330", "  ", ("a", _abstract(rng, serial.area, topics, "Cette revue", 2))),
    ))
    if rng.random() < 0.6:
        f.append(_person_field("702", _pick_person(rng, serial.area), "651"))
    publisher = PUBLISHERS[serial.publisher]
    f.extend(_publisher_fields((publisher[1], publisher[0], "", serial.publisher + 1),
                               f"{serial.start}-"))
    f.extend(_descriptors(rng, serial.area, topics, 2, 4))
    return _new_record(_leader("a", "s", "1"), f)


def _issue_record(seed: int, k: int, issue: _Issue) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    serial = issue.serial
    created = _created_after(rng, issue.date)
    dated = (("d", issue.mention), ("h", issue.date))
    f = _head(f"{issue.bull_id}-bull", created)
    f.extend((
        _field("200", "1 ", ("a", issue.title or f"{serial.title}, {issue.number}"),
               ("h", issue.number), ("i", issue.title), ("9", f"id:{issue.bull_id}")),
        _field("530", "  ", ("a", serial.title)),
        _field("210", "  ", *dated),
        _field("214", "  ", *dated),
        _field("101", "0 ", ("a", "fre")),
        _field("215", "  ", ("a", f"{issue.pages[-1][1] + rng.randint(2, 10)} p."), ("c", "ill.")),
    ))
    if rng.random() < 0.85:
        f.extend(_items(rng, k, "s", serial.call_number, created, rng.choice((1, 1, 1, 2))))
    if issue.topic >= 0:
        f.extend(_descriptors(rng, serial.area, (issue.topic,), 1, 3))
    f.append(_serial_link(serial))
    if rng.random() < 0.2:
        f.extend(_attachments(rng, k, f"{serial.title} {issue.number}", 1))
    return _new_record(_leader("a", "s", "2"), f)


def _article_record(seed: int, k: int, issue: _Issue, j: int) -> pymarc.Record:
    rng = random.Random(f"{seed}:{k}")
    serial = issue.serial
    area = serial.area if rng.random() < 0.8 else rng.randrange(len(AREAS))
    topics = _topics(rng, area)
    if area == serial.area and issue.topic >= 0 and rng.random() < 0.6:
        topics = (issue.topic, topics[1] if topics[1] != issue.topic else topics[0])
    created = _created_after(rng, issue.date)
    title = _title(rng, area, topics, ARTICLE_PATTERNS, issue.year)
    first, last = issue.pages[j]
    subtitle = _subtitle(rng, issue.year) if rng.random() < 0.2 else ""
    f = _head(str(k + 1), created)
    f.append(_field("200", "1 ", ("a", title), ("e", subtitle)))
    if rng.random() < 0.1:
        f.append(_field("856", "  ", ("u", f"https://www.example.org/articles/{k + 1}"),
                        ("q", "HTML")))
    f.append(_field("101", "0 ", ("a", "fre")))
    f.append(_field("215", "  ", ("a", f"p. {first}-{last}" if last > first else f"p. {first}")))
    f.append(_field("330", "  ", ("a", _abstract(rng, area, topics, "Cet article",
                                                  rng.randint(1, 3)))))
    for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
        f.append(_person_field("700" if n == 0 else "701", _pick_person(rng, area), "070"))
    f.append(_keywords(rng))
    f.extend(_descriptors(rng, area, topics, 2, 4))
    if rng.random() < 0.1:
        doi = f"10.5555/{_slug(serial.title)[:12]}.{issue.year}.{first:03d}"
        f.append(_field("014", "  ", ("a", doi), ("b", "DOI")))
    f.append(_serial_link(serial))
    # PMB writes " " when the issue has no title of its own.
    f.append(_field("463", "  ", ("d", issue.date), ("e", issue.mention), ("v", issue.number),
                    ("t", issue.title or " "), ("9", f"id:{issue.bull_id}"), ("9", "lnk:bull")))
    if rng.random() < 0.15:
        f.extend(_attachments(rng, k, title, 1))
    return _new_record(_leader("a", "a", "2"), f)


def record_at(k: int, seed: int = 1) -> pymarc.Record:
    """Record ``k`` (0-based) of the demo export for ``seed``, independent of file length."""
    kind, s, o, j = _layout(seed, k // BLOCK)[k % BLOCK]
    if kind == "serial":
        return _serial_record(seed, k, _serial(seed, s))
    if kind == "issue":
        return _issue_record(seed, k, _issue(seed, s, o))
    if kind == "article":
        return _article_record(seed, k, _issue(seed, s, o), j)
    return _monograph(seed, k)


def generate(count: int = 2000, seed: int = 1) -> Iterator[pymarc.Record]:
    """Yield ``count`` demo records one at a time (memory stays flat for any count).

    Args:
        count: number of records; record ``k`` does not depend on it.
        seed: same seed, same records, byte for byte.

    Returns:
        A lazy iterator of UTF-8 records (``force_utf8`` set, leader/09 blank) ready for
        ``as_marc()``.

    Raises:
        ValueError: if ``count`` is negative (raised at the call, not at the first ``next``).
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return (record_at(k, seed) for k in range(count))


def write_export(path: pathlib.Path, count: int = 2000, seed: int = 1) -> int:
    """Write the demo export as an ISO 2709 file in UTF-8; return the number of records."""
    written = 0
    with open(path, "wb") as fh:
        for record in generate(count, seed):
            fh.write(record.as_marc())
            written += 1
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m catalogue.demo OUT.mrc [--count N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m catalogue.demo",
        description="Write the demo PMB UNIMARC export (ISO 2709, UTF-8).")
    parser.add_argument("out", type=pathlib.Path, help="ISO 2709 file to write")
    parser.add_argument("--count", type=int, default=2000, help="number of records (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    n = write_export(args.out, args.count, args.seed)
    print(f"{n} records written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
