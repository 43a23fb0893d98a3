"""The members' joint decisions on the general framework.

A member municipality may ask for a change (MemberRequest); the NVSI board drafts a Proposal
(the values it changes, the date it would take effect, its reasoning); the operator's back
office writes its Advice; the board opens a vote, which fixes the electors (every
municipality with an active membership on the opening date, Elector); each elector casts one
Ballot through one of its representatives, changeable until the vote closes; the close
records a Decision (counts, outcome, reference) and, when adopted, the general Framework
version it made. Every state change is a service in governance/services.py.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import PERCENTAGE_VALIDATORS, Framework, Municipality
from members.validators import validate_payout_moment

# The general framework's values a proposal may change (all of Framework's general values).
PROPOSAL_FIELDS = (
    "client_hourly_rate_min",
    "premium_per_hour",
    "payout_moments",
    "operator_fee_percentage",
    "contribution_percentage",
    "contribution_operator_percentage",
    "vat_percentage",
    "long_after_weeks",
    "large_hours_per_week",
    "large_concurrent_candidates",
)

# A change of the operator fee or the NVSI contribution needs the qualified majority
# (GOVERNANCE_QUALIFIED_MAJORITY) and takes effect only on 1 January or 1 July.
QUALIFIED_FIELDS = (
    "operator_fee_percentage",
    "contribution_percentage",
    "contribution_operator_percentage",
)

# What changes what the operator earns (F - Co, with F = gross x fee): the fee and the
# contribution (the operator bears its share, which the total bounds), and the minimum client
# rate (the floor of the gross revenue the fee is a percentage of). The premium, VAT, payout
# moments and the large-or-long thresholds do not change the operator's share of the gross.
OPERATOR_EARNINGS_FIELDS = (*QUALIFIED_FIELDS, "client_hourly_rate_min")


class MemberRequest(models.Model):
    """A member municipality asks the board for a change of the general framework."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        TAKEN_UP = "taken_up", _("Taken up in a proposal")
        DECLINED = "declined", _("Declined")

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="governance_requests",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200)
    motivation = models.TextField(_("what should change and why"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    proposal = models.ForeignKey(
        "Proposal",
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="member_requests",
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)

    class Meta:
        verbose_name = _("member request")
        verbose_name_plural = _("member requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", handled_by__isnull=True, proposal__isnull=True)
                | Q(status="taken_up", handled_by__isnull=False, proposal__isnull=False)
                | (
                    Q(status="declined", handled_by__isnull=False, proposal__isnull=True)
                    & ~Q(decline_reason="")
                ),
                name="governance_request_status_fields",
                violation_error_message=_(
                    "A taken-up request names its proposal; a declined one states its reason."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name}: {self.subject}"


class Proposal(models.Model):
    """A proposed change of the general framework, from its draft to its decision."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ADVICE_REQUESTED = "advice_requested", _("Advice requested")
        VOTING = "voting", _("Voting")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("title"), max_length=200)
    reasoning = models.TextField(_("reasoning"))
    effective_date = models.DateField(
        _("takes effect on"),
        help_text=_(
            "A change of the operator fee or the contribution takes effect on 1 January or 1 July."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # The values it changes; empty = unchanged (mirrors Framework's general values).
    client_hourly_rate_min = models.DecimalField(
        _("minimum client hourly rate"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    premium_per_hour = models.DecimalField(
        _("premium per worked hour"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    payout_moments = ArrayField(
        models.CharField(max_length=5, validators=[validate_payout_moment]),
        verbose_name=_("payout moments (MM-DD)"),
        size=2,
        null=True,
        blank=True,
    )
    operator_fee_percentage = models.DecimalField(
        _("operator fee (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    contribution_percentage = models.DecimalField(
        _("NVSI contribution (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    contribution_operator_percentage = models.DecimalField(
        _("contribution borne by the operator (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    vat_percentage = models.DecimalField(
        _("VAT on client invoices (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=PERCENTAGE_VALIDATORS,
    )
    long_after_weeks = models.PositiveSmallIntegerField(
        _("long: longer than (weeks)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    large_hours_per_week = models.DecimalField(
        _("large: more than (hours a week)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    large_concurrent_candidates = models.PositiveSmallIntegerField(
        _("large: concurrent candidates at one client (at least)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )

    # The vote: opened by a board member other than the proposer (four eyes).
    vote_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("vote opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    vote_opened_on = models.DateField(_("vote opened on"), null=True, blank=True)
    vote_ends_on = models.DateField(
        _("last day of the vote"),
        null=True,
        blank=True,
        help_text=_("Votes can be cast and changed up to and including this day."),
    )

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    *[Q(**{f"{field}__isnull": False}) for field in PROPOSAL_FIELDS],
                    _connector=Q.OR,
                ),
                name="governance_proposal_changes_something",
                violation_error_message=_("A proposal changes at least one value."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "advice_requested", "withdrawn"])
                | Q(
                    vote_opened_by__isnull=False,
                    vote_opened_on__isnull=False,
                    vote_ends_on__isnull=False,
                ),
                name="governance_proposal_vote_period",
                violation_error_message=_("A vote has an opening date and a last day."),
            ),
            models.CheckConstraint(
                condition=Q(vote_ends_on__isnull=True)
                | Q(vote_ends_on__gte=models.F("vote_opened_on")),
                name="governance_proposal_vote_ends_after_opening",
                violation_error_message=_("The vote ends on or after the day it opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def changes(self) -> dict:
        """The values it changes: {field: proposed value}."""
        return {
            field: getattr(self, field)
            for field in PROPOSAL_FIELDS
            if getattr(self, field) is not None
        }

    @property
    def touches_operator_earnings(self) -> bool:
        return any(getattr(self, field) is not None for field in OPERATOR_EARNINGS_FIELDS)

    @property
    def needs_qualified_majority(self) -> bool:
        return any(getattr(self, field) is not None for field in QUALIFIED_FIELDS)

    @property
    def is_open_for_vote(self) -> bool:
        return self.status == self.Status.VOTING

    @property
    def is_decided(self) -> bool:
        return self.status in (self.Status.ADOPTED, self.Status.REJECTED)


class Advice(models.Model):
    """The operator's advice on a proposal, written by its back office before the vote."""

    class Position(models.TextChoices):
        FOR = "for", _("In favour")
        AGAINST = "against", _("Against")
        CONDITIONAL = "conditional", _("In favour, on conditions")

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="advice"
    )
    position = models.CharField(_("advice"), max_length=16, choices=Position.choices)
    text = models.TextField(_("explanation"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("written"), auto_now=True)

    class Meta:
        verbose_name = _("advice")
        verbose_name_plural = _("advice")

    def __str__(self) -> str:
        return f"{self.proposal}: {self.get_position_display()}"


class Choice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class Elector(models.Model):
    """A municipality entitled to vote on a proposal: active member on the vote's opening day,
    fixed when the vote opens."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="electors"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("elector")
        verbose_name_plural = _("electors")
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "municipality"], name="governance_elector_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.municipality.name}"


class Ballot(models.Model):
    """A municipality's one vote on a proposal, cast by one of its representatives."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="ballots"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cast by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    cast_at = models.DateTimeField(_("cast"), auto_now=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["municipality__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "municipality"],
                name="governance_one_ballot_per_municipality",
                violation_error_message=_("This municipality has already voted."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name}: {self.get_choice_display()}"


class Decision(models.Model):
    """The outcome of a closed vote; an adopted proposal links the framework version it made."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Rejected")

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="decision"
    )
    reference = models.CharField(_("decision reference"), max_length=20, unique=True)
    decided_on = models.DateField(_("decided on"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the vote was closed by the system at the end of its period."),
    )
    electors = models.PositiveIntegerField(_("electors"))
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    votes_abstain = models.PositiveIntegerField(_("abstained"))
    not_voted = models.PositiveIntegerField(_("did not vote"))
    quorum_met = models.BooleanField(_("quorum met"))
    # The rule applied, as it stood at the close (settings may change later).
    rule = models.CharField(_("rule applied"), max_length=300)
    framework = models.OneToOneField(
        Framework,
        verbose_name=_("framework version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_on", "-reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="adopted") | Q(framework__isnull=True),
                name="governance_decision_framework_only_when_adopted",
                violation_error_message=_("Only an adopted proposal makes a framework version."),
            ),
            models.CheckConstraint(
                condition=Q(
                    electors=models.F("votes_for")
                    + models.F("votes_against")
                    + models.F("votes_abstain")
                    + models.F("not_voted")
                ),
                name="governance_decision_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Notification(models.Model):
    """An e-mail to the representatives about a proposal, once per proposal and kind."""

    class Kind(models.TextChoices):
        VOTE_OPENED = "vote_opened", _("Vote opened")
        VOTE_CLOSING = "vote_closing", _("Vote closes in two days")
        DECIDED = "decided", _("Decided")

    proposal = models.ForeignKey(
        Proposal,
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "kind"], name="governance_notify_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal}: {self.get_kind_display()}"
