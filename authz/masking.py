"""Server-side PII masking (docs/ARCHITECTURE.md): applied on every output path."""


def mask_id_card(value: str) -> str:
    """`500***********1234`: first 3 and last 4 characters kept."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """`138****5678`: first 3 and last 4 digits kept."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """Only the district part survives: the first 6 characters, then `****`."""
    return value[:6] + "****" if value else value


SENSITIVE = {
    "id_card_number": mask_id_card,
    "phone": mask_phone,
    "address": mask_address,
    "monthly_base_fen": lambda _: "***",
}


def redact(values: dict | None) -> dict | None:
    """A copy with PII and income bases masked (for audit trails and logs)."""
    if values is None:
        return None
    return {
        k: SENSITIVE[k](str(v)) if k in SENSITIVE and v is not None else v
        for k, v in values.items()
    }
