"""The one error a domain rule raises; the API reports it as BAD_USER_INPUT with its message."""


class RuleViolation(Exception):
    """A request that a rule of the domain refuses (a date out of order, a wrong amount…)."""
