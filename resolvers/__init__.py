"""Scoped reads and writes per domain area; every statement is built through `authz` scopes."""
