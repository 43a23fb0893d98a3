from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def role_required(*checks: Callable) -> Callable:
    """Signed in and passing one of the role checks; anyone else gets a 404 (not in scope)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(check(request.user) for check in checks):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
