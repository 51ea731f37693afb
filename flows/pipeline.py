"""The deployment entrypoint of the pipeline flow (`flows/pipeline.py:run_pipeline`).

The flow itself lives in the package, `usrok_pipeline.flow`, so that the installed command
needs no module of this folder; `python flows/pipeline.py [SEEDS [REPORTS]]` runs it once.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from usrok_pipeline import config

    # Prefect reads its settings when imported: a run from the command line gets the
    # project's defaults first (importing this module as an entrypoint changes nothing).
    config.apply_prefect_environment(config.settings())

from usrok_pipeline.flow import run_by_hand, run_pipeline

__all__ = ["run_pipeline"]

if __name__ == "__main__":
    arguments: list[str | None] = [*sys.argv[1:3], None, None]
    result = run_by_hand(seeds=arguments[0], reports=arguments[1])
    print(f"Reports in {result.reports}")
