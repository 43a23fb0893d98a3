from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """No public sign-up: accounts are invited from the back office."""

    def is_open_for_signup(self, request) -> bool:
        return False
