"""What waits for each role: the to-do items of the start page, scoped to the user.

One selector per role (`todo_for_coordinator`, `todo_for_treasurer`, `todo_for_back_office`,
`todo_for_board`, `todo_for_representative`) returns its items: a title, the count, the link
to the page where the work is done and, where useful, the first few rows. Every count of a
page comes from the database in ONE query (a scalar subquery per item, `_count_all`); each
item that has something waiting adds one query for its top rows. The number of queries does
not depend on how many municipalities a coordinator covers: scope is a join on the
coordinator, never a loop.

The querysets come from the apps' own scoped selectors (`assignment_list_for_user`,
`payout_run_list_for_user`, `settlement_list_for_user`, ...), so a coordinator never counts
another municipality's work.
"""

import dataclasses
import datetime
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)
from billing.models import BankStatementLine, CreditNote, Invoice, InvoiceRun
from billing.selectors_payments import invoice_list_overdue
from core.templatetags.portal import euro
from governance.models import Ballot, Elector, MemberRequest, Proposal
from members.models import Contract, Framework, Municipality
from placements.models import Assignment
from placements.selectors import assignment_list_for_user
from premiums.models import PayoutRun
from premiums.selectors import payout_run_list_for_user
from settlements.models import Settlement, SettlementPayment, SettlementRun
from settlements.selectors import settlement_list_for_user

# How many rows an item shows under its count; the link leads to all of them.
TOP_ROWS = 5
# A PDF is rendered by a worker right after the document is issued: one still missing after
# this long has failed (the worker was down or rendering raised).
PDF_GRACE = datetime.timedelta(minutes=15)


@dataclasses.dataclass(frozen=True)
class TodoRow:
    label: str
    detail: str = ""
    url: str = ""


@dataclasses.dataclass(frozen=True)
class TodoItem:
    key: str
    title: str
    count: int
    url: str
    description: str = ""
    rows: tuple[TodoRow, ...] = ()


@dataclasses.dataclass(frozen=True)
class TodoSection:
    """The items of one role; a person with two roles (a coordinator who also represents
    their municipality) sees two sections."""

    role: str
    title: str
    items: tuple[TodoItem, ...]
    # Where the role's other work starts (a representative's municipality pages).
    links: tuple[TodoRow, ...] = ()

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)

    @property
    def waiting(self) -> list[TodoItem]:
        return [item for item in self.items if item.count]

    @property
    def quiet(self) -> list[TodoItem]:
        return [item for item in self.items if not item.count]


@dataclasses.dataclass(frozen=True)
class _Spec:
    """An item before it is counted: `queryset` is counted by the database; `rows` (called
    only when the count is not zero) gives the top rows."""

    key: str
    title: str
    queryset: QuerySet
    url: str | Callable[[], str]
    description: str = ""
    rows: Callable[[], list[TodoRow]] | None = None


def _count_all(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """Every count in one query: SELECT (SELECT COUNT(*) FROM (...)) AS key, ..."""
    if not querysets:
        return {}
    parts, params = [], []
    for index, queryset in enumerate(querysets.values()):
        sql, query_params = queryset.order_by().values("pk").query.sql_with_params()
        # Django's own compiled SQL; every value stays a parameter.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS todo_{index}) AS count_{index}")  # noqa: S608
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return dict(zip(querysets, row, strict=True))


def _items(specs: list[_Spec]) -> tuple[TodoItem, ...]:
    counts = _count_all({spec.key: spec.queryset for spec in specs})
    return tuple(
        TodoItem(
            key=spec.key,
            title=spec.title,
            count=counts[spec.key],
            url=spec.url() if callable(spec.url) else spec.url,
            description=spec.description,
            rows=tuple(spec.rows()) if spec.rows and counts[spec.key] else (),
        )
        for spec in specs
    )


def _url(name: str, *args, query: dict | None = None) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _day(value) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return date_format(value, "d-m-Y")


# --- Shared querysets ----------------------------------------------------------------------


def _minimum_rate_in_force(*, today: datetime.date) -> Greatest:
    """The minimum client rate in force today for the assignment's municipality, as SQL:
    the stricter (higher) of the general framework's and the local one's, as
    members.selectors.framework_in_force takes it. PostgreSQL's GREATEST skips a NULL, so a
    municipality without a local framework gets the general minimum."""
    general = Framework.objects.filter(
        scope=Framework.Scope.GENERAL, valid_from__lte=today
    ).order_by("-valid_from")
    local = Framework.objects.filter(
        scope=Framework.Scope.LOCAL,
        municipality=OuterRef("candidate__municipality"),
        valid_from__lte=today,
    ).order_by("-valid_from")
    return Greatest(
        Subquery(general.values("client_hourly_rate_min")[:1]),
        Subquery(local.values("client_hourly_rate_min")[:1]),
    )


def assignments_below_minimum_rate(*, user, today: datetime.date) -> QuerySet[Assignment]:
    """Approved and active assignments that have not ended whose hourly rate is below the
    minimum rate in force today (a new minimum, e.g. the half-yearly indexation, overtook
    them): the hours still to be invoiced would be invoiced below the minimum."""
    return (
        assignment_list_for_user(user=user)
        .filter(
            status__in=[Assignment.Status.APPROVED, Assignment.Status.ACTIVE],
            end_date__gte=today,
        )
        .annotate(minimum_rate=_minimum_rate_in_force(today=today))
        .filter(hourly_rate__lt=F("minimum_rate"))
        .order_by("candidate__municipality__name", "start_date", "pk")
    )


def _below_minimum_rows(queryset, *, link: Callable[[Assignment], str]) -> list[TodoRow]:
    return [
        TodoRow(
            label=f"{a.candidate} – {a.client.name}",
            detail=_("%(municipality)s: %(rate)s an hour, minimum %(minimum)s")
            % {
                "municipality": a.candidate.municipality.name,
                "rate": euro(a.hourly_rate),
                "minimum": euro(a.minimum_rate),
            },
            url=link(a),
        )
        for a in queryset[:TOP_ROWS]
    ]


def _payments_not_in_a_file() -> QuerySet[SettlementPayment]:
    return SettlementPayment.objects.filter(
        transfer_file__isnull=True, settlement__status=Settlement.Status.APPROVED
    )


def _open_votes(*, municipalities: QuerySet[Municipality]) -> QuerySet[Proposal]:
    """Proposals open for voting on which one of `municipalities` is an elector that has not
    voted yet."""
    unvoted = Elector.objects.filter(
        proposal=OuterRef("pk"), municipality__in=municipalities
    ).exclude(
        Exists(
            Ballot.objects.filter(
                proposal=OuterRef("proposal"), municipality=OuterRef("municipality")
            )
        )
    )
    return (
        Proposal.objects.filter(status=Proposal.Status.VOTING)
        .filter(Exists(unvoted))
        .order_by("vote_ends_on", "pk")
    )


def _vote_rows(queryset) -> list[TodoRow]:
    return [
        TodoRow(
            label=p.title,
            detail=_("voting closes on %(date)s") % {"date": _day(p.vote_ends_on)}
            if p.vote_ends_on
            else "",
            url=reverse("governance:proposal_detail", args=[p.pk]),
        )
        for p in queryset[:TOP_ROWS]
    ]


# --- Coordinator ---------------------------------------------------------------------------


def _coordinated(user) -> QuerySet[Municipality]:
    return Municipality.objects.filter(coordinators=user)


def _coordinator_specs(*, user, today: datetime.date) -> list[_Spec]:
    """Assignment requests to decide (soonest start first), payout runs to approve,
    settlements with news, contracts ending, and the open votes of their municipalities."""
    requests = (
        assignment_list_for_user(user=user)
        .filter(status=Assignment.Status.REQUESTED)
        .order_by("start_date", "created_at", "pk")
    )
    runs = (
        payout_run_list_for_user(user=user)
        .filter(status=PayoutRun.Status.PREPARED)
        .order_by("payout_date", "municipality__name", "pk")
    )
    since = timezone.now() - datetime.timedelta(days=settings.TODO_NEWS_DAYS)
    news = (
        settlement_list_for_user(user=user)
        .filter(
            Q(status=Settlement.Status.SUBMITTED, submitted_at__gte=since)
            | Q(
                status__in=[Settlement.Status.APPROVED, Settlement.Status.REJECTED],
                decided_at__gte=since,
            )
        )
        .order_by("-year", "-half", "municipality__name", "pk")
    )
    municipalities = _coordinated(user)
    contracts = (
        Contract.objects.filter(
            Q(kind=Contract.Kind.MUNICIPALITY, municipality__in=municipalities)
            | Q(
                kind=Contract.Kind.REGION,
                pk__in=Contract.covered_municipalities.through.objects.filter(
                    municipality__in=municipalities
                ).values("contract"),
            ),
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=settings.CONTRACT_EXPIRY_WARNING_DAYS),
        )
        .exclude(Exists(Contract.objects.filter(renews=OuterRef("pk"))))
        .select_related("municipality", "region")
        .order_by("end_date", "reference")
    )
    votes = _open_votes(municipalities=municipalities)

    def request_rows():
        return [
            TodoRow(
                label=f"{a.candidate} – {a.client.name}",
                detail=_("starts %(start)s, requested on %(requested)s")
                % {"start": _day(a.start_date), "requested": _day(a.created_at)},
                url=reverse("placements:assignment_detail", args=[a.pk]),
            )
            for a in requests[:TOP_ROWS]
        ]

    def run_rows():
        return [
            TodoRow(
                label=_("%(municipality)s, payout on %(date)s")
                % {"municipality": r.municipality.name, "date": _day(r.payout_date)},
                detail=ngettext(
                    "%(count)d candidate, %(total)s",
                    "%(count)d candidates, %(total)s",
                    r.line_count,
                )
                % {"count": r.line_count, "total": euro(r.total)},
                url=reverse("premiums:run_detail", args=[r.pk]),
            )
            for r in runs[:TOP_ROWS]
        ]

    def news_rows():
        return [
            TodoRow(
                label=f"{s.municipality.name} {s.period}",
                detail=s.get_status_display(),
                url=reverse("settlements:detail", args=[s.pk]),
            )
            for s in news[:TOP_ROWS]
        ]

    def contract_rows():
        return [
            TodoRow(
                label=f"{c.reference} ({c.party})",
                detail=_("ends on %(date)s") % {"date": _day(c.end_date)},
                url=reverse("members:municipality_detail", args=[c.municipality.cbs_code])
                if c.municipality_id
                else reverse("members:my_municipalities"),
            )
            for c in contracts[:TOP_ROWS]
        ]

    return [
        _Spec(
            "assignment_requests",
            _("Assignment requests to decide"),
            requests,
            _url("placements:assignment_list", query={"status": Assignment.Status.REQUESTED}),
            _("Soonest start first. Check the displacement test, then approve or reject."),
            request_rows,
        ),
        _Spec(
            "payout_runs",
            _("Payout runs to approve"),
            runs,
            _url("premiums:run_list", query={"status": PayoutRun.Status.PREPARED}),
            _("The premiums are paid once you approve the run."),
            run_rows,
        ),
        _Spec(
            "settlement_news",
            _("Settlements with news"),
            news,
            reverse("settlements:list"),
            _("Submitted, approved or rejected in the last %(days)d days.")
            % {"days": settings.TODO_NEWS_DAYS},
            news_rows,
        ),
        _Spec(
            "contracts_ending",
            _("Contracts ending"),
            contracts,
            reverse("members:my_municipalities"),
            _("Ending within %(days)d days and not renewed.")
            % {"days": settings.CONTRACT_EXPIRY_WARNING_DAYS},
            contract_rows,
        ),
        _Spec(
            "open_votes",
            _("Votes open for your municipalities"),
            votes,
            reverse("governance:register"),
            _("Proposals on which your municipality has not voted yet."),
            lambda: _vote_rows(votes),
        ),
    ]


# --- Treasurer -----------------------------------------------------------------------------


def _treasurer_specs(*, user, today: datetime.date) -> list[_Spec]:
    """Settlements to review, transfers to make, and figures that need a look (running
    assignments below the minimum rate in force)."""
    if not is_treasurer(user):
        return []
    submitted = (
        settlement_list_for_user(user=user)
        .filter(status=Settlement.Status.SUBMITTED)
        .order_by("submitted_at", "pk")
    )
    payments = _payments_not_in_a_file()
    below = assignments_below_minimum_rate(user=user, today=today).select_related(
        "candidate__municipality", "client"
    )

    def submitted_rows():
        return [
            TodoRow(
                label=f"{s.municipality.name} {s.period}",
                detail=_("submitted on %(date)s") % {"date": _day(s.submitted_at)}
                if s.submitted_at
                else "",
                url=reverse("settlements:detail", args=[s.pk]),
            )
            for s in submitted[:TOP_ROWS]
        ]

    def payment_rows():
        return [
            TodoRow(
                label=f"{p.settlement.municipality.name} {p.settlement.period}",
                detail=f"{p.get_payee_display()}: {euro(p.amount)}",
            )
            for p in payments.select_related("settlement__municipality").order_by(
                "settlement__year", "settlement__half", "settlement__municipality__name", "payee"
            )[:TOP_ROWS]
        ]

    return [
        _Spec(
            "settlements_to_review",
            _("Settlements to review"),
            submitted,
            _url("settlements:list", query={"status": Settlement.Status.SUBMITTED}),
            _("Approve or reject each submitted settlement."),
            submitted_rows,
        ),
        _Spec(
            "transfers_to_make",
            _("Transfers to make"),
            payments,
            reverse("supervision:transfer_files"),
            _(
                "Payments of approved settlements (the result to the municipality, the fee to the "
                "operator) that are not yet in a SEPA transfer file."
            ),
            payment_rows,
        ),
        _Spec(
            "below_minimum_rate",
            _("Assignments below the minimum rate"),
            below,
            "",  # the treasurer reads them here: assignments are the back office's work
            _(
                "Running assignments whose hourly rate is below the minimum rate in force "
                "today: their next hours would be invoiced below the minimum."
            ),
            lambda: _below_minimum_rows(below, link=lambda a: ""),
        ),
    ]


# --- Back office ---------------------------------------------------------------------------


def _admin(name: str, **query) -> str:
    return _url(f"admin:{name}", query=query or None)


def _back_office_specs(*, user, today: datetime.date) -> list[_Spec]:
    """The task-oriented admin index: settlements rejected, payout runs approved whose SEPA
    file is to be sent, bank lines to match, overdue invoices, PDFs that failed, runs in
    progress, transfer files to make, advice to write and rates below the minimum."""
    if not is_back_office(user):
        return []
    pdf_missing_since = timezone.now() - PDF_GRACE
    rejected = Settlement.objects.filter(status=Settlement.Status.REJECTED).select_related(
        "municipality"
    )
    approved_runs = PayoutRun.objects.filter(status=PayoutRun.Status.APPROVED).select_related(
        "municipality"
    )
    invoices_without_pdf = Invoice.objects.filter(
        status=Invoice.Status.ISSUED, pdf="", issued_at__lt=pdf_missing_since
    )
    credit_notes_without_pdf = CreditNote.objects.filter(
        status=CreditNote.Status.ISSUED, pdf="", issued_at__lt=pdf_missing_since
    )
    below = assignments_below_minimum_rate(user=user, today=today).select_related(
        "candidate__municipality", "client"
    )
    advice = Proposal.objects.filter(
        status=Proposal.Status.ADVICE_REQUESTED, advice__isnull=True
    ).order_by("created_at", "pk")

    def settlement_rows():
        return [
            TodoRow(
                label=f"{s.municipality.name} {s.period}",
                detail=s.rejection_reason[:120],
                url=reverse("admin:settlements_settlement_change", args=[s.pk]),
            )
            for s in rejected.order_by("-decided_at", "pk")[:TOP_ROWS]
        ]

    def run_rows():
        return [
            TodoRow(
                label=_("%(municipality)s, payout on %(date)s")
                % {"municipality": r.municipality.name, "date": _day(r.payout_date)},
                detail=euro(r.total),
                url=reverse("admin:premiums_payoutrun_change", args=[r.pk]),
            )
            for r in approved_runs.defer("sepa_xml").order_by("payout_date", "pk")[:TOP_ROWS]
        ]

    def below_link():
        query = {"status__in": "approved,active", "end_date__gte": today.isoformat()}
        minimum = (
            Framework.objects.filter(scope=Framework.Scope.GENERAL, valid_from__lte=today)
            .order_by("-valid_from")
            .values_list("client_hourly_rate_min", flat=True)
            .first()
        )
        if minimum is not None:
            query["hourly_rate__lt"] = str(minimum)
        return _admin("placements_assignment_changelist", **query)

    specs = [
        _Spec(
            "settlements_rejected",
            _("Settlements rejected"),
            rejected,
            _admin("settlements_settlement_changelist", status__exact="rejected"),
            _("Correct and recompute them, then submit them again."),
            settlement_rows,
        ),
        _Spec(
            "payout_runs_approved",
            _("Payout runs approved, SEPA file to send"),
            approved_runs,
            _admin("premiums_payoutrun_changelist", status__exact="approved"),
            _("Send the SEPA file to NVSI's bank, then mark the run paid."),
            run_rows,
        ),
        _Spec(
            "bank_lines",
            _("Bank lines to match"),
            BankStatementLine.objects.filter(status=BankStatementLine.Status.UNMATCHED),
            _admin("billing_bankstatementline_changelist", status="unmatched"),
            _("Match each line to its invoices, or mark it as no client payment."),
        ),
        _Spec(
            "overdue_invoices",
            _("Overdue invoices"),
            invoice_list_overdue(today=today),
            _admin("billing_receivable_changelist", payment_status="overdue"),
            _("Open past their due date: remind the client or record the payment."),
        ),
        _Spec(
            "invoice_pdfs_failed",
            _("Invoices without a PDF"),
            invoices_without_pdf,
            _admin("billing_invoice_changelist", status__exact="issued", pdf__exact=""),
            _(
                "Issued more than %(minutes)d minutes ago and still without a PDF (rendering "
                "failed or was deferred): run render_missing_pdfs."
            )
            % {"minutes": PDF_GRACE.seconds // 60},
        ),
        _Spec(
            "credit_note_pdfs_failed",
            _("Credit notes without a PDF"),
            credit_notes_without_pdf,
            _admin("billing_creditnote_changelist", status__exact="issued", pdf__exact=""),
        ),
        _Spec(
            "invoice_runs_in_progress",
            _("Invoice runs in progress"),
            InvoiceRun.objects.filter(
                status__in=[InvoiceRun.Status.PENDING, InvoiceRun.Status.RUNNING]
            ),
            _admin("billing_invoicerun_changelist", status__in="pending,running"),
            _("Follow their progress; a run that stays still may need a worker."),
        ),
        _Spec(
            "settlement_runs_in_progress",
            _("Settlement runs in progress"),
            SettlementRun.objects.filter(status=SettlementRun.Status.RUNNING),
            _admin("settlements_settlementrun_changelist", status__exact="running"),
            _("Follow their progress; a run that stays still may need a worker."),
        ),
        _Spec(
            "transfer_files_to_make",
            _("Settlement payments without a transfer file"),
            _payments_not_in_a_file(),
            _admin("settlements_settlementtransferfile_changelist"),
            _("Make the half-year's SEPA transfer file."),
        ),
        _Spec(
            "advice_to_write",
            _("Proposals awaiting the operator's advice"),
            advice,
            reverse("governance:register"),
            rows=lambda: [
                TodoRow(label=p.title, url=reverse("governance:proposal_detail", args=[p.pk]))
                for p in advice[:TOP_ROWS]
            ],
        ),
        _Spec(
            "below_minimum_rate",
            _("Assignments below the minimum rate"),
            below,
            below_link,
            _(
                "Running assignments whose hourly rate is below the minimum rate in force "
                "today: agree a new rate with the client before the next invoice run."
            ),
            lambda: _below_minimum_rows(
                below,
                link=lambda a: reverse("admin:placements_assignment_change", args=[a.pk]),
            ),
        ),
    ]
    return specs


# --- NVSI board and representatives --------------------------------------------------------


def _board_specs(*, user, today: datetime.date) -> list[_Spec]:
    """Proposals whose vote may be opened (advice in, not the user's own proposal), votes
    past their closing date, and members' requests to answer."""
    if not is_nvsi_board(user):
        return []
    to_open = (
        Proposal.objects.filter(status=Proposal.Status.ADVICE_REQUESTED, advice__isnull=False)
        .exclude(proposer=user)
        .order_by("created_at", "pk")
    )
    to_close = Proposal.objects.filter(
        status=Proposal.Status.VOTING, vote_ends_on__lt=today
    ).order_by("vote_ends_on", "pk")
    requests = MemberRequest.objects.filter(status=MemberRequest.Status.PENDING)

    def proposal_rows(queryset):
        return [
            TodoRow(label=p.title, url=reverse("governance:proposal_detail", args=[p.pk]))
            for p in queryset[:TOP_ROWS]
        ]

    return [
        _Spec(
            "votes_to_open",
            _("Proposals ready for a vote"),
            to_open,
            reverse("governance:register"),
            _("The operator's advice is in; a board member other than the proposer opens it."),
            lambda: proposal_rows(to_open),
        ),
        _Spec(
            "votes_to_close",
            _("Votes to close"),
            to_close,
            reverse("governance:register"),
            _("Voting period has ended: close the vote to record the decision."),
            lambda: proposal_rows(to_close),
        ),
        _Spec(
            "member_requests",
            _("Members' requests to answer"),
            requests,
            reverse("governance:member_requests"),
            _("Take a request up in a proposal, or decline it with a reason."),
            lambda: [
                TodoRow(
                    label=r.subject,
                    detail=r.municipality.name,
                    url=reverse("governance:member_request_detail", args=[r.pk]),
                )
                for r in requests.select_related("municipality").order_by("pk")[:TOP_ROWS]
            ],
        ),
    ]


def _representative_specs(*, user, today: datetime.date) -> list[_Spec]:
    """The open votes of the municipalities the user represents that have not voted yet."""
    votes = _open_votes(municipalities=Municipality.objects.filter(representatives=user))
    return [
        _Spec(
            "votes_to_cast",
            _("Votes to cast"),
            votes,
            reverse("governance:register"),
            _("Your municipality's vote is still missing; it can be changed until it closes."),
            lambda: _vote_rows(votes),
        )
    ]


# --- Everything for one user ---------------------------------------------------------------

SpecBuilder = Callable[..., list[_Spec]]


def _sections_of(user) -> list[tuple[str, str, SpecBuilder]]:
    if not user.is_authenticated:
        return []
    sections = []
    if is_coordinator(user):
        sections.append(("coordinator", _("Coordinator"), _coordinator_specs))
    if is_representative(user):
        sections.append(("representative", _("Representative"), _representative_specs))
    if is_treasurer(user):
        sections.append(("treasurer", _("Treasurer"), _treasurer_specs))
    if is_nvsi_board(user):
        sections.append(("board", _("NVSI board"), _board_specs))
    if is_back_office(user):
        sections.append(("back_office", _("Back office"), _back_office_specs))
    return sections


def todo_for_coordinator(*, user, today: datetime.date) -> tuple[TodoItem, ...]:
    return _items(_coordinator_specs(user=user, today=today))


def todo_for_treasurer(*, user, today: datetime.date) -> tuple[TodoItem, ...]:
    return _items(_treasurer_specs(user=user, today=today))


def todo_for_back_office(*, user, today: datetime.date) -> tuple[TodoItem, ...]:
    return _items(_back_office_specs(user=user, today=today))


def todo_for_board(*, user, today: datetime.date) -> tuple[TodoItem, ...]:
    return _items(_board_specs(user=user, today=today))


def todo_for_representative(*, user, today: datetime.date) -> tuple[TodoItem, ...]:
    return _items(_representative_specs(user=user, today=today))


def has_todo(user) -> bool:
    return bool(_sections_of(user))


def _links(role: str, user) -> tuple[TodoRow, ...]:
    """A representative records their municipality's local framework on its page: the start
    page links there (the menu has no municipality page for a representative)."""
    if role != "representative":
        return ()
    return tuple(
        TodoRow(
            label=municipality.name,
            url=reverse("members:municipality_detail", args=[municipality.cbs_code]),
        )
        for municipality in Municipality.objects.filter(representatives=user).order_by("name")
    )


def todo_for_user(*, user, today: datetime.date) -> list[TodoSection]:
    """Every to-do section of the roles the user holds (the start page)."""
    return [
        TodoSection(
            role=role,
            title=title,
            items=_items(specs(user=user, today=today)),
            links=_links(role, user),
        )
        for role, title, specs in _sections_of(user)
    ]


def todo_count_for_user(*, user, today: datetime.date) -> int:
    """Everything waiting for the user, over all their roles, in one query (the menu badge).
    An item shown under two roles counts once per role, as the start page shows it."""
    specs = [
        spec
        for role, _title, builder in _sections_of(user)
        for spec in builder(user=user, today=today)
    ]
    counts = _count_all({f"{index}_{spec.key}": spec.queryset for index, spec in enumerate(specs)})
    return sum(counts.values())
