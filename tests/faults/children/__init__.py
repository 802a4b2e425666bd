"""Child processes for the fault tests: the fork server and the work it forks (run with python -m)."""
