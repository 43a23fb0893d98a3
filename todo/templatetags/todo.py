"""`{% back_office_todo as items %}`: the back office's to-do items for the admin index."""

from django import template
from django.utils import timezone

from todo.selectors import todo_for_back_office

register = template.Library()


@register.simple_tag(takes_context=True)
def back_office_todo(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ()
    return todo_for_back_office(user=request.user, today=timezone.localdate())
