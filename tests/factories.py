"""factory_boy factories for test data. They write rows directly; tests of behaviour call services."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from claims.models import Appearance, Claim, Claimant, ClaimantKind, ClaimStatus, Flag, FlagKind
from reviews.models import Assignment, Evidence, Rating, Verdict, VerdictState
from sources.models import Source


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))


class SourceFactory(factory.django.DjangoModelFactory[Source]):
    class Meta:
        model = Source

    title = factory.Sequence(lambda n: f"Report number {n}")
    url = factory.Sequence(lambda n: f"https://news.example.org/story/{n}")
    outlet = "Example News"
    published_on = dt.date(2025, 5, 1)


class ClaimantFactory(factory.django.DjangoModelFactory[Claimant]):
    class Meta:
        model = Claimant

    name = factory.Sequence(lambda n: f"Claimant {n}")
    kind = ClaimantKind.ORGANISATION


class ClaimFactory(factory.django.DjangoModelFactory[Claim]):
    class Meta:
        model = Claim

    text = factory.Sequence(lambda n: f"Chipmaker {n} shipped {n * 1000} accelerators in 2025.")
    claimant = factory.SubFactory(ClaimantFactory)
    status = ClaimStatus.READY


class AppearanceFactory(factory.django.DjangoModelFactory[Appearance]):
    class Meta:
        model = Appearance

    claim = factory.SubFactory(ClaimFactory)
    source = factory.SubFactory(SourceFactory)
    quote = factory.LazyAttribute(lambda a: a.claim.text)


class AssignmentFactory(factory.django.DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    claim = factory.SubFactory(ClaimFactory)
    reviewer = factory.SubFactory(UserFactory)


class VerdictFactory(factory.django.DjangoModelFactory[Verdict]):
    class Meta:
        model = Verdict

    claim = factory.SubFactory(ClaimFactory)
    rating = Rating.MOSTLY_TRUE
    headline = "Shipment figure matches the company's filing"
    explanation = "The annual report gives the same number."


class PublishedVerdictFactory(VerdictFactory):
    """A published verdict on a published claim (rows written directly, as seeds would)."""

    claim = factory.SubFactory(ClaimFactory, status=ClaimStatus.PUBLISHED)
    state = VerdictState.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class EvidenceFactory(factory.django.DjangoModelFactory[Evidence]):
    class Meta:
        model = Evidence

    verdict = factory.SubFactory(PublishedVerdictFactory)
    claim = factory.LazyAttribute(lambda e: e.verdict.claim)
    source = factory.SubFactory(SourceFactory)
    stance = "refutes"


class FlagFactory(factory.django.DjangoModelFactory[Flag]):
    class Meta:
        model = Flag

    claim_a = factory.SubFactory(ClaimFactory)
    claim_b = factory.SubFactory(ClaimFactory)
    kind = FlagKind.REPEAT
    score = 0.9
    method = "lexical"
    engine_version = "test"
    text_key = "k"
