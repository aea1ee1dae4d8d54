"""Pure domain rules: no SQL, no GraphQL (docs/ARCHITECTURE.md)."""
