"""pantry: a small in-memory API with a nested login and `Authorization: Token …`, for signoff's
tests of adoption (init guesses, nested logins, smoke ids, fuzz identities)."""
