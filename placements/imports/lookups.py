"""Find the candidate, client and assignment a row names by their natural keys, in a few
queries for the whole file, with a specific reason when one cannot be found."""

import datetime

from django.utils.translation import gettext as _

from members.models import Municipality
from placements.imports.base import day
from placements.models import Assignment, Candidate, Client


def references_report(rows, result, *, clients: bool = True) -> None:
    """For rows with a bad cell (not imported): report what else they name that does not
    exist, the candidate (municipality + client number) and the client (KvK), each from the
    columns whose cells are good."""
    good = [row for row in rows if None not in row.bad]

    def usable(row, *names):
        return not any(name in row.bad for name in names)

    candidates = [row for row in good if usable(row, "municipality", "client_number")]
    with_client = [row for row in good if clients and usable(row, "kvk_number")]
    lookup = KeyLookup(
        codes={row.values["municipality"] for row in candidates},
        client_numbers={row.values["client_number"] for row in candidates},
        kvk_numbers={row.values["kvk_number"] for row in with_client},
    )
    named_candidate = {id(row) for row in candidates}
    named_client = {id(row) for row in with_client}
    for row in good:
        missing = lookup.missing(
            row.values,
            candidate=id(row) in named_candidate,
            client=id(row) in named_client,
        )
        for found in missing:
            result.add_issue(row.number, found.column, found.message)


class NotFound(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


class KeyLookup:
    """Municipality + client number -> candidate; KvK -> client; + start date -> assignment."""

    def __init__(self, *, codes: set[str], client_numbers: set[str], kvk_numbers: set[str]):
        self.municipalities = {
            m.cbs_code: m for m in Municipality.objects.filter(cbs_code__in=codes)
        }
        self.candidates: dict[tuple[str, str], Candidate] = {}
        self.elsewhere: dict[str, list[Municipality]] = {}
        for candidate in Candidate.objects.select_related("municipality").filter(
            client_number__in=client_numbers
        ):
            code = candidate.municipality.cbs_code
            self.candidates[(code, candidate.client_number)] = candidate
            self.elsewhere.setdefault(candidate.client_number, []).append(candidate.municipality)
        self.clients = {c.kvk_number: c for c in Client.objects.filter(kvk_number__in=kvk_numbers)}
        self._assignments: dict[tuple[int, int, datetime.date], list[Assignment]] | None = None

    def missing(self, values: dict, *, candidate: bool = True, client: bool = True) -> list:
        """Every key of the row that names nothing (NotFound), candidate and client alike."""
        missing = []
        if candidate:
            try:
                self.candidate(values["municipality"], values["client_number"])
            except NotFound as error:
                missing.append(error)
        if client:
            try:
                self.client(values["kvk_number"])
            except NotFound as error:
                missing.append(error)
        return missing

    def candidate(self, code: str, client_number: str) -> Candidate:
        municipality = self.municipalities.get(code)
        if municipality is None:
            raise NotFound(
                "municipality",
                _("Unknown municipality: no municipality has CBS code %(code)s.") % {"code": code},
            )
        candidate = self.candidates.get((code, client_number))
        if candidate is not None:
            return candidate
        others = [m for m in self.elsewhere.get(client_number, []) if m.cbs_code != code]
        if others:
            raise NotFound(
                "client_number",
                _(
                    "Candidate %(number)s is not a candidate of %(municipality)s but of "
                    "%(others)s: check the municipality column."
                )
                % {
                    "number": client_number,
                    "municipality": municipality,
                    "others": ", ".join(str(m) for m in others),
                },
            )
        raise NotFound(
            "client_number",
            _("Unknown candidate: %(municipality)s has no candidate with client number %(number)s.")
            % {"municipality": municipality, "number": client_number},
        )

    def client(self, kvk_number: str) -> Client:
        client = self.clients.get(kvk_number)
        if client is None:
            raise NotFound(
                "kvk_number",
                _("Unknown client: no client has KvK number %(kvk)s.") % {"kvk": kvk_number},
            )
        return client

    def load_assignments(self, *, start_dates: set[datetime.date]) -> None:
        self._assignments = {}
        for assignment in Assignment.objects.filter(
            candidate__in=list(self.candidates.values()),
            client__in=list(self.clients.values()),
            start_date__in=start_dates,
        ).order_by("pk"):
            key = (assignment.candidate_id, assignment.client_id, assignment.start_date)
            self._assignments.setdefault(key, []).append(assignment)
        # The rules read the candidate's municipality: share the loaded candidates.
        candidates = {c.pk: c for c in self.candidates.values()}
        clients = {c.pk: c for c in self.clients.values()}
        for found in self._assignments.values():
            for assignment in found:
                assignment.candidate = candidates[assignment.candidate_id]
                assignment.client = clients[assignment.client_id]

    def assignments(
        self, candidate: Candidate, client: Client, start_date: datetime.date
    ) -> list[Assignment]:
        assert self._assignments is not None, "call load_assignments first"
        return self._assignments.get((candidate.pk, client.pk, start_date), [])

    def assignment(
        self, candidate: Candidate, client: Client, start_date: datetime.date, *, column: str
    ) -> Assignment:
        found = self.assignments(candidate, client, start_date)
        if not found:
            raise NotFound(
                column,
                _(
                    "Unknown assignment: candidate %(number)s has no assignment at %(client)s "
                    "starting on %(date)s."
                )
                % {
                    "number": candidate.client_number,
                    "client": client.name,
                    "date": day(start_date),
                },
            )
        if len(found) > 1:
            raise NotFound(
                column,
                _(
                    "Candidate %(number)s has %(count)s assignments at %(client)s starting on "
                    "%(date)s: correct them in the back office first."
                )
                % {
                    "number": candidate.client_number,
                    "count": len(found),
                    "client": client.name,
                    "date": day(start_date),
                },
            )
        return found[0]
