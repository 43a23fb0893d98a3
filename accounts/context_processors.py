from accounts.roles import (
    is_back_office,
    is_coordinator,
    is_nvsi_board,
    is_representative,
    is_treasurer,
)


def roles(request) -> dict:
    user = request.user
    return {
        "is_coordinator": is_coordinator(user),
        "is_treasurer": is_treasurer(user),
        "is_back_office": is_back_office(user),
        "is_nvsi_board": is_nvsi_board(user),
        "is_representative": is_representative(user),
    }
