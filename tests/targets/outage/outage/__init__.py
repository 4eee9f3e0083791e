"""The outage service: two reads that answer 5xx, for signoff's fuzz classification tests."""
