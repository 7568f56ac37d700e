"""The Qt layer. Importing any part of it first applies the PySide6 6.12 / Python 3.11 guard."""

from ._refguard import guard

guard()
