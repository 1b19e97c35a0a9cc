#!/usr/bin/env python
"""Lexicon benchmark (issue 14): the cost of reading one referral's free text with jalon.triage.lexicon.

    python bench/lexicon_bench.py --texts 1000 --chars 1000

Not a test and no database: it builds the edsnlp pipeline once (timed apart: import and build), then reads
--texts synthetic French referral texts of about --chars characters each (sentences of GP phrasing drawn
at random with a fixed seed: signs, negations, family history, scores, sizes) and prints the time per text
(mean, p50, p95 by nearest rank, max) in milliseconds. See bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SENTENCES = [
    "Patient de 64 ans, fumeur 40 PA, adressé pour toux persistante depuis 2 mois.",
    "Hémoptysies de faible abondance, pas de fièvre ni de sueurs nocturnes.",
    "AMG de 7 kg en 3 mois avec AEG, pas d'amélioration de la dyspnée sous aérosols.",
    "Scanner thoracique : masse du lobe supérieur droit de 35 mm, ADP médiastinales, Lung-RADS 4B.",
    "Mère décédée d'un cancer du sein, père cirrhotique.",
    "ATCD de K du sein traité en 2015 par tumorectomie et radiothérapie.",
    "Mammographie : ACR 4 à gauche, densité ACR 2, nodule de 12 x 8 mm.",
    "Échographie cervicale : nodule thyroïdien EU-TIRADS 5 de 2,5 cm, pas d'adénopathie.",
    "Foie de cirrhose sur VHC, nodule LR-5 de 3cm au segment VII.",
    "Sans hémoptysie, sans dysphagie, transit normal.",
    "Anémie ferriprive à 9,2 g/dl sans saignement extériorisé, coloscopie demandée.",
    "Ictère indolore depuis 10 jours, prurit, urines foncées.",
    "Crise comitiale inaugurale hier, céphalées matinales, pas de déficit moteur.",
    "Patiente ménopausée depuis 8 ans, métrorragies depuis 1 mois.",
    "Lésion pigmentée du dos qui change de couleur, suspicion de mélanome.",
    "Si aggravation de la dyspnée ou hémoptysie, reconsulter aux urgences.",
    "Examen clinique : abdomen souple, pas de masse palpable, pas d'hépatomégalie.",
    "Voix rauque depuis 6 semaines chez un fumeur sevré, pas de stridor.",
]


def synthetic_text(rng: random.Random, chars: int) -> str:
    """A referral text of about `chars` characters made of GP sentences."""
    parts: list[str] = []
    while sum(len(part) + 1 for part in parts) < chars:
        parts.append(rng.choice(SENTENCES))
    return " ".join(parts)[:chars]


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--chars", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args()

    started = time.perf_counter()
    from jalon.triage.lexicon import pipeline, read_clinical_text

    imported = time.perf_counter()
    pipeline()
    built = time.perf_counter()
    print(f"import {1000 * (imported - started):.0f} ms, pipeline built once in {1000 * (built - imported):.0f} ms")

    rng = random.Random(options.seed)
    texts = [synthetic_text(rng, options.chars) for _ in range(options.texts)]
    for text in texts[: options.warmup]:
        read_clinical_text(text)
    samples = []
    for text in texts:
        start = time.perf_counter()
        read_clinical_text(text)
        samples.append(1000 * (time.perf_counter() - start))
    print(
        f"{len(texts)} texts of {options.chars} characters: per text mean {statistics.fmean(samples):.2f} ms, "
        f"p50 {percentile(samples, 0.50):.2f} ms, p95 {percentile(samples, 0.95):.2f} ms, max {max(samples):.2f} ms"
    )


if __name__ == "__main__":
    main()
