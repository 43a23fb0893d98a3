"""`{% back_office_todo as todo %}`: the back office's to-do items for the admin index."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from todo.selectors import TodoSection, todo_for_back_office

register = template.Library()


@register.simple_tag(takes_context=True)
def back_office_todo(context) -> TodoSection | None:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return None
    items = todo_for_back_office(user=request.user, today=timezone.localdate())
    return TodoSection(role="back_office", title=_("Back office"), items=items) if items else None
