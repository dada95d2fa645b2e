"""The automation condition the models, exports and serving assets share."""

import dagster as dg


def follows_checked_inputs() -> dg.AutomationCondition:
    """Rebuild after an input changed, but only on inputs whose blocking checks passed.

    ``eager`` alone would rebuild the marts, and publish them, after a load whose
    blocking data-quality check failed: a job run skips those steps, declarative
    automation does not unless it is told to.
    """
    return (
        dg.AutomationCondition.eager() & dg.AutomationCondition.all_deps_blocking_checks_passed()
    ).with_label("eager, blocking checks of inputs passed")
