"""`python -m dreamtree_desktop COMMAND`: the command line alone (`python -m ui.launch` or the
installed `dreamtree` also opens the window when no command is given)."""

import sys

from .cli.main import main

sys.exit(main())
