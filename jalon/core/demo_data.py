"""Made-up but valid identifiers and French names for the demo data (`load_demo`) and the test factories.

Runtime code: `load_demo` ships with Jalon, so what it needs lives here and not in the test factories
(factory_boy and Faker are development requirements only).
"""

from __future__ import annotations

import random
from datetime import date

from jalon.core.identifiers import ins_with_valid_key, luhn_check_digit


def make_rpps(seed: int) -> str:
    """A valid RPPS (11 digits, Luhn) derived from a number."""
    partial = f"1{seed:09d}"[-10:]
    return partial + luhn_check_digit(partial)


def make_finess(seed: int, department: str = "67") -> str:
    """A valid FINESS (9 characters, Luhn) of a department, derived from a number."""
    partial = f"{department}{seed:06d}"[:8]
    return partial + luhn_check_digit(partial)


def make_ins(*, sex: str, birth_date: date, department: str = "67", seed: int | None = None) -> str:
    """A structurally valid INS with its key, consistent with sex ("M" or "F") and birth date."""
    rng = random.Random(seed)
    sex_digit = "1" if sex == "M" else "2"
    nir13 = f"{sex_digit}{birth_date:%y%m}{department}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return ins_with_valid_key(nir13)


FEMALE_FIRST_NAMES = (
    "Agnès",
    "Alice",
    "Anne",
    "Annick",
    "Audrey",
    "Aurélie",
    "Béatrice",
    "Bernadette",
    "Brigitte",
    "Camille",
    "Caroline",
    "Catherine",
    "Cécile",
    "Chantal",
    "Christine",
    "Claire",
    "Claudine",
    "Colette",
    "Corinne",
    "Danielle",
    "Denise",
    "Dominique",
    "Édith",
    "Élise",
    "Élodie",
    "Émilie",
    "Françoise",
    "Geneviève",
    "Hélène",
    "Isabelle",
    "Jacqueline",
    "Jeanne",
    "Josiane",
    "Julie",
    "Laetitia",
    "Laure",
    "Léa",
    "Louise",
    "Lucie",
    "Madeleine",
    "Marie",
    "Marine",
    "Marthe",
    "Martine",
    "Michèle",
    "Monique",
    "Nadine",
    "Nathalie",
    "Nicole",
    "Odile",
    "Pascale",
    "Patricia",
    "Renée",
    "Sandrine",
    "Simone",
    "Solène",
    "Sophie",
    "Suzanne",
    "Sylvie",
    "Thérèse",
    "Valérie",
    "Véronique",
    "Yvette",
    "Zoé",
)
MALE_FIRST_NAMES = (
    "Alain",
    "André",
    "Antoine",
    "Arnaud",
    "Benoît",
    "Bernard",
    "Bruno",
    "Christian",
    "Christophe",
    "Claude",
    "Daniel",
    "Denis",
    "Didier",
    "Dominique",
    "Éric",
    "Étienne",
    "Fabrice",
    "François",
    "Frédéric",
    "Georges",
    "Gérard",
    "Gilles",
    "Guillaume",
    "Guy",
    "Henri",
    "Hervé",
    "Hugues",
    "Jacques",
    "Jean",
    "Jérôme",
    "Joël",
    "Julien",
    "Laurent",
    "Louis",
    "Luc",
    "Marc",
    "Marcel",
    "Mathieu",
    "Maurice",
    "Michel",
    "Nicolas",
    "Noël",
    "Olivier",
    "Pascal",
    "Patrice",
    "Patrick",
    "Paul",
    "Philippe",
    "Pierre",
    "René",
    "Robert",
    "Roger",
    "Serge",
    "Stéphane",
    "Sylvain",
    "Thierry",
    "Thomas",
    "Vincent",
    "Xavier",
    "Yves",
)
LAST_NAMES = (
    "André",
    "Arnould",
    "Aubert",
    "Bailly",
    "Barbier",
    "Baumann",
    "Bertrand",
    "Blanc",
    "Boyer",
    "Brunner",
    "Carpentier",
    "Chevalier",
    "Clément",
    "Colin",
    "Dubois",
    "Dufour",
    "Dumont",
    "Dupuis",
    "Durand",
    "Ehrhardt",
    "Faure",
    "Fischer",
    "Fontaine",
    "Fournier",
    "François",
    "Gaillard",
    "Garnier",
    "Gauthier",
    "Gérard",
    "Girard",
    "Guérin",
    "Haas",
    "Hoffmann",
    "Huber",
    "Jacob",
    "Kieffer",
    "Klein",
    "Koch",
    "Krebs",
    "Lambert",
    "Laurent",
    "Le Gall",
    "Lebrun",
    "Leclerc",
    "Lefèvre",
    "Legrand",
    "Lemaire",
    "Leroy",
    "Lévêque",
    "Lutz",
    "Marchal",
    "Martin",
    "Mathieu",
    "Mercier",
    "Meyer",
    "Michel",
    "Moreau",
    "Morel",
    "Muller",
    "Noël",
    "Perrin",
    "Petit",
    "Picard",
    "Renard",
    "Richard",
    "Rieger",
    "Robert",
    "Roche",
    "Roussel",
    "Roux",
    "Schaeffer",
    "Schmitt",
    "Schneider",
    "Schwartz",
    "Simon",
    "Stoll",
    "Thomas",
    "Vidal",
    "Vincent",
    "Wagner",
    "Walter",
    "Weber",
    "Weiss",
    "Wolff",
    "Zimmermann",
    "d'Anglemont",
    "de La Tour",
    "Saint-Martin",
    "Bonnet-Lévy",
    "Heitz",
)


class DemoNames:
    """Reproducible French first and last names (civil-status characters only: letters, space, hyphen, apostrophe)."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def first_name_female(self) -> str:
        return self.rng.choice(FEMALE_FIRST_NAMES)

    def first_name_male(self) -> str:
        return self.rng.choice(MALE_FIRST_NAMES)

    def last_name(self) -> str:
        return self.rng.choice(LAST_NAMES)
