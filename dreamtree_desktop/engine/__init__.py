"""The workbook engine: progression, answers routed to their tables, recall, the conversation
thread, Daily Dos and competency results. No Qt here; the UI calls these services."""
