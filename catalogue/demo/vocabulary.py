"""The demo generator's word lists and code tables: invented, French, by field of activity."""

from __future__ import annotations

from pymarc import Indicators

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


