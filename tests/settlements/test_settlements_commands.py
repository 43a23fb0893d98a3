"""`manage.py run_settlement` and `manage.py show_settlement`: output and exit codes."""

import io
import json
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from billing.models import Invoice
from settlements.models import Period, Settlement, SettlementRun
from settlements.services import half_year, runs, settlement_fingerprint

pytestmark = pytest.mark.django_db


def _call(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- run_settlement ------------------------------------------------------------------------


def test_run_settlement_prints_progress(member_towns, town_documents):
    out, _err = _call("run_settlement", "--period", "2026-H1")
    lines = out.splitlines()
    assert lines[0] == "1/2 GM0106 Assen: computed"
    assert lines[1] == "2/2 GM0014 Groningen: computed"
    run = SettlementRun.objects.get()
    assert lines[2] == (
        f"Run {run.pk} of 2026-H1: done, 2 of 2 municipalities done "
        "(0 submitted or approved, left as they were)."
    )
    assert Settlement.objects.count() == 2


def test_run_settlement_for_one_municipality(member_towns, town_documents):
    out, _err = _call("run_settlement", "--period", "2026-h1", "--municipality", "gm0014")
    assert out.splitlines()[0] == "1/1 GM0014 Groningen: computed"
    assert list(Settlement.objects.values_list("municipality__cbs_code", flat=True)) == ["GM0014"]


def test_run_settlement_says_what_is_wrong(member_towns):
    with pytest.raises(CommandError, match="is not a half-year; write it as 2026-H1"):
        _call("run_settlement", "--period", "2026-H3")
    with pytest.raises(CommandError, match="No municipality with CBS code 'GM9999'"):
        _call("run_settlement", "--period", "2026-H1", "--municipality", "GM9999")
    with pytest.raises(CommandError, match="was not a member in 2026-H1"):
        _call("run_settlement", "--period", "2026-H1", "--municipality", "GM0034")
    with pytest.raises(CommandError, match="has not begun yet"):
        _call("run_settlement", "--period", "2099-H1")
    assert not SettlementRun.objects.exists()


def test_run_settlement_fails_with_the_municipalities_that_failed(
    member_towns, town_documents, monkeypatch
):
    real = half_year._settlement_row

    def row(*, municipality, **kwargs):
        if municipality.cbs_code == "GM0106":
            raise ValueError("no contract")
        return real(municipality=municipality, **kwargs)

    monkeypatch.setattr(half_year, "_settlement_row", row)
    with pytest.raises(CommandError) as error:
        _call("run_settlement", "--period", "2026-H1")
    assert "failed:\nGM0106: no contract" in str(error.value)
    run = SettlementRun.objects.get()
    assert (run.status, run.done, run.total) == ("failed", 1, 2)


def test_run_settlement_queue(member_towns, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = _call("run_settlement", "--period", "2026-H1", "--queue")
    run = SettlementRun.objects.get()
    assert out.strip() == f"Run {run.pk} of 2026-H1 queued: 2 municipalities."
    run.refresh_from_db()
    assert run.status == "done"  # eager in tests


def test_exit_codes_of_the_real_command():
    """A CommandError is exit status 1 with the message on stderr (no database needed)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "run_settlement", "--period", "2026"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "is not a half-year" in result.stderr
    result = subprocess.run(
        [sys.executable, "manage.py", "show_settlement", "--municipality", "GM0014"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "--period" in result.stderr


# --- show_settlement -------------------------------------------------------------------------


def test_show_settlement_json_of_an_approved_settlement(approved):
    out, _err = _call(
        "show_settlement", "--municipality", "GM0014", "--period", "2026-H1", "--json"
    )
    data = json.loads(out)
    assert data["municipality"] == "GM0014" and data["period"] == "2026-H1"
    assert data["status"] == "approved"
    assert (data["G"], data["P"], data["F"], data["Cm"], data["Co"]) == (
        "398.00",
        "44.00",
        "119.40",
        "3.98",
        "3.98",
    )
    assert data["result"] == "230.62"
    assert data["hours"] == "22.00"
    assert (data["fee_percentage"], data["contribution_municipality_percentage"]) == (
        "30.00",
        "1.00",
    )
    assert data["operator_receives"] == "115.42" and data["nvsi_receives"] == "7.96"
    # P + (F - Co) + (Cm + Co) + result = G, to the cent, from the printed strings.
    d = {key: Decimal(data[key]) for key in ("G", "P", "F", "Cm", "Co", "result")}
    assert d["P"] + (d["F"] - d["Co"]) + (d["Cm"] + d["Co"]) + d["result"] == d["G"]
    approved.refresh_from_db()
    assert data["fingerprint"] == approved.fingerprint == settlement_fingerprint(approved)
    assert data["fingerprint_matches"] is True
    assert [row["month"] for row in data["by_month"]] == ["2026-04"]
    assert sum(Decimal(row["G"]) for row in data["by_client"]) == Decimal("398.00")
    assert data["decided_by"] and data["submitted_by"]


def test_show_settlement_json_of_a_draft(draft):
    out, _err = _call(
        "show_settlement", "--municipality", "gm0014", "--period", "2026-h1", "--json"
    )
    data = json.loads(out)
    assert data["status"] == "draft"
    assert data["fingerprint"] is None and data["fingerprint_matches"] is None


def test_show_settlement_as_a_table(draft):
    out, _err = _call("show_settlement", "--municipality", "GM0014", "--period", "2026-H1")
    assert "Groningen (GM0014)" in out
    assert "G  gross revenue" in out and "398.00" in out
    assert "119.40  (30.00%)" in out
    assert "Result for the municipality" in out and "230.62" in out
    assert "By month" in out and "2026-04" in out


def test_show_settlement_says_when_there_is_none(town, draft):
    with pytest.raises(CommandError, match="There is no settlement of GM0014 for 2025-H2"):
        _call("show_settlement", "--municipality", "GM0014", "--period", "2025-H2")
    with pytest.raises(CommandError, match="No municipality with CBS code 'GM9999'"):
        _call("show_settlement", "--municipality", "GM9999", "--period", "2026-H1")
    with pytest.raises(CommandError, match="write it as 2026-H1"):
        _call("show_settlement", "--municipality", "GM0014", "--period", "H1-2026")


# --- settlement_smoke (CI, with a real worker; here its data and expectations) ---------------


def test_settlement_smoke_needs_a_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with pytest.raises(CommandError, match="No broker configured"):
        _call("settlement_smoke")


def test_settlement_smoke_data_and_expectations_hold_in_process(db):
    from settlements.management.commands.settlement_smoke import PERIOD, smoke_data

    first = smoke_data()
    again = smoke_data()  # idempotent: nothing made twice
    assert [m.pk for m, _f in first] == [m.pk for m, _f in again]
    assert Invoice.objects.filter(status="issued").count() == 3
    run = runs.settlement_run_period(period=PERIOD, actor=None)
    assert (run.status, run.done, run.total) == ("done", 3, 3)
    for municipality, figures in first:
        settlement = Settlement.objects.get(municipality=municipality)
        assert {field: getattr(settlement, field) for field in figures} == figures
    # The smoke municipalities were members in 2000 only: no real half-year includes them.
    assert not runs.settlement_run_municipalities(period=Period(2001, 1)).exists()
