"""Entry script of the frozen app: the same `dreamtree` command as the checkout's console script
(ui/launch.py: the window when no command is given, otherwise the command line)."""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
