"""Entry script of the frozen app: the same `dreamtree` command as the checkout's console script.

(dreamtree_desktop/__main__.py uses a relative import, which a frozen entry script cannot.)
"""

import sys

from dreamtree_desktop.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
