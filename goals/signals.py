"""Signals of the goals app, for apps that build on the strategy (imports flow towards goals,
never from it)."""

from django.dispatch import Signal

# Sent by the load_strategy command once a strategy file is loaded: strategy=<Strategy>.
strategy_loaded = Signal()
