"""Entry point of ``python -m firmware_config``."""

import sys

from firmware_config.cli import main

sys.exit(main())
