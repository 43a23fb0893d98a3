"""`{% candidate_premium candidate %}`: the candidate's premium this year, for pages outside
the premiums app (the candidate page), read through the scoped selectors with the request's
user: out of scope, nothing is shown."""

from django import template
from django.utils import timezone

from premiums.selectors import (
    annual_cap_for_year,
    candidate_premium_year,
    premium_figures_by_candidate,
)

register = template.Library()


@register.inclusion_tag("premiums/_candidate_premium.html", takes_context=True)
def candidate_premium(context, candidate):
    request = context.get("request")
    if request is None:
        return {"row": None}
    today = timezone.localdate()
    figures = premium_figures_by_candidate(
        user=request.user, year=today.year, candidate_ids=[candidate.pk]
    )
    row = candidate_premium_year(
        candidate=candidate,
        year=today.year,
        figures=figures.get(candidate.pk),
        cap=annual_cap_for_year(municipality=candidate.municipality, year=today.year, today=today),
        today=today,
    )
    return {"row": row, "year": today.year, "has_figures": candidate.pk in figures}
