"""The run store: every reported run's verdicts, tests and key figures in SQLite or PostgreSQL
(docs/history.md), and what the report draws from it: trends and flaky tests.

`db` connects and `schema` migrates; `facts` reads a run's results into rows, `store` writes and
queries them; `trends` and `flaky` are the report's views, `render` draws them; `remember` is
the one call the report makes; `command` is `signoff history`.
"""

from __future__ import annotations
