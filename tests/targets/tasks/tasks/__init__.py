"""tasks: users and their items over PostgreSQL, shaped like the FastAPI full-stack template's
backend (a second service that signoff adopts by `signoff init` and configuration alone)."""
