"""Pure domain rules: no SQL, no GraphQL (DESIGN §1)."""
