"""Dialogs: about, calm error messages, confirmations, the unlock screen."""
