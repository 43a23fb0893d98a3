"""The NVSI board and a municipality's representative, for the members tests
(tests/conftest.py has the other roles)."""

import pytest
from django.test import Client

from accounts.roles import Role
from tests.factories import UserFactory


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def board(db):
    return UserFactory(email="board@nvsi.example.nl", role=Role.NVSI_BOARD, is_staff=True, mfa=True)


@pytest.fixture
def board_client(board):
    return client_for(board)


@pytest.fixture
def representative(municipality):
    """Groningen's representative, not its coordinator."""
    user = UserFactory(email="representative@groningen.example.nl", role=Role.REPRESENTATIVE)
    municipality.representatives.add(user)
    return user


@pytest.fixture
def representative_client(representative):
    return client_for(representative)
