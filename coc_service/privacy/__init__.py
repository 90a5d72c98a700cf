"""Retention, account deactivation, the customer's data rights and the audit log.

policy.py     the retention table (what, from when, how long, why, then what)
retention.py  apply_retention: the daily, idempotent pass over that table
retention_items.py  one transaction per item of a pass, failures recorded; the pass's report
erasure.py    erasing documents with crypto-shredding, reducing, restricting, purging
accounts.py   deactivate_account, request_erasure, withdraw_marketing
export.py     export_personal_data: the customer's ZIP (art. 15 and 20)
audit.py      the hash-chained audit log: record, verify_chain
"""
