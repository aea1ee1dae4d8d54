"""The errors a domain rule raises: a RuleViolation the API reports as BAD_USER_INPUT, an
OwnWork as FORBIDDEN, each with its message."""


class RuleViolation(Exception):
    """A request that a rule of the domain refuses (a date out of order, a wrong amount…)."""


class OwnWork(Exception):
    """An official acting on their own record where the act is a check on them (回避)."""


def recuse(actor: int | None, subject: int, act: str) -> None:
    """An official does not approve their own work: verifying their own service, exempting
    themselves, setting their own dues base (`actor`, `subject`: member ids)."""
    if actor == subject:
        raise OwnWork(f"you may not {act} (回避): another official must")
