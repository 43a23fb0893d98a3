from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from todo.selectors import has_todo, todo_for_user


@login_required
def index(request):
    """/te-doen/: what waits for the user, per role, each item linking to where it is done."""
    if not has_todo(request.user):
        raise Http404
    sections = todo_for_user(user=request.user, today=timezone.localdate())
    return render(
        request,
        "todo/index.html",
        {"sections": sections, "total": sum(section.total for section in sections)},
    )
