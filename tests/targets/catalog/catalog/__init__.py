"""The catalog service: a tiny in-memory API for signoff's own tests of its generic checks."""
