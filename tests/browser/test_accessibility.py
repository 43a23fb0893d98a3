"""axe-core over the main pages of each role: no serious or critical violation.

Each role signs in as a person would (the money roles and the board with their second
factor) and axe (axe-playwright-python, which ships axe-core) checks the pages of that
role's menu, with a little data on them: a requested assignment, an issued invoice. The
back office is checked on the admin index and a change list. Moderate and minor findings
are printed, not failed; a serious or critical one fails the test with what axe says.
"""

import pytest

from accounts.roles import Role

from .flows import path_of, sign_in, submit_code, totp_code

pytestmark = pytest.mark.browser

FAILING_IMPACTS = {"serious", "critical"}
SECRETS = {
    Role.TREASURER: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    Role.BACK_OFFICE: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
    Role.NVSI_BOARD: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
}
PAGES = {
    Role.COORDINATOR: [
        "/gemeenten/",
        "/kandidaten/",
        "/opdrachten/",
        "/opdrachten/?status=requested",
        "/uren/?month=2026-03",
        "/omzet/?jaar=2026",
        "/facturen/",
        "/afrekeningen/",
        "/premies/",
        "/dashboard/?year=2026",
    ],
    Role.TREASURER: [
        "/leden/",
        "/afrekeningen/",
        "/contributie/",
        "/signalering/",
        "/toezicht/",
        "/toezicht/bankregels/",
    ],
    Role.NVSI_BOARD: ["/leden/", "/leden/contracten/", "/besluiten/", "/toezicht/"],
    Role.BACK_OFFICE: [
        "/admin/",
        "/admin/placements/assignment/",
        "/admin/billing/invoice/",
        "/admin/placements/candidate/",
        "/admin/settlements/settlementtransferfile/",
    ],
}


@pytest.fixture
def scene(municipalities):
    """A requested assignment and an issued invoice in Groningen."""
    from tests.placements.factories import AssignmentFactory, CandidateFactory, general_framework
    from tests.supervision.conftest import invoice_for

    general_framework()
    groningen = municipalities["GM0014"]
    AssignmentFactory(candidate=CandidateFactory(municipality=groningen, last_name="van Dijk"))
    invoice_for(town=groningen, client_name="Bakkerij Korenschoof")
    return groningen


def _violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def _report(path: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [node["target"] for node in violation["nodes"]][:5]
        lines.append(f"{path}: {violation['impact']} {violation['id']}: {violation['help']}")
        lines.append(f"    {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role.value)
def test_the_main_pages_of_each_role_have_no_serious_violation(page, make_user, scene, role):
    email = f"{role.value}@example.nl"
    user = make_user(
        email, role=role, is_staff=role == Role.BACK_OFFICE, totp_secret=SECRETS.get(role)
    )
    if role == Role.COORDINATOR:
        scene.coordinators.add(user)
    sign_in(page, email)
    if role in SECRETS:
        submit_code(page, totp_code(SECRETS[role]))
    failing = []
    for path in PAGES[role]:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        assert "/accounts/" not in path_of(page), path  # still signed in
        violations = _violations(page)
        if violations:
            print(_report(path, violations))
        failing += [(path, v) for v in violations if v["impact"] in FAILING_IMPACTS]
    assert not failing, "axe:\n" + "\n".join(_report(path, [v]) for path, v in failing)
