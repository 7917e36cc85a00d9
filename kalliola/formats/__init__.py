"""The project's own date and time formats, where Django's defaults do not suit Kalliola."""
