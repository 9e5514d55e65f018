"""Writes of ingest: bring a source in, find its candidate sentences, decide on them.

A body goes through one path whatever it came from (pasted text, a file, an HTML page, a
fetched URL): it is stored exactly as extracted, split into sentences with offsets, each
sentence scored for check-worthiness and matched against the desk's claims, all in one
transaction, so a failure leaves nothing half-made.
"""

from __future__ import annotations

from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from claimdesk.permissions import Action, Actor, acting_user, can, check
from claims import engine
from claims.analysis import flaggable, rank_many, thresholds
from claims.analysis.stats import features_known
from claims.models import Appearance, Claim, Claimant, ClaimantKind, ClaimStatus
from claims.services import appearance_add, claim_create, claimant_create
from ingest.checkworthiness import score_sentences
from ingest.extract import Extracted
from ingest.extract import from_file as extract_file
from ingest.extract import from_html as extract_html
from ingest.extract import from_text as extract_text
from ingest.fetch import FetchError, check_url, fetch_url
from ingest.models import Candidate, CandidateStatus, Ingest, IngestOrigin, IngestState
from ingest.segment import sentences
from sources.models import Source
from sources.normalize import content_hash
from sources.services import source_create

__all__ = [
    "IngestResult",
    "candidate_accept",
    "candidate_accept_as_appearance",
    "candidate_reject",
    "candidates_accept_many",
    "candidates_build",
    "desk_matches",
    "ingest_body",
    "ingest_fetch",
    "ingest_request_url",
    "ingest_retry",
    "ingest_submit",
    "threshold",
]

# How many desk claims each sentence is compared with (BM25's best, before the pre-check
# drops those that cannot be a repeat or conflict), and which of the engine's labels an
# editor is told about.
MATCH_CANDIDATES = 5
SHOWN_LABELS = frozenset({"repeat", "conflict"})


def threshold() -> float:
    """Sentences at or above this score are shown as candidates by default."""
    return float(getattr(settings, "INGEST_CANDIDATE_THRESHOLD", 0.5))


@dataclass(frozen=True)
class IngestResult:
    """The ingest and its source; ``created`` is False when the same body was already in."""

    ingest: Ingest
    source: Source
    created: bool


def desk_matches(texts: list[str]) -> list[list[dict[str, object]]]:
    """For each sentence, the desk claims it repeats or conflicts with (engine labels).

    The same steps as a claim's analysis, cut to what an article needs: BM25 on the index
    mirror for the whole batch, the array pre-check (``flaggable``) dropping the claims that
    merely share words, and ``classify`` for the rest. Claims' features come from their stored
    analyses. No typo stand-ins: a published article is spelt with care, and trying every
    one-edit variant of every sentence's rare words was a third of the time.
    """
    features = {i: engine.analyze(text) for i, text in enumerate(texts)}
    ranked = rank_many(
        ((i, f, None) for i, f in features.items()), k=MATCH_CANDIDATES, typo_tolerant=False
    )
    possible = flaggable(features, ranked, thresholds())
    claim_ids = {claim_id for ids in possible.values() for claim_id in ids}
    claims = {
        c.pk: c
        for c in Claim.objects.filter(pk__in=claim_ids)
        .exclude(status=ClaimStatus.MERGED)
        .only("pk", "text", "status")
    }
    claim_features = features_known({pk: c.text for pk, c in claims.items()})
    found: list[list[dict[str, object]]] = []
    for i, feats in features.items():
        rows: list[tuple[float, dict[str, object]]] = []
        for claim_id in possible[i]:
            if claim_id not in claims:
                continue
            theirs = claim_features.get(claim_id) or engine.analyze(claims[claim_id].text)
            result = engine.classify(feats, theirs)
            if result.label in SHOWN_LABELS:
                claim = claims[claim_id]
                row: dict[str, object] = {
                    "claim_id": claim_id,
                    "label": result.label,
                    "score": round(result.score, 3),
                    "claim_text": claim.text,
                    "claim_status": claim.get_status_display(),
                    "reasons": list(result.reasons[:3]),
                }
                rows.append((result.score, row))
        rows.sort(key=lambda scored: -scored[0])
        found.append([row for _, row in rows])
    return found


@transaction.atomic
def candidates_build(*, source: Source, semantic: bool = False) -> list[Candidate]:
    """(Re)build the candidate sentences of a source's body; decisions already made are lost,
    so this runs for a new source (or an explicit re-read)."""
    Candidate.objects.filter(source=source).delete()
    spans = sentences(source.body)
    if not spans:
        return []
    scored = score_sentences([s.text for s in spans], semantic=semantic)
    cut = threshold()
    # Only sentences shown by default are matched: the repeat check is the costly part.
    shown = [i for i, s in enumerate(scored) if s.score >= cut and spans[i].repeat_of is None]
    matched = dict(zip(shown, desk_matches([spans[i].text for i in shown]), strict=True))
    rows = [
        Candidate(
            source=source,
            position=span.index,
            start_offset=span.start,
            end_offset=span.end,
            text=span.text,
            score=round(min(1.0, max(0.0, s.score)), 4),
            reasons=s.reasons,
            matches=matched.get(span.index, []),
        )
        for span, s in zip(spans, scored, strict=True)
    ]
    Candidate.objects.bulk_create(rows)
    repeats = []
    for span, row in zip(spans, rows, strict=True):
        if span.repeat_of is not None:
            row.repeat_of = rows[span.repeat_of]
            repeats.append(row)
    Candidate.objects.bulk_update(repeats, ["repeat_of"])
    return rows


@transaction.atomic
def ingest_body(
    *,
    actor: Actor,
    extracted: Extracted,
    origin: str,
    url: str = "",
    ingest: Ingest | None = None,
    semantic: bool = False,
) -> IngestResult:
    """Store a body as a source with its candidates, or find the source already holding it."""
    check(actor, Action.SOURCE_CREATE)
    digest = content_hash(extracted.body)
    existing = Source.objects.filter(content_hash=digest).order_by("pk").first()
    if existing is not None:
        earlier = Ingest.objects.filter(source=existing).order_by("pk").first()
        if ingest is not None:
            ingest.source, ingest.state, ingest.error = existing, IngestState.DONE, ""
            ingest.save(update_fields=["source", "state", "error", "updated_at"])
            earlier = ingest
        if earlier is None:
            # A source keyed in before ingest existed: give it its record and candidates.
            earlier = Ingest.objects.create(
                origin=origin,
                source=existing,
                state=IngestState.DONE,
                created_by=acting_user(actor),
            )
            if not existing.candidates.exists():
                candidates_build(source=existing, semantic=semantic)
        return IngestResult(earlier, existing, created=False)
    source = source_create(
        actor=actor,
        title=extracted.title or "Untitled source",
        url=url,
        outlet=extracted.outlet,
        author=extracted.author,
        published_on=extracted.published_on,
        body=extracted.body,
    )
    if ingest is None:
        ingest = Ingest(origin=origin, url=url, created_by=acting_user(actor))
    ingest.source, ingest.state, ingest.error = source, IngestState.DONE, ""
    ingest.save()
    candidates_build(source=source, semantic=semantic)
    return IngestResult(ingest, source, created=True)


def _open(candidate: Candidate) -> Candidate:
    locked = Candidate.objects.select_for_update().select_related("source").get(pk=candidate.pk)
    if locked.status != CandidateStatus.OPEN:
        raise ValidationError({"candidate": "This sentence was already decided."})
    return locked


def _decide(locked: Candidate, *, actor: Actor, status: str, **fields: object) -> Candidate:
    locked.status = status
    locked.decided_by = acting_user(actor)
    locked.decided_at = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked


def _appearance(actor: Actor, locked: Candidate, claim: Claim, speaker: str) -> Appearance:
    return appearance_add(
        actor=actor,
        claim=claim,
        source=locked.source,
        quote=locked.text,
        speaker=speaker,
        start_offset=locked.start_offset,
        end_offset=locked.end_offset,
        checkworthiness=locked.score,
    )


_ORGANISATION_WORDS = frozenset(
    {
        "agency", "bank", "bureau", "commission", "committee", "council", "department",
        "government", "group", "inc", "institute", "ltd", "ministry", "office", "party",
        "university", "association", "foundation", "company", "corporation", "fund", "court",
    }
)  # fmt: skip


def claimant_kind(name: str) -> str:
    """A first guess of person or organisation from the name (the admin can change it)."""
    words = {w.strip(".,").casefold() for w in name.split()}
    return ClaimantKind.ORGANISATION if words & _ORGANISATION_WORDS else ClaimantKind.PERSON


def _claimant(actor: Actor, name: str) -> Claimant | None:
    """The desk's claimant of that name (any spelling of case), made when there is none."""
    name = " ".join(name.split())[:200]
    if not name:
        return None
    found = Claimant.objects.filter(name__iexact=name).order_by("pk").first()
    return found or claimant_create(actor=actor, name=name, kind=claimant_kind(name))


@transaction.atomic
def candidate_accept(
    *,
    actor: Actor,
    candidate: Candidate,
    text: str = "",
    speaker: str = "",
    claimant_name: str = "",
) -> Candidate:
    """A new claim from the sentence (its wording may be edited; quote and offsets stay exact).

    ``claimant_name`` is the attribution the editor confirmed (the page prefills it from the
    sentence): the claim's claimant, found by name or made, and who said it in the source.
    """
    locked = _open(candidate)
    claimant = _claimant(actor, claimant_name)
    claim = claim_create(actor=actor, text=(text or locked.text).strip(), claimant=claimant)
    appearance = _appearance(actor, locked, claim, speaker or (claimant.name if claimant else ""))
    return _decide(locked, actor=actor, status=CandidateStatus.ACCEPTED, appearance=appearance)


def _repeated_claim(candidate: Candidate) -> int | None:
    """The desk claim a candidate repeats (the engine's best repeat), if any."""
    repeats = [m for m in candidate.matches if m.get("label") == "repeat"]
    if not repeats:
        return None
    best = max(repeats, key=lambda m: float(m.get("score", 0.0)))
    return int(best["claim_id"])


@transaction.atomic
def candidates_accept_many(
    *,
    actor: Actor,
    source: Source,
    candidate_ids: list[int],
    claimants: dict[int, str] | None = None,
) -> list[Candidate]:
    """Accept the selected candidates of one source together: a sentence that repeats a desk
    claim becomes an appearance of it (never a duplicate claim), any other a new claim with
    its confirmed claimant (``claimants``: candidate id -> name). All or nothing: one that
    was decided meanwhile refuses the whole batch, naming it."""
    if not candidate_ids:
        raise ValidationError({"candidates": "Select at least one sentence."})
    chosen = list(
        Candidate.objects.filter(source=source, pk__in=candidate_ids).order_by("position")
    )
    if len(chosen) != len(set(candidate_ids)):
        raise ValidationError({"candidates": "Some selected sentences are not of this source."})
    decided = [c for c in chosen if c.status != CandidateStatus.OPEN]
    if decided:
        numbers = ", ".join(str(c.position + 1) for c in decided)
        raise ValidationError(
            {"candidates": f"Already decided, nothing was accepted: sentence {numbers}."}
        )
    names = claimants or {}
    claims = {
        c.pk: c for c in Claim.objects.filter(pk__in=filter(None, map(_repeated_claim, chosen)))
    }
    done = []
    for candidate in chosen:
        repeated = claims.get(_repeated_claim(candidate) or 0)
        if repeated is not None:
            done.append(
                candidate_accept_as_appearance(actor=actor, candidate=candidate, claim=repeated)
            )
        else:
            done.append(
                candidate_accept(
                    actor=actor, candidate=candidate, claimant_name=names.get(candidate.pk, "")
                )
            )
    return done


@transaction.atomic
def candidate_accept_as_appearance(
    *, actor: Actor, candidate: Candidate, claim: Claim, speaker: str = ""
) -> Candidate:
    """The sentence repeats a claim the desk has: add an appearance to it, no new claim."""
    locked = _open(candidate)
    if claim.status == ClaimStatus.MERGED and claim.canonical_id:
        claim = Claim.objects.get(pk=claim.canonical_id)
    appearance = _appearance(actor, locked, claim, speaker)
    return _decide(locked, actor=actor, status=CandidateStatus.ACCEPTED, appearance=appearance)


@transaction.atomic
def candidate_reject(*, actor: Actor, candidate: Candidate, reason: str) -> Candidate:
    """Not worth a claim; the reason is remembered."""
    check(actor, Action.SOURCE_UPDATE)
    if not reason.strip():
        raise ValidationError({"reason": "Say why this sentence is rejected."})
    locked = _open(candidate)
    return _decide(
        locked, actor=actor, status=CandidateStatus.REJECTED, reject_reason=reason.strip()[:300]
    )


FETCH_TASK = "ingest.tasks.fetch_source"  # registered by ingest.tasks


def _enqueue_fetch(ingest_id: int) -> None:
    try:
        current_app.tasks[FETCH_TASK].delay(ingest_id)
    except OperationalError as exc:
        # The ingest stays pending with the reason; "retry" enqueues it again.
        Ingest.objects.filter(pk=ingest_id).update(error=f"Not queued yet: {exc}")


@transaction.atomic
def ingest_request_url(*, actor: Actor, url: str) -> Ingest:
    """Queue a URL for a worker to fetch; a URL the guard refuses is refused now (400)."""
    check(actor, Action.SOURCE_SUBMIT)
    check_url(url)
    ingest = Ingest(origin=IngestOrigin.URL, url=url.strip(), created_by=acting_user(actor))
    ingest.full_clean()
    ingest.save()
    transaction.on_commit(lambda: _enqueue_fetch(ingest.pk))
    return ingest


@transaction.atomic
def ingest_retry(*, actor: Actor, ingest: Ingest) -> Ingest:
    """Try a failed URL fetch again."""
    check(actor, Action.SOURCE_CREATE)
    locked = Ingest.objects.select_for_update().get(pk=ingest.pk)
    if locked.state != IngestState.FAILED or locked.origin != IngestOrigin.URL:
        raise ValidationError({"ingest": "Only a failed URL fetch can be retried."})
    locked.state = IngestState.PENDING
    locked.save(update_fields=["state", "updated_at"])
    transaction.on_commit(lambda: _enqueue_fetch(locked.pk))
    return locked


def ingest_fetch(*, ingest_id: int) -> Ingest | None:
    """The worker's side: fetch, then ingest in one transaction, or record why it failed."""
    ingest = Ingest.objects.select_related("created_by").filter(pk=ingest_id).first()
    if ingest is None or ingest.state != IngestState.PENDING:
        return ingest
    Ingest.objects.filter(pk=ingest.pk).update(attempts=F("attempts") + 1)
    ingest.refresh_from_db(fields=["attempts"])  # ingest_body saves the whole row
    try:
        extracted = fetch_url(ingest.url)
        with transaction.atomic():
            ingest_body(
                actor=writer(ingest.created_by),
                extracted=extracted,
                origin=IngestOrigin.URL,
                url=ingest.url,
                ingest=ingest,
            )
    except (FetchError, ValidationError, PermissionDenied) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        Ingest.objects.filter(pk=ingest.pk).update(
            state=IngestState.FAILED, error=message[:1000], updated_at=timezone.now()
        )
    ingest.refresh_from_db()
    return ingest


@dataclass(frozen=True)
class Submitted:
    """What an editor or API client handed in: exactly one of text, html, a file or a URL."""

    text: str = ""
    html: str = ""
    file_name: str = ""
    file_data: bytes | None = None
    url: str = ""
    title: str = ""


def writer(actor: Actor) -> Actor:
    """Who writes a submitted source: staff themselves; for a publisher who may submit (the
    permission was checked for the submission as a whole), the system, as a submitted claim
    is written (``claims.services.claim_submit``)."""
    return actor if can(actor, Action.SOURCE_CREATE) else None


def ingest_submit(*, actor: Actor, submitted: Submitted) -> tuple[Ingest, bool]:
    """Ingest pasted text, HTML or a file now, or queue a URL for a worker; True when
    something new was made (False: the same content was already a source).

    Exactly one input is accepted; a refusal names its field and creates nothing. Staff and
    publishers (``SOURCE_SUBMIT``) may submit; the ingest records who did.
    """
    check(actor, Action.SOURCE_SUBMIT)
    given = [
        name
        for name, present in (
            ("text", bool(submitted.text.strip())),
            ("html", bool(submitted.html.strip())),
            ("file", submitted.file_data is not None),
            ("url", bool(submitted.url.strip())),
        )
        if present
    ]
    if len(given) != 1:
        message = (
            "Give one of: text, html, a file or a URL." if not given else "Give only one input."
        )
        raise ValidationError(dict.fromkeys(given or ["text"], message))
    kind = given[0]
    if kind == "url":
        return ingest_request_url(actor=actor, url=submitted.url), True
    if kind == "text":
        extracted = extract_text(submitted.text, title=submitted.title)
        origin = IngestOrigin.TEXT
    elif kind == "html":
        extracted = extract_html(submitted.html, title=submitted.title)
        origin = IngestOrigin.HTML
    else:
        assert submitted.file_data is not None  # "file" is only given with its data
        extracted = extract_file(submitted.file_name, submitted.file_data, title=submitted.title)
        origin = IngestOrigin.FILE
    by = writer(actor)
    if by is actor:
        result = ingest_body(actor=actor, extracted=extracted, origin=origin)
    else:
        # Written by the system, recorded as the publisher's (the source is theirs to read).
        own = Ingest(origin=origin, created_by=acting_user(actor))
        result = ingest_body(actor=by, extracted=extracted, origin=origin, ingest=own)
    return result.ingest, result.created
