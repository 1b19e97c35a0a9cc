"""factory_boy factories for tests and benchmarks (French data through Faker fr_FR); development only, the demo uses
jalon.core.demo_data."""

from __future__ import annotations

import random

import factory
from django.utils import timezone
from faker import Faker

from jalon.accounts.models import Role, User
from jalon.core.demo_data import make_finess, make_ins, make_rpps
from jalon.directory.models import (
    Commune,
    Membership,
    Organization,
    OrganizationKind,
    Profession,
    Professional,
    Territory,
)
from jalon.patients.models import Patient, Sex
from jalon.referrals.models import EntryPoint

fake = Faker("fr_FR")


def letters_name(prefix: str, number: int) -> str:
    """A distinct name per number written with letters only (civil-status names hold no digit): 12 → « PatientBC »."""
    return prefix + "".join("ABCDEFGHIJ"[int(digit)] for digit in str(number))


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"67{n % 1000:03d}")
    name = factory.LazyFunction(fake.city)
    department = "67"
    postal_codes = "67000"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganizationKind.HOSPITAL
    finess = factory.Sequence(lambda n: make_finess(n + 1))
    commune = factory.SubFactory(CommuneFactory, code="67482", name="Strasbourg", postal_codes="67000 67100 67200")


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory, kind=OrganizationKind.CPTS, finess=None)
    name = factory.LazyAttribute(lambda o: f"Territoire de {o.organization.name}")

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create and extracted:
            self.communes.add(*extracted)


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional
        skip_postgeneration_save = True

    rpps = factory.Sequence(lambda n: make_rpps(n + 1))
    last_name = factory.LazyFunction(fake.last_name)
    first_name = factory.LazyFunction(fake.first_name)
    profession = Profession.PHYSICIAN
    specialty = "Médecine générale"
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@exemple.fr".lower().replace(" ", ""))
    mssante_address = ""

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        if create and extracted:
            for organization in extracted:
                Membership.objects.get_or_create(professional=self, organization=organization)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.REFERRER
    professional = factory.SubFactory(ProfessionalFactory)
    password = factory.PostGenerationMethodCall("set_password", "motdepasse-de-test")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class EntryPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EntryPoint

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.LazyAttribute(lambda o: f"Guichet {o.organization.name}")
    slug = factory.Sequence(lambda n: f"guichet-{n}")
    answer_delay_amount = 48
    answer_delay_unit = "working_hours"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    sex = factory.LazyFunction(lambda: random.choice([Sex.FEMALE, Sex.MALE]))
    birth_name = factory.LazyFunction(fake.last_name)
    first_names = factory.LazyAttribute(
        lambda o: fake.first_name_female() if o.sex == Sex.FEMALE else fake.first_name_male()
    )
    birth_date = factory.LazyFunction(lambda: fake.date_of_birth(minimum_age=35, maximum_age=90))
    ins = factory.LazyAttributeSequence(lambda o, n: make_ins(sex=o.sex, birth_date=o.birth_date, seed=n))
    phone = "+33612345678"
    identity_key = factory.LazyAttribute(lambda o: Patient.make_identity_key(o.birth_name, o.first_names, o.birth_date))
    created_at = factory.LazyFunction(timezone.now)
