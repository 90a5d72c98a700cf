"""RQ job functions only: load by id, call domain code, commit, enqueue the next step."""
