# The two commands of the README, plus the set-up they share.
.PHONY: install run test test-fast lint bench

install:
	@bash scripts/install.sh run

run:
	@bash scripts/install.sh run
	@bash scripts/run.sh

test:
	@bash scripts/install.sh test
	@bash scripts/test.sh

# the quick set while developing: no OCR, browser or slow tests
test-fast:
	@bash scripts/test.sh -m "not ocr and not browser and not slow" -q

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

bench:
	.venv/bin/python -m benchmarks.extraction_accuracy
	.venv/bin/python -m benchmarks.extraction_speed
	.venv/bin/python -m benchmarks.triage_accuracy
	.venv/bin/python -m benchmarks.storage
	.venv/bin/python -m benchmarks.web
