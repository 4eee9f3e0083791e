"""`signoff compare`: both builds run in worktrees, side by side, and judged by `signoff.judge`."""
