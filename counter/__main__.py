"""``python -m counter``: the officer call station (see ``counter.cli``)."""

import sys

from counter.cli import main

sys.exit(main())
