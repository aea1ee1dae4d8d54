"""Authorization: Casbin policy, principals, scope predicates and PII masking (DESIGN §2)."""
