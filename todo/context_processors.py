from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from todo.selectors import has_todo, todo_count_for_user


def todo(request) -> dict:
    """`todo_count` for the menu badge: counted only when a page renders it (the portal's
    menu, for a signed-in user with a role that has work), in one query; the admin's pages
    and anonymous visitors never count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not has_todo(user):
        return {"todo_count": None}
    return {
        "todo_count": SimpleLazyObject(
            lambda: todo_count_for_user(user=user, today=timezone.localdate())
        )
    }
