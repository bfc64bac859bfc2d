"""The gateway: the local edge (port 8000) in front of the services."""
