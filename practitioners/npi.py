"""The US National Provider Identifier check digit (Luhn over the number prefixed 80840)."""

from django.core.exceptions import ValidationError


def npi_check_digit(first_nine: str) -> int:
    """Return the check digit for the first nine digits of an NPI."""
    total = 24  # the Luhn contribution of the "80840" prefix, as the CMS standard says
    for position, char in enumerate(reversed(first_nine)):
        digit = int(char)
        if position % 2 == 0:  # every other digit from the right, starting with the rightmost
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def is_valid_npi(value: str) -> bool:
    return (
        len(value) == 10
        and value.isascii()
        and value.isdigit()
        and npi_check_digit(value[:9]) == int(value[9])
    )


def validate_npi(value: str) -> None:
    if not value:
        return
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        raise ValidationError("An NPI is exactly 10 digits.", code="npi_format")
    if not is_valid_npi(value):
        raise ValidationError(
            "This NPI's check digit is wrong: please check the number for a typo.",
            code="npi_check_digit",
        )
