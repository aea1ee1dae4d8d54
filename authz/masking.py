"""Server-side PII masking (docs/ARCHITECTURE.md, "Masks hold together"): applied on every
output path. A mask is judged with everything else a caller without `member.pii` reads (the
district in the address, the year of birth, the gender): no masked ID-card number or phone may
keep fewer than 10,000 candidates (`tests/test_masking.py` attempts the reconstruction)."""


def mask_id_card(value: str) -> str:
    """`500***************`: the province only. The area (6 digits) is named by the address, the
    next 8 are the birth date, the 17th digit's parity is the gender and the last checks the
    rest: with the year of birth known, any further digit shown confirms a guess."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 3)


def mask_phone(value: str) -> str:
    """`*******5678`: the last 4 digits only (尾号), so 7 digits stay hidden. A carrier prefix
    kept as well would leave 4, and those are the number block, which a city narrows."""
    if len(value) <= 7:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_address(value: str) -> str:
    """Only the district part survives: the first 6 characters, then `****`."""
    return value[:6] + "****" if value else value


SENSITIVE = {
    "id_card_number": mask_id_card,
    "phone": mask_phone,
    "address": mask_address,
    "monthly_base_fen": lambda _: "***",
    # a member's amounts give the base to within a band (docs/ARCHITECTURE.md, "Money figures")
    "monthly_payable_fen": lambda _: "***",
    "amount_fen": lambda _: "***",
}


def redact(values: dict | None) -> dict | None:
    """A copy with PII, income bases and the amounts derived from them masked (for audit
    trails and logs: whoever reads the trail)."""
    if values is None:
        return None
    return {
        k: SENSITIVE[k](str(v)) if k in SENSITIVE and v is not None else v
        for k, v in values.items()
    }
