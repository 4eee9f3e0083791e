"""shelf: a tiny multi-account items API on PostgreSQL, where signoff's authz and faults layers
are tried (bugs put in on purpose through SHELF_BUGS)."""
