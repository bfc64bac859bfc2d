"""Flash-sale benchmark (kept for its old command line; the scenario now lives in the
harness, `bench/scenarios.py` `flash_sale`): one hot SKU, many concurrent buyers.

    .venv/bin/python bench/flash_sale.py [--buyers 2000] [--stock 1000] [--concurrency 50]

is `python -m bench --run flash_sale --flash-buyers … --flash-stock … --flash-concurrency …`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.__main__ import Harness, parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--stock", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    argv = ["--run", "flash_sale", "--flash-buyers", str(args.buyers)]
    argv += ["--flash-stock", str(args.stock), "--flash-concurrency", str(args.concurrency)]
    asyncio.run(Harness(parse(argv)).main())


if __name__ == "__main__":
    main()
