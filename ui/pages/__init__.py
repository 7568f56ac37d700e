"""The shell's pages: home, contents, tools, profile, settings (the workbook page is ui/conversation)."""
