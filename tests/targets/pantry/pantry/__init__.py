"""pantry: a small API on PostgreSQL with a nested login and `Authorization: Token …`, for
signoff's tests of adoption (init guesses, nested logins, smoke ids, fuzz identities, its own
suite as a layer)."""
