"""Fixtures shared by the outcomes tests: the history-entry ledger's county and its three years entered (#14)."""

from tests.history_helpers import history_county, ledger_entered  # noqa: F401
