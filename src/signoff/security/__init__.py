"""The security layer's parts: bandit and pip-audit runners, the offline OSV endpoint, waivers,
the score and the live HTTP checks. `signoff.layers.audit` puts them together."""
