"""``/phone_numbers``: each function builds the :class:`~clerk_core.backend_api.Call` of one
endpoint."""

from __future__ import annotations

from ...resources import DeletedObject, PhoneNumber
from .._call import Call, body, one

__all__ = [
    "create_phone_number",
    "delete_phone_number",
    "get_phone_number",
    "update_phone_number",
]


def get_phone_number(phone_number_id: str) -> Call[PhoneNumber]:
    return Call(
        "GET",
        "/phone_numbers/{phone_number_id}",
        one(PhoneNumber),
        ids={"phone_number_id": phone_number_id},
    )


def create_phone_number(
    user_id: str,
    *,
    phone_number: str,
    verified: bool | None = None,
    primary: bool | None = None,
    reserved_for_second_factor: bool | None = None,
) -> Call[PhoneNumber]:
    """``POST /phone_numbers``: a new number (E.164, ``+15555550100``) for the user."""
    return Call(
        "POST",
        "/phone_numbers",
        one(PhoneNumber),
        body=body(
            user_id=user_id,
            phone_number=phone_number,
            verified=verified,
            primary=primary,
            reserved_for_second_factor=reserved_for_second_factor,
        ),
    )


def update_phone_number(
    phone_number_id: str,
    *,
    verified: bool | None = None,
    primary: bool | None = None,
    reserved_for_second_factor: bool | None = None,
) -> Call[PhoneNumber]:
    return Call(
        "PATCH",
        "/phone_numbers/{phone_number_id}",
        one(PhoneNumber),
        body=body(
            verified=verified,
            primary=primary,
            reserved_for_second_factor=reserved_for_second_factor,
        ),
        ids={"phone_number_id": phone_number_id},
    )


def delete_phone_number(phone_number_id: str) -> Call[DeletedObject]:
    return Call(
        "DELETE",
        "/phone_numbers/{phone_number_id}",
        one(DeletedObject),
        ids={"phone_number_id": phone_number_id},
    )
