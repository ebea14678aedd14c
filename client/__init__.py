"""Clients of the service: a Python library and the `mnist-predict` command."""
