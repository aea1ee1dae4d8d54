"""Authorization: Casbin policy, principals, the scope registry and PII masking
(docs/ARCHITECTURE.md)."""
