"""Test helpers shared by several test packages (moto_server is a pytest plugin)."""
