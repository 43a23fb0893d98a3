import pytest
from django.db import transaction

from core.db import require_atomic


@pytest.mark.django_db(transaction=True)
def test_require_atomic_refuses_outside_a_transaction():
    with pytest.raises(RuntimeError):
        require_atomic()
    with transaction.atomic():
        require_atomic()
