"""Settings, the database connection and the security helpers of the tasks service."""
