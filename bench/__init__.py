"""ecart's benchmark harness (issue 9): `python -m bench --help`, or `make bench`."""
