from ecart.notifications.store import metadata
from ecart.platform.migrations import run_env

run_env(metadata)
