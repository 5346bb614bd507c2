"""``python -m display``: the hall board."""

import sys

from display.cli import main

sys.exit(main())
