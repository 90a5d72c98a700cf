"""Encrypted document storage: one DocumentStore interface, a local folder and S3 behind it.

base.py (interface, key rules), crypto.py (object format; sources.py reads what is sealed,
digest.py hashes it), local.py and s3.py (stores), keys.py, local_keys.py and kms.py (data keys
and their wrapping), factory.py (from settings), bucket.py (S3 set-up), errors.py (typed
failures). Importing the package loads nothing heavy.
"""
