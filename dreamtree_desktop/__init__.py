"""DreamTree Desktop core: storage, workbook engine, security, portability. Never imports Qt."""

__version__ = "0.1.0"
APP_NAME = "DreamTree"
