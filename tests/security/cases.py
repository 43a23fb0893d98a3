"""The concrete URLs of the matrix: each pattern's arguments filled from the security world,
for the object in the coordinator's scope (side "a", municipality A) and out of it ("b")."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.security.urls import Pattern, admin_model_page

# URL name -> the attribute of the world's municipality side (world.a / world.b) whose pk is
# the URL's `pk`; objects every member shares (instrument, proposal, bank line, transfer
# file) are attributes of the world itself, marked "world.".
PK_OBJECT = {
    "members:local_framework_withdraw": "local_framework",
    "members:instrument_detail": "world.instrument",
    "members:instrument_document": "world.instrument",
    "members:instrument_request_detail": "instrument_request",
    "placements:candidate_detail": "candidate",
    "placements:candidate_bsn": "candidate",
    "placements:assignment_detail": "assignment",
    "placements:assignment_check": "assignment",
    "placements:assignment_approve": "assignment",
    "placements:assignment_reject": "assignment",
    "billing:invoice_detail": "invoice",
    "billing:invoice_pdf": "invoice",
    "settlements:detail": "settlement",
    "settlements:approve": "settlement",
    "settlements:reject": "settlement",
    "settlements:invoice_lines": "settlement",
    "settlements:credit_lines": "settlement",
    "settlements:statement": "settlement",
    "settlements:preview": "settlement",
    "premiums:run_detail": "prepared_run",
    "premiums:run_approve": "prepared_run",
    "premiums:letter": "payout_line",
    "premiums:run_letters": "paid_run",
    "supervision:bank_line": "world.bank_line",
    "supervision:payout_run": "paid_run",
    "supervision:payout_run_sepa": "paid_run",
    "supervision:transfer_file": "world.transfer_file",
    "supervision:transfer_file_sepa": "world.transfer_file",
    "governance:proposal_detail": "world.proposal",
    "governance:proposal_request_advice": "world.proposal",
    "governance:advice_edit": "world.proposal",
    "governance:proposal_open": "world.proposal",
    "governance:vote": "world.proposal",
    "governance:proposal_close": "world.proposal",
    "governance:proposal_withdraw": "world.proposal",
    "governance:decision_pdf": "world.decided",
    "governance:member_request_detail": "member_request",
    # the admin's own pages below a model, by the model's object
    "admin:accounts_user_appoint": "model",
    "admin:billing_invoice_credit": "model",
    "admin:billing_bankstatementline_allocate": "model",
    "admin:billing_bankstatementline_ignore": "model",
    "admin:premiums_payoutrun_sepa": "paid_run",
    "admin:premiums_payoutrun_mark_paid": "model",
    "admin:premiums_payoutrun_cancel": "model",
    "admin:settlements_settlementstatement_pdf": "model",
    "admin:settlements_settlementtransferfile_xml": "model",
    "admin:settlements_settlement_submit": "model",
    "admin:settlements_settlement_recompute": "model",
    "admin:placements_assignment_hours": "model",
}

# Unnamed patterns: a fixed URL.
UNNAMED = {
    "admin/(?P<url>.*)$": "/admin/geen-pagina/",
}
# Named patterns with arguments that are not objects.
FIXED_ARGS = {
    "email_change_confirm": {"token": "geen-geldig-token"},
    "account_confirm_email": {"key": "geen-geldige-sleutel"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "geen-geldige-sleutel"},
    "admin:placements_import_template": {"kind": "candidates", "file_format": "csv"},
    "admin:app_list": {"app_label": "members"},
}


def admin_model_for(name: str):
    """The registered model below whose admin URL a custom admin page lives."""
    for model in admin.site._registry:
        if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    raise LookupError(name)


def admin_model_at(route: str):
    """The registered model of an unnamed admin route `admin/<app>/<model>/<path:object_id>/`."""
    for model in admin.site._registry:
        if route == f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/":
            return model
    raise LookupError(f"{route}: an unnamed pattern the matrix does not know")


def admin_object(model, world, side: str):
    """The object of `model` the admin pages open: the side's own where the world has one
    (a municipality's candidate, invoice, settlement...), else the first."""
    objects = vars(getattr(world, side))
    for value in objects.values():
        if isinstance(value, model):
            return value
    if side == "b":
        return None  # no object of B: the admin's scope is NVSI-wide, A's is enough
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the security world has no {model.__name__}: add one"
    return obj


def _object(name: str, world, side: str):
    attribute = PK_OBJECT[name]
    if attribute == "model":
        return admin_object(admin_model_for(name), world, side)
    if attribute.startswith("world."):
        return getattr(world, attribute.removeprefix("world."))
    return getattr(getattr(world, side), attribute)


def url_for(pattern: Pattern, world, side: str) -> str | None:
    """The URL of `pattern` for the side's objects; None when the side has nothing of its own
    to show (the case is then the same as side "a")."""
    if pattern.name is None:
        if pattern.route in UNNAMED:
            return UNNAMED[pattern.route]
        # admin/<app>/<model>/<path:object_id>/: the old change URL, redirected
        model = admin_model_at(pattern.route)
        obj = None if side == "b" else admin_object(model, world, side)
        return (
            None
            if obj is None
            else f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/"
        )
    if not pattern.params:
        if pattern.name in QUERY:
            return reverse(pattern.name) + QUERY[pattern.name].format(
                cbs_code=getattr(world, side).cbs_code
            )
        return reverse(pattern.name)
    if pattern.name in FIXED_ARGS:
        return None if side == "b" else reverse(pattern.name, kwargs=FIXED_ARGS[pattern.name])
    page = admin_model_page(pattern)
    kwargs = {}
    if page is not None:
        if side == "b" and page[1] != "change":
            return None  # the admin's scope is NVSI-wide: B's change page shows that
        obj = admin_object(page[0], world, side)
        if obj is None:
            return None
        kwargs["object_id"] = obj.pk
    elif pattern.name == "admin:view_on_site":
        if side == "b":
            return None
        kwargs = {
            "content_type_id": ContentType.objects.get_for_model(world.a.invoice).pk,
            "object_id": world.a.invoice.pk,
        }
    elif pattern.name == "media":
        kwargs["path"] = getattr(world, side).contract.signed_document.name
    else:
        municipal = side_objects = getattr(world, side)
        for param in ("pk", "object_id"):
            if param in pattern.params:
                obj = _object(pattern.name, world, side)
                if obj is None:
                    return None
                kwargs[param] = obj.pk
        if "cbs_code" in pattern.params:
            kwargs["cbs_code"] = municipal.cbs_code
        if "contract_id" in pattern.params:
            kwargs["contract_id"] = side_objects.contract.pk
        if "document_id" in pattern.params:
            kwargs["document_id"] = world.document.pk
        if "job_id" in pattern.params:
            kwargs["job_id"] = world.import_job.pk
    missing = set(pattern.params) - set(kwargs)
    assert not missing, f"{pattern.key}: no value for {missing}"
    return reverse(pattern.name, kwargs=kwargs)


# Pages that answer only with their query string.
QUERY = {"premiums:export": "?municipality={cbs_code}&year=2026&format=csv"}
