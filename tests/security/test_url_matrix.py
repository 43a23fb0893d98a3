"""Every URL of the portal and of its admin, for every role, with an object in the
coordinator's scope (municipality A) and out of it (B): the status each role gets, and never
a 500 (issue 14).

The URLs come from the URL resolver, so a new pattern without an expectation here fails
`test_every_url_pattern_has_an_expectation`. Expectations per URL name, in the roles' letters:

    A anonymous   N signed in, no role   C coordinator (of A)   R representative (of A)
    T treasurer   O back office (operator)   B NVSI board   S superuser

`"C T O"`: those roles get 200, every other signed-in role 404 (core.decorators.role_required)
and the anonymous visitor is sent to sign in. `"C:405"` gives a status; `"*"` is every
signed-in role; a path (`"C:/te-doen/"`) is a redirect there; `login` is a redirect to sign in.
For an object of B the coordinator and the representative get 404 where they get 200 for A's;
the NVSI-wide roles get the same for both.

The admin (ADMIN_MODELS): per registered model what the back office (O), the board (B) and a
superuser (S) may do: v open the list, the object, its history; a add; d delete. A page a staff
role may not open is 403, and every non-staff visitor is sent to the admin's sign-in.
"""

import logging

import pytest
from django.test import Client

from tests.security.cases import url_for
from tests.security.urls import admin_model_page, portal_patterns
from tests.security.world import ROLES

pytestmark = pytest.mark.django_db

LETTER = {
    "A": "anonymous",
    "N": "no_role",
    "C": "coordinator",
    "R": "representative",
    "T": "treasurer",
    "O": "back_office",
    "B": "board",
    "S": "superuser",
}
SIGNED_IN = "NCRTOBS"
MUNICIPAL_ROLES = ("coordinator", "representative")
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TO_DO = "/te-doen/"
REAUTH = "/accounts/reauthenticate/"

# fmt: off
PORTAL = {
    # accounts and allauth: the visitor's own account; public pages for everyone
    "home": f"N C:{TO_DO} R:{TO_DO} T:{TO_DO} B:{TO_DO} O:/admin/ S:/admin/",
    "set_language": "A:/ *:/",
    "email_change": "*",
    "email_change_confirm": "*",
    "account_login": "A:200 *:/",
    "account_logout": "*",
    "account_inactive": "A:200 *",
    "account_signup": "A:200 *:/",
    "account_reauthenticate": "*",
    "account_request_reauthentication_code": f"*:{REAUTH}",
    "account_confirm_reauthentication_code": f"*:{REAUTH}code/",
    "account_email": "*",
    "account_email_verification_sent": "A:200 *",
    "account_change_password": "*",
    "account_set_password": "*:/accounts/password/change/",
    "account_reset_password": "A:200 *",
    "account_confirm_login_code": "*:/",
    "account_confirm_email": "A:200 *",
    "account_reset_password_from_key_done": "A:200 *",
    "account_reset_password_from_key": "A:200 *",
    "account_reset_password_done": "A:200 *",
    "mfa_index": "*",
    "mfa_authenticate": "*:/",
    "mfa_reauthenticate": f"N:{REAUTH} C:{REAUTH} R:{REAUTH} T O B S",
    "mfa_activate_totp": f"N:{REAUTH} C:/accounts/2fa/ R:{REAUTH} T:{REAUTH} O:{REAUTH} "
                         f"B:{REAUTH} S:{REAUTH}",
    "mfa_deactivate_totp": f"T:{REAUTH} O:{REAUTH} B:{REAUTH} S:{REAUTH}",
    "mfa_view_recovery_codes": f"T:{REAUTH} O:{REAUTH} B:{REAUTH} S:{REAUTH}",
    "mfa_generate_recovery_codes": f"*:{REAUTH}",
    "mfa_download_recovery_codes": f"T:{REAUTH} O:{REAUTH} B:{REAUTH} S:{REAUTH}",
    "media": "O B S",  # uploaded files: the back office and the board (staff)
    # members
    "members:my_municipalities": "N C:/gemeenten/GM0014/ R:/gemeenten/GM0014/ T O B S",
    "members:municipality_detail": "C R T O B S",
    "members:contract_document": "C R T O B S",
    "members:local_framework_new": "C R",
    "members:local_framework_withdraw": "A:405 *:405",  # POST only, before sign-in
    "members:overview": "T O B S",
    "members:contracts_ending": "T B",
    "members:catalogue": "C R T O B S",
    "members:instrument_detail": "C R T O B S",
    "members:instrument_document": "C R T O B S",
    "members:instrument_requests": "C R B",
    "members:instrument_request_detail": "C R B",
    # placements: the coordinator's pages
    "placements:candidate_list": "C",
    "placements:candidate_detail": "C",
    "placements:candidate_bsn": "C:405",
    "placements:assignment_list": "C",
    "placements:assignment_detail": "C",
    "placements:assignment_check": "C:405",
    "placements:assignment_approve": "C:405",
    "placements:assignment_reject": "C:405",
    "placements:hours_month": "C",
    "placements_overview:flagged": "T O S",
    # billing
    "billing:revenue": "C T O S",
    "billing:invoice_list": "C T O S",
    "billing:invoice_detail": "C T O S",
    "billing:invoice_pdf": "C T O S",
    # settlements (the statement exists once approved: 404 for a submitted one, for all)
    "settlements:list": "C T O S",
    "settlements:detail": "C T O S",
    "settlements:approve": "T:405",
    "settlements:reject": "T:405",
    "settlements:invoice_lines": "C T O S",
    "settlements:credit_lines": "C T O S",
    "settlements:statement": "",
    "settlements:preview": "T B",
    "settlements:contribution": "T O S",
    "settlements:dashboard": "C T O S",
    # premiums
    "premiums:overview": "C T O S",
    "premiums:export": "C T O S",
    "premiums:run_list": "C T O S",
    "premiums:run_detail": "C T O S",
    "premiums:run_approve": "C:405",
    "premiums:letter": "C O S",
    "premiums:run_letters": "C O S",
    # supervision: NVSI's treasurer and board
    **{f"supervision:{name}": "T B S" for name in (
        "index", "statements", "bank_lines", "bank_line", "payments", "receivables",
        "payout_runs", "payout_run", "payout_run_sepa", "transfer_files", "transfer_file",
        "transfer_file_sepa", "audit", "figures",
    )},
    # governance (the world's proposal is a draft: only the board sees it)
    "governance:register": "C R T O B S",
    "governance:framework_history": "C R T O B S",
    "governance:proposal_new": "B S",
    "governance:proposal_detail": "B S",
    "governance:proposal_request_advice": "A:405 *:405",
    "governance:advice_edit": "",  # the back office's, once advice is asked
    "governance:proposal_open": "A:405 *:405",
    "governance:vote": "",  # a representative's, while the vote is open
    "governance:proposal_close": "A:405 *:405",
    "governance:proposal_withdraw": "A:405 *:405",
    "governance:decision_pdf": "C R T O B S",
    "governance:member_requests": "C R B S",
    "governance:member_request_detail": "C R B S",
    "notifications:preferences": "*",
    "todo:index": "C R T O B S",  # a user without a role has no to-do page
    # the admin's own pages (not a model's standard ones)
    "admin:index": "O B S",
    "admin:login": f"A:{LOGIN} *:/ O:/admin/ B:/admin/ S:/admin/",
    "admin:logout": "A:/admin/ *:/admin/ O:405 B:405 S:405",
    "admin:password_change": "O:/accounts/password/change/ B:/accounts/password/change/ "
                             "S:/accounts/password/change/",
    "admin:password_change_done": "O B S",
    "admin:autocomplete": "O:403 B:403 S:403",  # without its query: refused
    "admin:jsi18n": "O B S",
    "admin:view_on_site": "O:404 B:404 S:404",  # an invoice has no page of its own
    "admin:app_list": "O B S",
    "admin/(?P<url>.*)$": "O:404 B:404 S:404",
    "admin:placements_import": "O S",
    "admin:placements_import_job": "O S:404",  # a job is its uploader's only
    "admin:placements_import_template": "O S",
    "admin:accounts_user_invite": "O B S",
    "admin:accounts_user_appoint": "O B S",
    "admin:placements_assignment_hours": "O S",
    "admin:billing_invoicerun_start": "O S",
    "admin:billing_invoice_credit": "O S",
    "admin:billing_bankstatement_import": "O S",
    "admin:billing_bankstatementline_allocate": "O S",
    "admin:billing_bankstatementline_ignore": "O S",
    "admin:billing_payment_record": "O S",
    "admin:premiums_payoutrun_prepare": "O S",
    "admin:premiums_payoutrun_sepa": "O S",
    "admin:premiums_payoutrun_mark_paid": "O S",
    "admin:premiums_payoutrun_cancel": "O S",
    "admin:settlements_settlementstatement_pdf": "O S",
    "admin:settlements_settlementtransferfile_xml": "O S",
    "admin:settlements_settlementtransferfile_make": "O S",
    "admin:settlements_settlementrun_start": "O S",
    "admin:settlements_settlement_submit": "O S",
    "admin:settlements_settlement_recompute": "O S",
}

# Per registered model: what the back office (O), the board (B) and a superuser (S) may do.
_OPERATOR_WORK = "O:v S:v"  # the back office's work, read-only (issued, audited, computed)
ADMIN_MODELS = {
    "account.emailaddress": "S:vad",
    "mfa.authenticator": "S:vad",
    "core.auditevent": "O:v B:v S:v",
    "core.workerheartbeat": "S:vd",
    "core.sweepclaim": "S:v",  # requeues are audit events too, which the back office reads
    "accounts.user": "O:v B:v S:v",  # invited, never added; deactivated, never deleted
    "auth.group": "S:vad",
    "members.labourmarketregion": "O:v B:v S:vad",
    "members.municipality": "O:v B:va S:vad",
    "members.membership": "O:v B:va S:va",
    "members.contract": "O:v B:va S:va",
    "members.premiumcap": "O:v B:va S:va",  # delete: a version not yet in force only
    "members.framework": "O:v B:vad S:vad",  # the world's is not yet in force
    "members.instrument": "O:v B:va S:va",
    "members.instrumentrequest": "O:v B:v S:v",
    "placements.assignment": "O:va S:va",
    "placements.displacementcheck": _OPERATOR_WORK,
    "placements.candidate": "O:va S:va",
    "placements.client": "O:va S:va",
    "placements.timeentry": "O:va S:va",
    "billing.invoicerun": _OPERATOR_WORK,
    "billing.invoice": _OPERATOR_WORK,
    "billing.creditnote": _OPERATOR_WORK,
    "billing.bankstatement": _OPERATOR_WORK,
    "billing.bankstatementline": _OPERATOR_WORK,
    "billing.payment": _OPERATOR_WORK,
    "billing.receivable": _OPERATOR_WORK,
    "billing.invoicereminder": _OPERATOR_WORK,
    "premiums.payoutrun": _OPERATOR_WORK,
    "premiums.premiumaccrual": _OPERATOR_WORK,
    "premiums.premiumopeningbalance": _OPERATOR_WORK,
    "settlements.settlementstatement": _OPERATOR_WORK,
    "settlements.settlementpayment": _OPERATOR_WORK,
    "settlements.settlementtransferfile": _OPERATOR_WORK,
    "settlements.settlementrun": _OPERATOR_WORK,
    "settlements.settlement": _OPERATOR_WORK,
    "governance.proposal": "O:v B:v S:v",
    "governance.decision": "O:v B:v S:v",
    "governance.memberrequest": "O:v B:v S:v",
    "governance.notification": "O:v B:v S:v",
    "notifications.notification": "S:v",
}
# fmt: on


def _parse(spec: str, *, default: int | str, anonymous: int | str) -> dict[str, int | str]:
    """`"C T:405 *:/"` -> the expected answer of every role."""
    expected = dict.fromkeys(ROLES, default)
    expected["anonymous"] = anonymous
    for token in spec.split():
        letters, _sep, answer = token.partition(":")
        value = int(answer) if answer.isdigit() else (answer or 200)
        for letter in SIGNED_IN if letters == "*" else letters:
            expected[LETTER[letter]] = value
    return expected


def expected_answers(pattern) -> dict[str, int | str]:
    is_admin = pattern.route.startswith("admin/")
    login = ADMIN_LOGIN if is_admin else LOGIN
    staff_default = dict.fromkeys(("no_role", "coordinator", "representative"), login)
    page = admin_model_page(pattern)
    if page is None and pattern.name is None and pattern.key not in PORTAL:
        page = (_model_of_unnamed(pattern.route), "redirect")
    if page is not None:
        model, kind = page
        spec = ADMIN_MODELS[model._meta.label_lower]
        expected = _parse(spec, default=403, anonymous=login)
        for letter, role in (("O", "back_office"), ("B", "board"), ("S", "superuser")):
            rights = dict(t.split(":") for t in spec.split()).get(letter, "")
            need = {"changelist": "v", "history": "v", "change": "v", "add": "a", "delete": "d"}
            if kind == "redirect":
                expected[role] = "change/"
            else:
                expected[role] = 200 if need[kind] in rights else 403
        return {**expected, **staff_default, "treasurer": login}
    expected = _parse(PORTAL[pattern.key], default=404, anonymous=login)
    if is_admin:  # the admin's own pages: staff only, a page refused is 403
        spec_roles = {LETTER[t.split(":")[0]] for t in PORTAL[pattern.key].split() if t[0] != "*"}
        for role in ("back_office", "board", "superuser"):
            if role not in spec_roles and expected[role] == 404:
                expected[role] = 403
        for role in (*staff_default, "treasurer"):
            if expected[role] == 404:
                expected[role] = login
    return expected


def _model_of_unnamed(route: str):
    from tests.security.cases import admin_model_at

    return admin_model_at(route)


def _answer(response) -> int | str:
    if response.status_code == 302:
        return response["Location"].split("?")[0]
    return response.status_code


def _matches(expected, answer) -> bool:
    if isinstance(expected, int):
        return answer == expected
    # a redirect: to exactly that path, or (admin object URLs) to the object's change page
    return isinstance(answer, str) and (answer == expected or answer.endswith("/" + expected))


@pytest.fixture(scope="module")
def clients(world):
    signed_in = {"anonymous": Client()}
    for role in ROLES[1:]:
        signed_in[role] = Client()
        signed_in[role].force_login(world.users[role])
    return signed_in


@pytest.fixture
def quiet_requests():
    """403 and 404 are the point here: do not log each one with its traceback."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


PATTERNS = portal_patterns()


def test_every_url_pattern_has_an_expectation():
    missing = []
    for pattern in PATTERNS:
        page = admin_model_page(pattern)
        if page is not None:
            if page[0]._meta.label_lower not in ADMIN_MODELS:
                missing.append(pattern.key)
        elif pattern.key not in PORTAL and not pattern.route.endswith("<path:object_id>/"):
            missing.append(pattern.key)
    assert not missing, f"URL patterns without an expectation in the matrix: {missing}"
    known = {pattern.key for pattern in PATTERNS}
    assert not set(PORTAL) - known, (
        f"expectations for URLs that no longer exist: {set(PORTAL) - known}"
    )


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.key)
def test_url_for_every_role(pattern, world, world_media, clients, quiet_requests):
    expected = expected_answers(pattern)
    wrong = []
    cases = 0
    urls = {"a": url_for(pattern, world, "a")}
    urls["b"] = url_for(pattern, world, "b")
    for side, url in urls.items():
        if url is None or (side == "b" and url == urls["a"]):
            continue  # nothing of B's own to ask for
        for role in ROLES:
            want = expected[role]
            if side == "b" and role in MUNICIPAL_ROLES and want == 200:
                want = 404  # another municipality's object
            answer = _answer(clients[role].get(url))
            cases += 1
            if answer == 500 or not _matches(want, answer):
                wrong.append(f"{role} GET {url}: {answer}, expected {want}")
    assert cases, f"{pattern.key}: no case"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", MUNICIPAL_ROLES)
def test_no_post_reaches_another_municipalitys_object(role, world, world_media, clients):
    """Every portal URL naming one of B's objects, POSTed by A's coordinator or representative:
    404, and nothing written."""
    from tests.security.test_mfa_gate import database_state

    before = database_state()
    wrong, asked = [], 0
    for pattern in PATTERNS:
        if pattern.route.startswith(("admin/", "media/")):
            continue
        url_b = url_for(pattern, world, "b")
        if url_b is None or url_b == url_for(pattern, world, "a"):
            continue
        response = clients[role].post(url_b, {"confirm": "on", "approve-confirm": "on"})
        asked += 1
        if response.status_code not in (404, 405):
            wrong.append(f"POST {url_b}: {response.status_code}")
    assert asked >= 25
    assert not wrong, "\n".join(wrong)
    assert database_state() == before
