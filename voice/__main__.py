"""``python -m voice``: make a clip set, or one announcement as a WAV file."""

import sys

from voice.cli import main

sys.exit(main())
