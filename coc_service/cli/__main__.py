"""`python -m coc_service.cli` runs the `coc-service` command."""

from coc_service.cli import main

main()
