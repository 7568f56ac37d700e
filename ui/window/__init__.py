"""The parts the main window (ui/main_window.py) is assembled from: the rail, the tool panel's
host, the menus, the lock and reminder timers, the window's saved size and place, focus rules."""
