"""Live-stack suites of signoff (a package so that suites share helpers from conftest)."""
