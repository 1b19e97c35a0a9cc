"""What every step of the demo shares: the moment it is loaded, the seeded draws, the fictitious phone numbers."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime

from jalon.core.demo_data import DemoNames

SEED = 2026


@dataclass
class DemoContext:
    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    names: DemoNames = field(default_factory=lambda: DemoNames(SEED))
    phone_numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def phone(self) -> str:
        """A number of the range 03 53 01 xx xx, which ARCEP reserves for fiction: nobody real gets called."""
        return f"+3335301{next(self.phone_numbers):04d}"
