from ecart.platform.migrations import run_env
from ecart.users.store import metadata

run_env(metadata)
