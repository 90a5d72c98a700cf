"""The check catalogue and triage: pure functions from an order's facts and its read documents
to named pass/warn/fail/skip results and an outcome. No Flask, no database.

    results = run_checks(order, documents, settings, duplicates)
    decision = triage(results, policy)
"""
